package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// linkerRoles are the role definitions Service Connector assigns the
// link's identity on the target: authInfo.roles when the link names them
// (servicelinker REST spec, UserAssignedIdentityAuthInfo.roles: "Optional,
// this value specifies the Azure role to be assigned"; Learn, "Microsoft
// Entra roles assigned by Service Connector", Role customization: other
// roles than the default can be chosen), else the default for an Azure
// OpenAI target, Cognitive Services OpenAI Contributor (the same page's
// table). Each is a role definition id as ARM's role assignments take it
// (*assumption*: neither source gives the values' form); anything else is
// refused with ARM's 400 InvalidRoleDefinitionId.
func linkerRoles(in resource.PropertyMap) ([]string, error) {
	v := getv(in, "authInfo.roles")
	if !v.IsArray() || len(v.ArrayValue()) == 0 {
		return []string{RoleOpenAIContributor}, nil
	}
	var roles []string
	for _, r := range v.ArrayValue() {
		def := ""
		if r.IsString() {
			def = r.StringValue()
		}
		guid := roleGUID(def)
		if guid == "" {
			return nil, armErr(400, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", def)
		}
		roles = append(roles, guid)
	}
	return roles, nil
}

// grantLinkerRoles assigns each role on the target to the principal,
// unless it holds it there already, with the caller's rights (Service
// Connector acts on the caller's behalf), marked as made by the link.
func grantLinkerRoles(c *op, roles []string, principal, targetID string) error {
	for _, role := range roles {
		exists := false
		for _, ra := range c.st.Find("RoleAssignment", nil) {
			if ra.Input("principalId") == principal && roleGUID(ra.Input("roleDefinitionId")) == role &&
				strings.EqualFold(strings.TrimSuffix(ra.Input("scope"), "/"), targetID) {
				exists = true
			}
		}
		if exists {
			continue
		}
		sum := sha256.Sum256([]byte(c.id + "|" + principal + "|" + role))
		h := hex.EncodeToString(sum[:16])
		name := h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
		id := targetID + "/providers/Microsoft.Authorization/roleAssignments/" + name
		roleDef := "/subscriptions/" + Subscription() + "/providers/Microsoft.Authorization/roleDefinitions/" + role
		if err := c.p.authorize(actionRoleAssignmentWrite, id, role); err != nil {
			return err
		}
		c.st.Put(&Object{
			ID:        id,
			Type:      "azure-native:authorization:RoleAssignment",
			ManagedBy: c.id,
			Created:   c.now, Updated: c.now,
			Inputs: map[string]any{
				"scope": targetID, "principalId": principal, "principalType": "ServicePrincipal",
				"roleDefinitionId": roleDef, "roleAssignmentName": name,
			},
			Outputs: map[string]any{
				"name": name, "type": "Microsoft.Authorization/roleAssignments", "scope": targetID,
				"principalId": principal, "principalType": "ServicePrincipal", "roleDefinitionId": roleDef,
				"createdOn": c.now.UTC().Format(time.RFC3339Nano),
			},
		})
	}
	return nil
}
