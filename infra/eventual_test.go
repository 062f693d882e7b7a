package infra

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/testtools/mocks"
)

const notReady = `Status=400 Code="AccountProvisioningStateInvalid" Message="Call to Microsoft.CognitiveServices/accounts failed. Error message: Account /subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a in state Accepted"`

// hookArgs is a failed create whose errors so far are errs, newest first.
func hookArgs(inputs map[string]any, errs ...string) *pulumi.ErrorHookArgs {
	return &pulumi.ErrorHookArgs{FailedOperation: "create", Errors: errs, NewInputs: resource.NewPropertyMapFromMap(inputs)}
}

func TestDeploymentRetriesOnlyWhileItsAccountIsProvisioning(t *testing.T) {
	var slept []time.Duration
	var warned, failed []string
	r := accountReadyRetry{
		sleep: func(d time.Duration) { slept = append(slept, d) },
		warn:  func(m string) { warned = append(warned, m) },
		fail:  func(m string) { failed = append(failed, m) },
	}
	in := map[string]any{"accountName": "scdemo-oai-1234abcd"}
	for _, other := range []string{`Status=409 Code="RequestConflict" Message="Another operation is being performed"`, `Status=400 Code="InsufficientQuota"`} {
		if retry, _ := r.decide(hookArgs(in, other, notReady)); retry {
			t.Errorf("retried %s", other)
		}
	}
	if len(slept) != 0 {
		t.Fatalf("waited %v for errors that do not heal", slept)
	}
	// Retry after retry until the waits would pass the budget.
	var errs []string
	for {
		errs = append(errs, notReady)
		retry, _ := r.decide(hookArgs(in, errs...))
		if !retry {
			break
		}
		if len(errs) > 100 {
			t.Fatal("retries without end")
		}
	}
	var total time.Duration
	for _, d := range slept {
		total += d
	}
	if slept[0] != time.Second || slept[1] != 2*time.Second || slices.Max(slept) != time.Minute {
		t.Errorf("waits %v, want 1s, 2s, … doubling up to 1m", slept)
	}
	// 10 minutes: a re-run that late succeeds (terraform-provider-azurerm#15152).
	if budget := 10 * time.Minute; total > budget || total+time.Minute <= budget {
		t.Errorf("waited %s in all, want the most that fits in %s", total, budget)
	}
	if len(warned) != len(slept) || !strings.Contains(warned[0], "retry: the OpenAI account scdemo-oai-1234abcd is still provisioning (AccountProvisioningStateInvalid); waiting 1s") {
		t.Errorf("retry lines %q", warned)
	}
	if len(failed) != 1 || !strings.Contains(failed[0], "az cognitiveservices account show --name scdemo-oai-1234abcd") {
		t.Errorf("when the budget ran out: %q", failed)
	}
}

func TestLinkNamesItsExtensionsJobWhenItFails(t *testing.T) {
	var told []string
	hook := explainExtensionFailure(func(m string) { told = append(told, m) })
	in := map[string]any{"resourceUri": "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1"}
	if retry, _ := hook(hookArgs(in, `Status=409 Code="MissingSubscriptionRegistration" Message="The subscription is not registered to use namespace 'Microsoft.KubernetesConfiguration'."`)); retry || len(told) != 0 {
		t.Fatalf("another failure: retry %v, told %q", retry, told)
	}
	failed := `Status=400 Code="ExtensionOperationFailed" Message="The extension operation failed with the following error:  Error: [ InnerError: [job sc-job in namespace sc-system failed: 401 Unauthorized]]"`
	if retry, _ := hook(hookArgs(in, failed)); retry {
		t.Error("retried the extension's failure")
	}
	if len(told) != 1 {
		t.Fatalf("told %q", told)
	}
	for _, want := range []string{
		"sc-extension did not install on cluster aks1", "job sc-job in namespace sc-system",
		"az k8s-extension show --cluster-type managedClusters --name sc-extension --cluster-name aks1 --resource-group rg1",
		"kubectl logs job/sc-job -n sc-system", "run `pulumi up` again",
	} {
		if !strings.Contains(told[0], want) {
			t.Errorf("the advice lacks %q: %s", want, told[0])
		}
	}
}

func TestDeploymentAndLinkCarryTheirErrorHooks(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		if _, err := NewOpenAI(ctx, "scdemo-openai", OpenAIArgs{ResourceGroup: rg, NamePrefix: "scdemo", Model: testModel}); err != nil {
			return err
		}
		_, err := NewServiceConnectorLink(ctx, "scdemo-connection", ServiceConnectorLinkArgs{
			ClusterID:        pulumi.String(mocks.ARMID("rg1", "Microsoft.ContainerService/managedClusters", "aks1")),
			TargetID:         pulumi.String(mocks.ARMID("rg1", "Microsoft.CognitiveServices/accounts", "oai1")),
			IdentityClientID: pulumi.String("00000000-0000-0000-0000-0000000000c1"),
			ConnectionName:   "openaiconn", Namespace: "demo", ClientType: "none",
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if h := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment").ErrorHooks; !slices.Equal(h, []string{"scdemo-openai-account-ready"}) {
		t.Errorf("deployment's error hooks %v", h)
	}
	if h := m.One(t.Fatalf, "azure-native:cognitiveservices:Account").ErrorHooks; len(h) != 0 {
		t.Errorf("account's error hooks %v", h)
	}
	if h := m.One(t.Fatalf, "azure-native:servicelinker:Linker").ErrorHooks; !slices.Equal(h, []string{"scdemo-connection-extension"}) {
		t.Errorf("link's error hooks %v", h)
	}
}
