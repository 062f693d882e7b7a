package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	registry "github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2/v20230101preview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// RegistryArgs configures a Registry.
type RegistryArgs struct {
	ResourceGroup *ResourceGroup
	// NamePrefix starts the registry's globally unique name.
	NamePrefix string
	// AnonymousPull lets anyone pull, as the tutorial does, so the cluster
	// needs no pull credential.
	AnonymousPull bool
	// PullPrincipalID, when set, gets AcrPull on the registry: the
	// cluster's kubelet identity, as `az aks update --attach-acr` does.
	PullPrincipalID pulumi.StringInput
	// Protect refuses a delete or replacement of the registry (a destroy, a
	// location or namePrefix change) until it is lifted on purpose.
	Protect bool
}

// Registry is the container registry the demo image is built in.
type Registry struct {
	pulumi.ResourceState

	Name        pulumi.StringOutput
	ID          pulumi.IDOutput
	LoginServer pulumi.StringOutput
	// PullRole is the AcrPull assignment, if any: workloads wait on it.
	PullRole *authorization.RoleAssignment
}

// NewRegistry creates the registry: Standard, admin user off. The API
// version is 2023-01-01-preview because azure-native v2's default one has no
// anonymousPullEnabled.
func NewRegistry(ctx *pulumi.Context, name string, args RegistryArgs, opts ...pulumi.ResourceOption) (*Registry, error) {
	c := &Registry{}
	if err := ctx.RegisterComponentResource(typePrefix+"Registry", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	regName := rg.UniqueSuffix.ApplyT(func(s string) string {
		return registryName(args.NamePrefix, s)
	}).(pulumi.StringOutput)
	reg, err := registry.NewRegistry(ctx, name, &registry.RegistryArgs{
		RegistryName:         regName,
		ResourceGroupName:    rg.Name,
		Location:             pulumi.String(rg.Location),
		Sku:                  &registry.SkuArgs{Name: pulumi.String("Standard")},
		AdminUserEnabled:     pulumi.Bool(false),
		AnonymousPullEnabled: pulumi.Bool(args.AnonymousPull),
		Tags:                 rg.Tags,
	}, pulumi.Parent(c), pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	c.Name, c.ID, c.LoginServer = reg.Name, reg.ID(), reg.LoginServer
	if args.PullPrincipalID != nil {
		if c.PullRole, err = grant(ctx, name+"-acrpull", RoleAcrPull, reg.ID().ToStringOutput(), args.PullPrincipalID, c); err != nil {
			return nil, err
		}
	}
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name": c.Name, "loginServer": c.LoginServer,
	})
}

// registryName is the registry's global name: alphanumeric, 5 to 50.
func registryName(prefix, suffix string) string {
	return prefix + "acr" + suffix
}
