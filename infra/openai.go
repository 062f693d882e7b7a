package infra

import (
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/infra/nativetypes"
)

// OpenAIArgs configures an OpenAI account and its model deployment.
type OpenAIArgs struct {
	ResourceGroup *ResourceGroup
	// NamePrefix starts the account name and custom subdomain.
	NamePrefix string
	Model      config.Model
	// Protect refuses a delete or replacement of the account (a destroy, a
	// location or namePrefix change) until it is lifted on purpose.
	Protect bool
}

// OpenAI is an Azure OpenAI account that accepts only Entra tokens, and one
// model deployment on it.
type OpenAI struct {
	pulumi.ResourceState

	ID             pulumi.IDOutput
	Endpoint       pulumi.StringOutput
	DeploymentName pulumi.StringOutput
	// Deployment is the model deployment: what must not be written to
	// while something else writes to the account.
	Deployment *nativetypes.Deployment
}

// NewOpenAI creates the account and the deployment.
func NewOpenAI(ctx *pulumi.Context, name string, args OpenAIArgs, opts ...pulumi.ResourceOption) (*OpenAI, error) {
	c := &OpenAI{}
	if err := ctx.RegisterComponentResource(typePrefix+"OpenAI", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	// The subdomain is global and stays reserved while a deleted account is
	// soft-deleted (48 h), so it comes from the group's fresh suffix.
	subdomain := rg.UniqueSuffix.ApplyT(func(s string) string {
		return openAISubdomain(args.NamePrefix, s)
	}).(pulumi.StringOutput)
	account, err := nativetypes.NewAccount(ctx, name, nativetypes.AccountArgs{
		ResourceGroupName: rg.Name,
		AccountName:       subdomain,
		Location:          pulumi.String(rg.Location),
		Kind:              keepKind(ctx, rg, subdomain, "OpenAI", c),
		Sku:               &nativetypes.Sku{Name: pulumi.String("S0")},
		Properties: &nativetypes.AccountProperties{
			CustomSubDomainName: subdomain,
			// Keyless: API keys are refused, only Entra tokens work.
			DisableLocalAuth:    pulumi.Bool(true),
			PublicNetworkAccess: pulumi.String("Enabled"),
		},
		Tags: rg.Tags,
	}, pulumi.Parent(c), pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	m := args.Model
	// Reported on the component: the deployment's URN resolves only when its
	// create ends, which waits for this hook.
	report := func(log func(string, *pulumi.LogArgs) error) func(string) {
		return func(msg string) { _ = log(msg, &pulumi.LogArgs{Resource: c}) }
	}
	accountReady, err := ctx.RegisterErrorHook(name+"-account-ready", accountReadyRetry{
		sleep: time.Sleep, warn: report(ctx.Log.Warn), fail: report(ctx.Log.Error),
	}.decide)
	if err != nil {
		return nil, err
	}
	deployment, err := nativetypes.NewDeployment(ctx, name+"-"+m.DeploymentName, nativetypes.DeploymentArgs{
		ResourceGroupName: rg.Name,
		AccountName:       account.Name,
		DeploymentName:    pulumi.String(m.DeploymentName),
		Sku:               &nativetypes.Sku{Name: pulumi.String(m.SkuName), Capacity: pulumi.Int(m.Capacity)},
		Properties: &nativetypes.DeploymentProperties{
			Model: &nativetypes.DeploymentModel{
				Format:  pulumi.String(m.Format),
				Name:    pulumi.String(m.Name),
				Version: keepVersion(ctx, rg, account.Name, m, c),
			},
			// When Azure may move the model: per stack (docs/long-lived-stacks.md).
			VersionUpgradeOption: pulumi.String(m.VersionUpgrade),
		},
	}, pulumi.Parent(c), pulumi.ResourceHooks(&pulumi.ResourceHookBinding{OnError: []*pulumi.ErrorHook{accountReady}}))
	if err != nil {
		return nil, err
	}
	c.ID = account.ID()
	c.Endpoint = account.Properties.Endpoint()
	c.DeploymentName = deployment.Name
	c.Deployment = deployment
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"accountName": account.Name, "endpoint": c.Endpoint, "deploymentName": c.DeploymentName,
	})
}

// openAISubdomain is the account's name and custom subdomain.
func openAISubdomain(prefix, suffix string) string {
	return prefix + "-oai-" + suffix
}
