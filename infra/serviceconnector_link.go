package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/infra/nativetypes"
)

// ServiceConnectorLinkArgs configures a Service Connector link from a cluster to an
// Azure OpenAI account with workload identity, as
// `az aks connection create cognitiveservices --workload-identity` makes it.
type ServiceConnectorLinkArgs struct {
	// ClusterID is the source: the AKS cluster's ARM id.
	ClusterID pulumi.StringInput
	// TargetID is the OpenAI account's ARM id.
	TargetID pulumi.StringInput
	// IdentityClientID is the user-assigned identity the workload uses.
	IdentityClientID pulumi.StringInput
	ConnectionName   string
	// Namespace is the Kubernetes namespace the connection serves.
	Namespace  string
	ClientType string
	// DependsOn are custom resources the link must wait for.
	DependsOn []pulumi.Resource
}

// ServiceConnectorLink is the Service Connector link. Azure then,
// asynchronously, federates the identity with the cluster's issuer, grants
// it an OpenAI role on the account, and creates a service account and a
// secret in Namespace.
type ServiceConnectorLink struct {
	pulumi.ResourceState

	// Linker is the link itself: the workload waits on it, not on this
	// component, whose DependsOn would race its children (pulumi/pulumi#7852).
	Linker *nativetypes.Linker
}

// NewServiceConnectorLink creates the link.
func NewServiceConnectorLink(ctx *pulumi.Context, name string, args ServiceConnectorLinkArgs, opts ...pulumi.ResourceOption) (*ServiceConnectorLink, error) {
	c := &ServiceConnectorLink{}
	// The alias keeps stacks deployed before the rename from replacing the link.
	opts = append(opts, pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(typePrefix + "Connection")}}))
	if err := ctx.RegisterComponentResource(typePrefix+"ServiceConnectorLink", name, c, opts...); err != nil {
		return nil, err
	}
	client := authorization.GetClientConfigOutput(ctx, pulumi.Parent(c))
	// Reported on the component: the Linker's URN resolves only when its
	// create ends, which waits for this hook.
	explain, err := ctx.RegisterErrorHook(name+"-extension", explainExtensionFailure(func(msg string) {
		_ = ctx.Log.Error(msg, &pulumi.LogArgs{Resource: c})
	}))
	if err != nil {
		return nil, err
	}
	linker, err := nativetypes.NewLinker(ctx, name, nativetypes.LinkerArgs{
		ResourceUri: args.ClusterID,
		LinkerName:  pulumi.String(args.ConnectionName),
		TargetService: &nativetypes.AzureResource{
			Type: pulumi.String("AzureResource"),
			Id:   args.TargetID,
		},
		AuthInfo: &nativetypes.UserAssignedIdentityAuthInfo{
			AuthType:       pulumi.String("userAssignedIdentity"),
			ClientId:       args.IdentityClientID,
			SubscriptionId: client.SubscriptionId(),
			// Service Connector grants the identity a role on the account
			// and federates it with the cluster. Without ForcedCleanup it
			// keeps both when the link goes (a destroy, a switch to direct
			// mode), and the identity keeps a grant nothing declares.
			DeleteOrUpdateBehavior: pulumi.String("ForcedCleanup"),
			// Service Connector's default for an OpenAI target is OpenAI
			// Contributor, which also manages deployments and fine-tuning
			// (Learn, "Microsoft Entra roles assigned by Service
			// Connector"); the workload only calls the model.
			Roles: pulumi.StringArray{roleDefinitionID(client.SubscriptionId(), RoleOpenAIUser)},
		},
		ClientType: pulumi.String(args.ClientType),
		Scope:      pulumi.String(args.Namespace),
		// By default Service Connector opens the account's public network
		// access itself: a write to the account behind the program's back,
		// which the program already declares.
		PublicNetworkSolution: &nativetypes.PublicNetworkSolution{Action: pulumi.String("optOut")},
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn), pulumi.ResourceHooks(&pulumi.ResourceHookBinding{OnError: []*pulumi.ErrorHook{explain}}))
	if err != nil {
		return nil, err
	}
	c.Linker = linker
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"id": linker.ID()})
}
