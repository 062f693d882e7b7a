package infra

import (
	"encoding/base64"
	"fmt"

	// The cluster is declared in API 2024-09-01, the first GA version of
	// the SDK module with autoUpgradeProfile.nodeOSUpgradeChannel (the
	// default type, 2023-04-01, has none). Its SDK type aliases the default
	// one, so a stack deployed before keeps its cluster's URN: an update,
	// not a replacement. Its credentials are listed in the same version, so
	// the program compiles one of the module's two large packages, not both.
	aks "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240901"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ClusterArgs configures a Cluster.
type ClusterArgs struct {
	ResourceGroup     *ResourceGroup
	NodeCount         int
	NodeVMSize        string
	KubernetesVersion string
	// UpgradeChannel is how AKS upgrades the cluster by itself, and
	// NodeOSUpgradeChannel how it updates the nodes' OS image.
	UpgradeChannel       string
	NodeOSUpgradeChannel string
	// Protect refuses a delete or replacement of the cluster (a destroy, a
	// location or namePrefix change) until it is lifted on purpose.
	Protect bool
	// EntraOnly turns local accounts off and Entra with Azure RBAC on.
	EntraOnly bool
}

// Cluster is the AKS cluster: managed identity, OIDC issuer and workload
// identity on, as `az aks create --enable-oidc-issuer
// --enable-workload-identity` makes it.
type Cluster struct {
	pulumi.ResourceState

	Name pulumi.StringOutput
	ID   pulumi.IDOutput
	// OIDCIssuerURL is the issuer federated credentials must trust.
	OIDCIssuerURL pulumi.StringOutput
	// KubeletObjectID is the kubelet identity that pulls images.
	KubeletObjectID pulumi.StringOutput
	// Kubeconfig is the user kubeconfig, decoded, and always a secret.
	Kubeconfig pulumi.StringOutput
}

// NewCluster creates the AKS cluster and reads its user kubeconfig.
func NewCluster(ctx *pulumi.Context, name string, args ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	c := &Cluster{}
	if err := ctx.RegisterComponentResource(typePrefix+"Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	clusterArgs := &aks.ManagedClusterArgs{
		ResourceGroupName: rg.Name,
		Location:          pulumi.String(rg.Location),
		Tags:              rg.Tags,
		DnsPrefix:         pulumi.String(name),
		EnableRBAC:        pulumi.Bool(true),
		Identity: &aks.ManagedClusterIdentityArgs{
			Type: aks.ResourceIdentityTypeSystemAssigned,
		},
		AgentPoolProfiles: aks.ManagedClusterAgentPoolProfileArray{
			&aks.ManagedClusterAgentPoolProfileArgs{
				Name:   pulumi.String("system"),
				Mode:   pulumi.String("System"),
				OsType: pulumi.String("Linux"),
				Type:   pulumi.String("VirtualMachineScaleSets"),
				Count:  pulumi.Int(args.NodeCount),
				VmSize: pulumi.String(args.NodeVMSize),
			},
		},
		// Service Connector would switch both on; declaring them keeps the
		// next `pulumi up` from seeing drift.
		OidcIssuerProfile: &aks.ManagedClusterOIDCIssuerProfileArgs{
			Enabled: pulumi.Bool(true),
		},
		AutoUpgradeProfile: &aks.ManagedClusterAutoUpgradeProfileArgs{
			UpgradeChannel:       pulumi.String(args.UpgradeChannel),
			NodeOSUpgradeChannel: pulumi.String(args.NodeOSUpgradeChannel),
		},
		SecurityProfile: &aks.ManagedClusterSecurityProfileArgs{
			WorkloadIdentity: &aks.ManagedClusterSecurityProfileWorkloadIdentityArgs{
				Enabled: pulumi.Bool(true),
			},
		},
	}
	if args.KubernetesVersion != "" {
		clusterArgs.KubernetesVersion = pulumi.String(args.KubernetesVersion)
	}
	if args.EntraOnly {
		entraOnly(clusterArgs)
	}
	// AKS refuses a pool's new VM size in place (PropertyChangeNotAllowed
	// before API 2026-01-02-preview; the cluster is declared in 2024-09-01):
	// a new size is a new cluster, created before the old one goes.
	mc, err := aks.NewManagedCluster(ctx, name, clusterArgs, pulumi.Parent(c),
		pulumi.ReplaceOnChanges([]string{"agentPoolProfiles[*].vmSize"}), pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	c.Name = mc.Name
	c.ID = mc.ID()
	c.OIDCIssuerURL = mc.OidcIssuerProfile.IssuerURL().Elem()
	c.KubeletObjectID = mc.IdentityProfile.MapIndex(pulumi.String("kubeletidentity")).ObjectId().Elem()

	// The name as the credentials' list asks for it, once the cluster
	// exists: a preview that replaces the cluster (a new nodeVmSize)
	// already knows the new cluster's name but not its id, and the engine
	// still runs an invoke whose only dependency is being replaced, which
	// ARM answers 404 and which failed the whole preview (e2e, a year in
	// the life). An unknown argument skips the invoke instead.
	existing := pulumi.All(mc.ID(), mc.Name).ApplyT(func(v []any) string { return v[1].(string) }).(pulumi.StringOutput)
	creds := aks.ListManagedClusterUserCredentialsOutput(ctx,
		aks.ListManagedClusterUserCredentialsOutputArgs{
			ResourceGroupName: rg.Name,
			ResourceName:      existing,
		}, pulumi.Parent(c))
	c.Kubeconfig = pulumi.ToSecret(creds.Kubeconfigs().ApplyT(decodeKubeconfig)).(pulumi.StringOutput)

	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"name": c.Name, "oidcIssuerUrl": c.OIDCIssuerURL, "kubeconfig": c.Kubeconfig,
	})
}

// decodeKubeconfig takes the first kubeconfig AKS returns; its value is
// base64 on the wire.
func decodeKubeconfig(kcs []aks.CredentialResultResponse) (string, error) {
	if len(kcs) == 0 || kcs[0].Value == "" {
		return "", fmt.Errorf("AKS returned no user kubeconfig (listClusterUserCredential): check that local accounts are enabled on the cluster")
	}
	raw, err := base64.StdEncoding.DecodeString(kcs[0].Value)
	if err != nil {
		return "", fmt.Errorf("AKS returned a kubeconfig that is not base64: %w", err)
	}
	return string(raw), nil
}
