package infra

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// An OpenAI account can still be provisioning when its create has ended:
// azure-native returns it once Cognitive Services' own GET says Succeeded,
// yet a write that depends on it can be refused for a while with
// 400 AccountProvisioningStateInvalid, "Account … in state Accepted"
// (hashicorp/terraform-provider-azurerm#31712, DefangLabs/pulumi-defang#274).
// It heals by waiting: the same write succeeds minutes later
// (terraform-provider-azurerm#15152: a re-run 5 to 10 minutes later;
// Azure/bicep-registry-modules#5957: "on redeployment it works").
const (
	accountNotReadyCode = "AccountProvisioningStateInvalid"
	// accountReadyBudget bounds the waits for one write: the 10 minutes
	// of #15152's re-run, after which the account is taken to be stuck.
	accountReadyBudget = 10 * time.Minute
	// The waits start at a second and double up to a minute, so a short
	// window costs seconds and a long one few requests.
	firstAccountRetry = time.Second
	maxAccountRetry   = time.Minute
)

// accountRetryDelay is the wait before the n-th retry (n from 1).
func accountRetryDelay(n int) time.Duration {
	d := firstAccountRetry
	for i := 1; i < n && d < maxAccountRetry; i++ {
		d *= 2
	}
	return min(d, maxAccountRetry)
}

// accountReadyRetry retries a deployment write that Azure refused because
// its account is still provisioning, and nothing else.
type accountReadyRetry struct {
	sleep func(time.Duration)
	// warn and fail report on the deployment.
	warn, fail func(msg string)
}

// decide is the deployment's error hook: errors holds the operation's
// failures so far, newest first, so its length numbers the retries.
func (r accountReadyRetry) decide(args *pulumi.ErrorHookArgs) (bool, error) {
	if len(args.Errors) == 0 || !strings.Contains(args.Errors[0], accountNotReadyCode) {
		return false, nil
	}
	account := "?"
	if v, ok := args.NewInputs["accountName"]; ok && v.IsString() {
		account = v.StringValue()
	}
	n := len(args.Errors)
	var waited time.Duration
	for i := 1; i < n; i++ {
		waited += accountRetryDelay(i)
	}
	next := accountRetryDelay(n)
	if waited+next > accountReadyBudget {
		r.fail(fmt.Sprintf("the OpenAI account %s was still provisioning (%s) after %s of retries; "+
			"check it with `az cognitiveservices account show --name %s --resource-group <resourceGroupName> --query properties.provisioningState`, "+
			"then run `pulumi up` again", account, accountNotReadyCode, waited, account))
		return false, nil
	}
	r.warn(fmt.Sprintf("retry: the OpenAI account %s is still provisioning (%s); waiting %s for it before %s the deployment again (attempt %d, at most %s in all)",
		account, accountNotReadyCode, next, strings.TrimSuffix(args.FailedOperation, "e")+"ing", n+1, accountReadyBudget))
	r.sleep(next)
	return true, nil
}
