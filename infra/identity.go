package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// IdentityArgs configures an Identity.
type IdentityArgs struct {
	ResourceGroup *ResourceGroup
}

// Identity is the user-assigned managed identity the workload runs as.
type Identity struct {
	pulumi.ResourceState

	Name        pulumi.StringOutput
	ID          pulumi.IDOutput
	ClientID    pulumi.StringOutput
	PrincipalID pulumi.StringOutput
}

// NewIdentity creates the managed identity.
func NewIdentity(ctx *pulumi.Context, name string, args IdentityArgs, opts ...pulumi.ResourceOption) (*Identity, error) {
	c := &Identity{}
	if err := ctx.RegisterComponentResource(typePrefix+"Identity", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	id, err := managedidentity.NewUserAssignedIdentity(ctx, name, &managedidentity.UserAssignedIdentityArgs{
		ResourceGroupName: rg.Name,
		Location:          pulumi.String(rg.Location),
		Tags:              rg.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Name, c.ID = id.Name, id.ID()
	c.ClientID, c.PrincipalID = id.ClientId, id.PrincipalId
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"clientId": c.ClientID, "principalId": c.PrincipalID, "id": c.ID,
	})
}
