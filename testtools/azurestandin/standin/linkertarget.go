package standin

// What Service Connector does to the link's target account.

// linkTargetNetwork is Service Connector's network set-up on the target:
// publicNetworkSolution.action "enable" (the default) makes it "enable
// public network access of target service with best try", "optOut" leaves
// the target alone (servicelinker spec, PublicNetworkSolution.action, as
// Learn's ServiceLinker PowerShell model documents it: "If enable, enable
// public network access of target service with best try. Default is
// enable. If optOut, opt out public network access configuration"; Learn,
// "Use Service Connector in AKS": the connection configures the target's
// network). On an OpenAI account that is a write to the account: the
// stand-in sets publicNetworkAccess Enabled and networkAcls.defaultAction
// Allow (*assumption*: what "enable public network access" means on a
// Cognitive Services account), which a refresh shows as drift, and, like
// any write under the account, it is refused with 409 RequestConflict
// while another write (a deployment's) is in flight.
func linkTargetNetwork(c *op, target *Object) error {
	if target == nil || ShortType(target.Type) != "Account" || gets(c.in, "publicNetworkSolution.action") == "optOut" {
		return nil
	}
	if until, busy := c.st.AccountWrites[key(target.ID)]; busy && c.now.Before(until) {
		return armErr(409, "RequestConflict", "Another operation is being performed on the parent resource '%s'. Please try again later.", target.ID)
	}
	props, _ := target.Outputs["properties"].(map[string]any)
	if props == nil {
		props = map[string]any{}
		target.Outputs["properties"] = props
	}
	props["publicNetworkAccess"] = "Enabled"
	props["networkAcls"] = map[string]any{"defaultAction": "Allow", "ipRules": []any{}, "virtualNetworkRules": []any{}}
	return nil
}

// secretKeys are the names Service Connector writes the endpoint and the
// client id under: AZURE_OPENAI_* for an Azure OpenAI account,
// AZURE_AISERVICES_* for a Foundry resource (kind AIServices; Learn,
// Service Connector's "Integrate Azure OpenAI" and "Integrate Azure AI
// services" pages, AZURE_AISERVICES_OPENAI_BASE as issue 16 quotes it; the
// client id's name by the same pattern is *assumption*).
func secretKeys(target *Object) (endpoint, clientID string) {
	if target != nil && target.Output("kind") == kindAIServices {
		return "AZURE_AISERVICES_OPENAI_BASE", "AZURE_AISERVICES_CLIENTID"
	}
	return "AZURE_OPENAI_BASE", "AZURE_OPENAI_CLIENTID"
}
