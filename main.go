// Command aks-openai-workload-identity is Microsoft's tutorial "Connect to
// Azure OpenAI Service in AKS using workload identity" (Service Connector)
// as a Pulumi program: `pulumi up` builds it all, `pulumi destroy` removes it.
package main

import (
	"time"

	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/k8s"
)

// azureNativeVersion is the one azure-native plugin every Azure resource
// uses, whatever version each SDK module would ask for.
const azureNativeVersion = "2.92.0"

// options are the program's seams for tests.
type options struct {
	// appDir is the demo app's source, built into the image.
	appDir string
	// connectorCheck replaces the wait for Service Connector's objects.
	connectorCheck k8s.ConnectorCheck
}

func main() {
	pulumi.Run(program(options{appDir: "demo"}))
}

func program(opts options) pulumi.RunFunc {
	return func(ctx *pulumi.Context) error {
		outputs, err := deploy(ctx, opts)
		if err != nil {
			return err
		}
		for name, value := range outputs {
			ctx.Export(name, value)
		}
		return nil
	}
}

// deploy declares everything and returns the stack outputs.
func deploy(ctx *pulumi.Context, opts options) (pulumi.Map, error) {
	cfg, err := config.Load(ctx)
	if err != nil {
		return nil, err
	}
	app, err := infra.PackBuildContext(opts.appDir)
	if err != nil {
		return nil, err
	}
	azure, err := azurenative.NewProvider(ctx, "azure", &azurenative.ProviderArgs{
		Location: pulumi.String(cfg.Location),
	}, pulumi.Version(azureNativeVersion))
	if err != nil {
		return nil, err
	}
	inAzure := pulumi.Providers(azure)
	base := cfg.NamePrefix

	// 1. Resource group.
	rg, err := infra.NewResourceGroup(ctx, base, infra.ResourceGroupArgs{
		Location: cfg.Location,
		Tags:     map[string]string{"project": ctx.Project(), "stack": ctx.Stack()},
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 2. AKS cluster with OIDC issuer and workload identity.
	cluster, err := infra.NewCluster(ctx, base+"-aks", infra.ClusterArgs{
		ResourceGroup:     rg,
		NodeCount:         cfg.NodeCount,
		NodeVMSize:        cfg.NodeVMSize,
		KubernetesVersion: cfg.KubernetesVersion,
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 3. Azure OpenAI account (keyless) and model deployment.
	openai, err := infra.NewOpenAI(ctx, base+"-openai", infra.OpenAIArgs{
		ResourceGroup: rg,
		NamePrefix:    base,
		Model:         infra.ModelArgs(cfg.Model),
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 4. Container registry and the demo image, built inside it.
	registryArgs := infra.RegistryArgs{
		ResourceGroup: rg,
		NamePrefix:    base,
		AnonymousPull: cfg.RegistryPull == config.PullAnonymous,
	}
	if cfg.RegistryPull == config.PullAcrPull {
		registryArgs.PullPrincipalID = cluster.KubeletObjectID
	}
	registry, err := infra.NewRegistry(ctx, base+"-acr", registryArgs, inAzure)
	if err != nil {
		return nil, err
	}
	image, err := infra.NewImage(ctx, base+"-image", infra.ImageArgs{
		ResourceGroup: rg,
		Registry:      registry,
		Context:       app,
		Repository:    k8s.DemoJobName,
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 5. User-assigned managed identity.
	identity, err := infra.NewIdentity(ctx, base+"-identity", infra.IdentityArgs{ResourceGroup: rg}, inAzure)
	if err != nil {
		return nil, err
	}

	// The cluster's API, for the namespace and the workload.
	kube, err := k8s.NewProvider(ctx, base+"-k8s", cluster.Kubeconfig)
	if err != nil {
		return nil, err
	}
	inCluster := pulumi.Providers(kube)
	namespace, err := k8s.NewNamespace(ctx, base+"-namespace", cfg.Namespace, inCluster)
	if err != nil {
		return nil, err
	}

	// 6. The connection: Service Connector's link (the tutorial), or the
	// same identity plumbing declared directly.
	conn, err := connect(ctx, cfg, connectArgs{
		base: base, rg: rg, cluster: cluster, openai: openai, identity: identity,
		namespace: namespace, inAzure: inAzure, inCluster: inCluster,
	})
	if err != nil {
		return nil, err
	}

	// 7. The demo workload, which proves the connection.
	waitOn := conn.waitOn
	if registry.PullRole != nil {
		waitOn = append(waitOn, registry.PullRole)
	}
	demo, err := k8s.NewDemo(ctx, base+"-demo", k8s.DemoArgs{
		Namespace:          cfg.Namespace,
		ServiceAccountName: conn.serviceAccount,
		SecretName:         cfg.ExpectedSecretName(),
		Image:              image.Ref,
		Endpoint:           openai.Endpoint,
		DeploymentName:     openai.DeploymentName,
		WaitForConnector:   cfg.ConnectionMode == config.ModeServiceConnector,
		Kubeconfig:         cluster.Kubeconfig,
		DependsOn:          waitOn,
		ConnectorWait:      time.Duration(cfg.ConnectorWaitSeconds) * time.Second,
		Deadline:           time.Duration(cfg.DemoDeadlineSeconds) * time.Second,
		ConfigPrefix:       ctx.Project() + ":",
		Check:              opts.connectorCheck,
	}, inCluster)
	if err != nil {
		return nil, err
	}

	outputs := pulumi.Map{
		"resourceGroupName":   rg.Name,
		"clusterName":         cluster.Name,
		"kubeconfig":          cluster.Kubeconfig,
		"oidcIssuerUrl":       cluster.OIDCIssuerURL,
		"openaiEndpoint":      openai.Endpoint,
		"deploymentName":      openai.DeploymentName,
		"registryLoginServer": registry.LoginServer,
		"image":               image.Ref,
		"identityClientId":    identity.ClientID,
		"serviceAccountName":  demo.ServiceAccountName,
		"secretName":          demo.SecretName,
		"demoLogCommand":      demo.LogCommand,
	}
	for name, value := range conn.outputs {
		outputs[name] = value
	}
	return outputs, nil
}
