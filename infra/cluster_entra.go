package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	aks "github.com/pulumi/pulumi-azure-native-sdk/containerservice/v2/v20240901"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// entraOnly turns a cluster's local accounts off and its managed Microsoft
// Entra integration with Azure RBAC on, as `az aks create --enable-aad
// --enable-azure-rbac --disable-local-accounts` does (Learn,
// aks/manage-local-accounts-managed-azure-ad, aks/manage-azure-rbac): every
// sign-in is then an Entra token, and what it may do in Kubernetes comes
// from Azure role assignments on the cluster, its namespaces or above.
func entraOnly(args *aks.ManagedClusterArgs) {
	args.AadProfile = &aks.ManagedClusterAADProfileArgs{
		Managed:         pulumi.Bool(true),
		EnableAzureRBAC: pulumi.Bool(true),
	}
	args.DisableLocalAccounts = pulumi.Bool(true)
}

// AKSServerAppID is the application an Entra-only cluster accepts tokens
// for (kubelogin's --server-id; Learn, aks/kubelogin-authentication).
const AKSServerAppID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// KubernetesToken is an Entra token for the cluster's API, obtained with
// the provider's own credentials (getClientToken for AKS's server
// application: `az login`, OIDC in CI or a managed identity alike), as the
// preflight gets its ARM token. It is fetched once the cluster and its
// kubeconfig are there, so its hour starts when the Kubernetes part of
// an `up` does.
func (c *Cluster) KubernetesToken(ctx *pulumi.Context) pulumi.StringOutput {
	endpoint := c.Kubeconfig.ApplyT(func(string) string { return AKSServerAppID }).(pulumi.StringOutput)
	token := authorization.GetClientTokenOutput(ctx, authorization.GetClientTokenOutputArgs{Endpoint: endpoint}, pulumi.Parent(c)).Token()
	return pulumi.ToSecret(token).(pulumi.StringOutput)
}
