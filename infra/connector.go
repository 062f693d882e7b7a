package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/infra/azapi"
)

// ConnectionArgs configures a Service Connector link from a cluster to an
// Azure OpenAI account with workload identity, as
// `az aks connection create cognitiveservices --workload-identity` makes it.
type ConnectionArgs struct {
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

// Connection is the Service Connector link. Azure then, asynchronously,
// federates the identity with the cluster's issuer, grants it an OpenAI role
// on the account, and creates a service account and a secret in Namespace.
type Connection struct {
	pulumi.ResourceState

	ID pulumi.IDOutput
	// Linker is the link itself: the workload waits on it, not on this
	// component, whose DependsOn would race its children (pulumi/pulumi#7852).
	Linker *azapi.Linker
}

// NewConnection creates the link.
func NewConnection(ctx *pulumi.Context, name string, args ConnectionArgs, opts ...pulumi.ResourceOption) (*Connection, error) {
	c := &Connection{}
	if err := ctx.RegisterComponentResource(typePrefix+"Connection", name, c, opts...); err != nil {
		return nil, err
	}
	client := authorization.GetClientConfigOutput(ctx, pulumi.Parent(c))
	linker, err := azapi.NewLinker(ctx, name, azapi.LinkerArgs{
		ResourceUri: args.ClusterID,
		LinkerName:  pulumi.String(args.ConnectionName),
		TargetService: &azapi.AzureResource{
			Type: pulumi.String("AzureResource"),
			Id:   args.TargetID,
		},
		AuthInfo: &azapi.UserAssignedIdentityAuthInfo{
			AuthType:       pulumi.String("userAssignedIdentity"),
			ClientId:       args.IdentityClientID,
			SubscriptionId: client.SubscriptionId(),
		},
		ClientType: pulumi.String(args.ClientType),
		Scope:      pulumi.String(args.Namespace),
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, err
	}
	c.Linker = linker
	c.ID = linker.ID()
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"id": c.ID})
}
