package standin

import "time"

// An OpenAI account can still be provisioning when its create has ended:
// the Cognitive Services provider's own GET says Succeeded while a write
// that depends on the account is refused with the account "in state
// Accepted" (hashicorp/terraform-provider-azurerm#31712: 419 ms after a GET
// answered Succeeded; DefangLabs/pulumi-defang#274 on azure-native). The
// account's create itself ends only at Succeeded: Accounts_Create is a
// long-running operation (cognitiveservices 2023-05-01 spec), which
// azure-native polls until a terminal state (provider/pkg/azure/
// client_azcore.go, putOrPatch: runtime.NewPoller, PollUntilDone).

// acceptedUntil is when a new account stops looking Accepted to its
// dependents (AZURE_STANDIN_ACCOUNT_ACCEPTED after its create).
func acceptedUntil(c *op) time.Time {
	if c.old != nil {
		return c.old.BusyUntil
	}
	return c.now.Add(c.p.durationKnob(EnvAccountAccepted))
}

// accountProvisioned refuses a write under an account that is still
// Accepted, as the reports quote Azure's answer.
func accountProvisioned(c *op, account *Object) error {
	if account == nil || !c.now.Before(account.BusyUntil) {
		return nil
	}
	return armErr(400, "AccountProvisioningStateInvalid",
		"Call to Microsoft.CognitiveServices/accounts failed. Error message: Account %s in state Accepted", account.ID)
}

// customDomainInUse is Azure's answer for a subdomain taken by another
// account, live or soft-deleted (Azure-Samples/azuresandbox#164,
// microsoft/microsoft-foundry-for-vscode#52: the same text for both).
func customDomainInUse(sub string) *ARMError {
	return armErr(409, "CustomDomainInUse", "Please pick a different name. The subdomain name '%s' is not available as it's already used by a resource. If the resource using the name was deleted in the last 48 hours, you may need to purge the deleted resource. Learn more at \"https://go.microsoft.com/fwlink/?linkid=2215493\"", sub)
}
