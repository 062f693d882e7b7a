package infra

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/pulumi/pulumi-azure-native-sdk/resources/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ResourceGroupArgs configures a ResourceGroup.
type ResourceGroupArgs struct {
	Location string
	Tags     map[string]string
}

// ResourceGroup holds every Azure resource of one stack.
type ResourceGroup struct {
	pulumi.ResourceState

	Name     pulumi.StringOutput
	ID       pulumi.IDOutput
	Location string
	Tags     pulumi.StringMap
	// UniqueSuffix seeds the globally unique names (registry, OpenAI
	// subdomain). It hashes the group's auto-generated name, which gains a
	// new random part on every creation, so names never collide across
	// stacks, nor with an OpenAI account still soft-deleted after a destroy.
	UniqueSuffix pulumi.StringOutput
}

// NewResourceGroup creates the resource group with an auto-generated name.
func NewResourceGroup(ctx *pulumi.Context, name string, args ResourceGroupArgs, opts ...pulumi.ResourceOption) (*ResourceGroup, error) {
	c := &ResourceGroup{Location: args.Location, Tags: pulumi.ToStringMap(args.Tags)}
	if err := ctx.RegisterComponentResource(typePrefix+"ResourceGroup", name, c, opts...); err != nil {
		return nil, err
	}
	rg, err := resources.NewResourceGroup(ctx, name, &resources.ResourceGroupArgs{
		Location: pulumi.String(args.Location),
		Tags:     c.Tags,
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Name = rg.Name
	c.ID = rg.ID()
	c.UniqueSuffix = rg.Name.ApplyT(uniqueSuffix).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name": c.Name, "uniqueSuffix": c.UniqueSuffix,
	})
}

// uniqueSuffix is 8 lowercase hex characters derived from seed: short
// enough for every Azure name rule, valid in alphanumeric-only names.
func uniqueSuffix(seed string) string {
	sum := sha256.Sum256([]byte(seed))
	return hex.EncodeToString(sum[:])[:8]
}
