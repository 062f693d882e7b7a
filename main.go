// Command aks-openai-workload-identity is Microsoft's tutorial "Connect to
// Azure OpenAI Service in AKS using workload identity" (Service Connector)
// as a Pulumi program: `pulumi up` builds it all, `pulumi destroy` removes it.
package main

import (
	"net/http"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/buildcontext"
	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/k8s"
	"aks-openai-workload-identity/kubeclient"
)

// azureNativeVersion is the one azure-native plugin every Azure resource
// uses, whatever version each SDK module would ask for.
const azureNativeVersion = "2.92.0"

// options are the program's seams for tests.
type options struct {
	// appDir is the demo app's source, built into the image.
	appDir string
	// waitForObjects waits for Service Connector's objects in the cluster.
	waitForObjects kubeclient.ObjectWait
	// demoAnswers reads the demo pods' last words when its Job fails.
	demoAnswers k8s.DemoAnswers
	// armClient makes the preflight's ARM reads; nil is Go's default
	// client (trust from the system, or SSL_CERT_FILE).
	armClient *http.Client
	// kubeTokenDir keeps the Kubernetes provider's Entra token
	// (clusterAccess entra), outside the checkout.
	kubeTokenDir string
}

func main() {
	pulumi.Run(program(options{appDir: "demo", waitForObjects: kubeclient.WaitForServiceConnectorObjects, demoAnswers: kubeclient.ReadDemoAnswers,
		kubeTokenDir: k8s.TokenDir()}))
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
	if err := announceProtection(ctx, cfg); err != nil {
		return nil, err
	}
	app, err := buildcontext.Pack(opts.appDir, infra.CheckInlineSize)
	if err != nil {
		return nil, err
	}
	azure, err := newAzureProvider(ctx, cfg)
	if err != nil {
		return nil, err
	}
	// Before any Azure resource: what the config asks for must exist and
	// be open to the subscription, or the run fails in seconds.
	if err := runPreflight(ctx, cfg, azure, opts.armClient); err != nil {
		return nil, err
	}
	inAzure := pulumi.Providers(azure)
	// Component names start with the prefix too, so two projects' stacks
	// read apart in the console.
	prefix := cfg.NamePrefix

	// 1. Resource group.
	rg, err := infra.NewResourceGroup(ctx, prefix, infra.ResourceGroupArgs{
		Location: cfg.Location,
		Tags:     map[string]string{"project": ctx.Project(), "stack": ctx.Stack()},
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 2. AKS cluster with OIDC issuer and workload identity: the issuer is
	// what Entra ID trusts for the workload's service account tokens.
	cluster, err := infra.NewCluster(ctx, prefix+"-aks", infra.ClusterArgs{
		ResourceGroup:        rg,
		NodeCount:            cfg.NodeCount,
		NodeVMSize:           cfg.NodeVMSize,
		KubernetesVersion:    cfg.KubernetesVersion,
		UpgradeChannel:       cfg.AKSUpgradeChannel,
		NodeOSUpgradeChannel: cfg.AKSNodeOSUpgradeChannel,
		Protect:              cfg.Production,
		EntraOnly:            cfg.ClusterAccess == config.AccessEntra,
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 3. Azure OpenAI account and model deployment. Keyless: only Entra
	// tokens work, so the workload must prove its identity.
	openai, err := infra.NewOpenAI(ctx, prefix+"-openai", infra.OpenAIArgs{
		ResourceGroup: rg,
		NamePrefix:    prefix,
		Model:         cfg.Model,
		Protect:       cfg.Production,
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 4. Container registry and the demo image, built inside it (ACR
	// Tasks), so `up` needs no Docker on the user's machine.
	registryArgs := infra.RegistryArgs{
		ResourceGroup: rg,
		NamePrefix:    prefix,
		AnonymousPull: cfg.RegistryPull == config.PullAnonymous,
		Protect:       cfg.Production,
	}
	if cfg.RegistryPull == config.PullAcrPull {
		registryArgs.PullPrincipalID = cluster.KubeletObjectID
	}
	registry, err := infra.NewRegistry(ctx, prefix+"-acr", registryArgs, inAzure)
	if err != nil {
		return nil, err
	}
	image, err := infra.NewImage(ctx, prefix+"-image", infra.ImageArgs{
		ResourceGroup: rg,
		Registry:      registry,
		Context:       app,
		Repository:    k8s.DemoJobName,
	}, inAzure)
	if err != nil {
		return nil, err
	}

	// 5. User-assigned managed identity: the workload's Azure identity,
	// which outlives pods and is shared by nothing else.
	identity, err := infra.NewIdentity(ctx, prefix+"-identity", infra.IdentityArgs{ResourceGroup: rg}, inAzure)
	if err != nil {
		return nil, err
	}

	// The cluster's API, for the namespace and the workload: with the user
	// kubeconfig's own credential, or on an Entra-only cluster with an
	// Entra token from the provider's credentials.
	kubeconfig := cluster.Kubeconfig
	if cfg.ClusterAccess == config.AccessEntra {
		kubeconfig = k8s.EntraKubeconfig(cluster.Kubeconfig, cluster.KubernetesToken(ctx), cluster.ID.ToStringOutput(), opts.kubeTokenDir)
	}
	kube, err := k8s.NewProvider(ctx, prefix+"-k8s", kubeconfig)
	if err != nil {
		return nil, err
	}
	inCluster := pulumi.Providers(kube)
	namespace, err := k8s.NewNamespace(ctx, prefix+"-namespace", cfg.Namespace, inCluster)
	if err != nil {
		return nil, err
	}

	// 6. The workload's identity and access: Service Connector's link (the
	// tutorial), or the same plumbing declared directly.
	access, err := connectWorkload(ctx, cfg, connectArgs{
		prefix: prefix, rg: rg, cluster: cluster, openai: openai, identity: identity,
		namespace: namespace, inAzure: inAzure, inCluster: inCluster, kubeconfig: kubeconfig,
		waitForObjects: opts.waitForObjects,
	})
	if err != nil {
		return nil, err
	}

	// 7. The demo workload, which proves the connection: `up` succeeds
	// only when it got a token and a reply from the model.
	waitOn := access.waitOn
	if registry.PullRole != nil {
		waitOn = append(waitOn, registry.PullRole)
	}
	demo, err := k8s.NewDemo(ctx, prefix+"-demo", k8s.DemoArgs{
		Namespace:          cfg.Namespace,
		ServiceAccountName: access.serviceAccount,
		SecretName:         cfg.ExpectedSecretName(),
		Image:              image.Ref,
		Endpoint:           openai.Endpoint,
		DeploymentName:     openai.DeploymentName,
		DependsOn:          waitOn,
		Deadline:           time.Duration(cfg.DemoDeadlineSeconds) * time.Second,
		Kubeconfig:         cluster.Kubeconfig,
		Answers:            opts.demoAnswers,
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
		"serviceAccountName":  access.serviceAccount,
		"secretName":          pulumi.String(cfg.ExpectedSecretName()).ToStringOutput(),
		"demoLogCommand":      demo.LogCommand,
	}
	for name, value := range access.outputs {
		outputs[name] = value
	}
	return outputs, nil
}
