package standin

import (
	"strings"
	"time"
)

// principalKind finds a principal the emulated directory knows.
func principalKind(st *State, id string) (typ string, created time.Time, ok bool) {
	if id == ObjectID {
		return "User", time.Time{}, true
	}
	for _, o := range st.Objects {
		switch ShortType(o.Type) {
		case "UserAssignedIdentity":
			if o.Output("principalId") == id {
				return "ServicePrincipal", o.Created, true
			}
		case "ManagedCluster":
			if o.Output("identity.principalId") == id || o.Output("identityProfile.kubeletidentity.objectId") == id {
				return "ServicePrincipal", o.Created, true
			}
		}
	}
	return "", time.Time{}, false
}

func applyRoleAssignment(c *op) error {
	if err := roleAssignmentUpdate(c); err != nil {
		return err
	}
	scope := strings.TrimSuffix(gets(c.in, "scope"), "/")
	principal := gets(c.in, "principalId")
	roleDef := gets(c.in, "roleDefinitionId")
	m := roleDefPattern.FindStringSubmatch(roleDef)
	if m == nil {
		return armErr(400, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", roleDef)
	}
	if !strings.EqualFold(scope, "/subscriptions/"+Subscription()) && c.st.Get(scope) == nil {
		return armErr(404, "ResourceNotFound", "The scope '%s' does not exist or cannot be found.", scope)
	}
	actual, created, ok := principalKind(c.st, principal)
	given := gets(c.in, "principalType")
	// A principal not yet replicated is not found, unless the request
	// names its type: ARM then assigns without looking it up.
	if ok && c.now.Before(created.Add(c.p.durationKnob(EnvPrincipalDelay))) {
		ok = false
		if given != "" {
			actual, ok = given, true
		}
	}
	if !ok {
		return armErr(400, "PrincipalNotFound", "Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", strings.ReplaceAll(principal, "-", ""), TenantID)
	}
	if given != "" && given != actual {
		return armErr(400, "UnmatchedPrincipalType", "The PrincipalId '%s' has type '%s' , which is different from specified PrincipalType '%s'.", strings.ReplaceAll(principal, "-", ""), actual, given)
	}
	for _, ra := range c.st.Find("RoleAssignment", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
		if ra.Input("principalId") == principal && strings.EqualFold(roleGUID(ra.Input("roleDefinitionId")), m[2]) &&
			strings.EqualFold(strings.TrimSuffix(ra.Input("scope"), "/"), scope) {
			return armErr(409, "RoleAssignmentExists", "The role assignment already exists.")
		}
	}
	c.out["principalType"] = str(actual)
	c.out["createdOn"] = str(keepOr(c.old, "createdOn", func() string { return c.now.UTC().Format(time.RFC3339Nano) }))
	c.out["updatedOn"] = str(c.now.UTC().Format(time.RFC3339Nano))
	c.out["createdBy"] = str(ObjectID)
	c.out["updatedBy"] = str(ObjectID)
	return nil
}

// roleGUID is the GUID at the end of a role definition id.
func roleGUID(roleDef string) string {
	if m := roleDefPattern.FindStringSubmatch(roleDef); m != nil {
		return strings.ToLower(m[2])
	}
	return ""
}
