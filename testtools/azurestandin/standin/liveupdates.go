package standin

import (
	"strings"
)

// Updates ARM answers for an account and a role assignment. azure-native
// replaces neither on these properties (its replace keys are the path
// parameters and the spec's create-only properties,
// provider/pkg/provider/diff.go, calculateDetailedDiff; neither the
// cognitiveservices 2023-05-01 account's kind and customSubDomainName nor
// a role assignment's roleDefinitionId is create-only): it sends a PUT,
// and ARM decides.

// accountKindChange is ARM's answer to a PUT that changes an account's
// kind: OpenAI to AIServices is the upgrade to a Foundry resource, done in
// place (Learn, "Upgrade from Azure OpenAI to Microsoft Foundry": the
// resource keeps its name, endpoint, identity and permissions); AIServices
// back to OpenAI is accepted only for an account that was upgraded (Learn,
// "Auto-upgrade Azure OpenAI resources to Microsoft Foundry": the owner
// can roll back after the upgrade completes; that a PUT of the old kind is
// that rollback is *assumption*). Any other change of kind: 400
// (*assumption*: a resource's kind is not otherwise changed in place).
func accountKindChange(c *op) error {
	if c.old == nil {
		return nil
	}
	was, want := c.old.Input("kind"), gets(c.in, "kind")
	switch {
	case was == "" || was == want:
	case was == kindOpenAI && want == kindAIServices:
		c.st.Counters[foundryUpgraded(c.id)] = 1
	case was == kindAIServices && want == kindOpenAI && c.st.Counters[foundryUpgraded(c.id)] > 0:
		delete(c.st.Counters, foundryUpgraded(c.id))
		// Rolled back, it is not upgraded again (*assumption*).
		c.st.Counters["foundry-rolled-back:"+key(c.id)] = 1
	default:
		return armErr(400, "CanNotUpdateKind", "The kind of account '%s' cannot be changed from '%s' to '%s'.", c.name, was, want)
	}
	return nil
}

// roleAssignmentUpdate is ARM's answer to a PUT on an existing role
// assignment that changes it: 400 RoleAssignmentUpdateNotPermitted
// "Tenant ID, application ID, principal ID, and scope are not allowed to
// be updated." (users met it as a PUT on an existing assignment:
// Azure-Samples/graphrag-accelerator#168, Azure/Azure-Landing-Zones#2040
// with status BadRequest, OfficeDev/microsoft-teams-apps-company-communicator#569).
func roleAssignmentUpdate(c *op) error {
	if c.old == nil {
		return nil
	}
	for _, k := range []string{"roleDefinitionId", "principalId", "principalType", "scope"} {
		if was := c.old.Input(k); was != "" && !strings.EqualFold(strings.TrimSuffix(was, "/"), strings.TrimSuffix(gets(c.in, k), "/")) {
			return armErr(400, "RoleAssignmentUpdateNotPermitted", "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
		}
	}
	return nil
}
