package standin

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// AKSServerAppID is the application every AKS cluster with managed
// Microsoft Entra integration accepts tokens for, the --server-id of
// kubelogin (Learn, "Use kubelogin to authenticate in AKS",
// aks/kubelogin-authentication).
const AKSServerAppID = "6dae42f8-4368-4678-94ff-3960e28e3630"

// AKSTokenPrefix starts the Entra tokens for AKS that getClientToken
// issues; the cluster's token webhook (testtools/azurefront, aksguard.go)
// accepts only those the world's state holds, unexpired.
const AKSTokenPrefix = "standin-aks-token."

// EntraTokenLifetime is how long an access token is valid. Entra gives a
// token a random lifetime of 60 to 90 minutes (Learn, "Configurable token
// lifetimes in the Microsoft identity platform", access tokens); the
// stand-in takes the shortest.
const EntraTokenLifetime = time.Hour

// EntraToken is an access token getClientToken issued for AKS.
type EntraToken struct {
	// Principal is the caller's object id (CallerPrincipal).
	Principal string `json:"principal"`
	// Grants are the caller's role assignments' data permissions
	// (EnvCallerRoles) when the token was issued: what Azure RBAC decides
	// the token's Kubernetes requests by.
	Grants  []DataGrant `json:"grants"`
	Expires time.Time   `json:"expires"`
}

// DataGrant is one role assignment's data permissions at its scope.
type DataGrant struct {
	Role           string   `json:"role"`
	Scope          string   `json:"scope"`
	DataActions    []string `json:"dataActions"`
	NotDataActions []string `json:"notDataActions"`
}

// CallerPrincipal is the object id of the caller with these role
// assignments. The stand-in's callers are told apart by their roles only
// (every plugin process is one workflow identity, EnvCallerRoles), so the
// id is derived from them: two identities with the same roles are one
// principal to the cluster too. An assumption of the stand-in, not Azure's
// behaviour.
func CallerPrincipal(roles string) string {
	if strings.TrimSpace(roles) == "" {
		roles = DefaultCallerRoles
	}
	h := sha256.Sum256([]byte(roles))
	x := hex.EncodeToString(h[:16])
	return fmt.Sprintf("%s-%s-%s-%s-%s", x[0:8], x[8:12], x[12:16], x[16:20], x[20:32])
}

// clientToken is getClientToken, as the provider's credential would get
// it: a token for ARM (no endpoint, the provider's default), or for AKS's
// server application, recorded in the state, where the cluster's webhooks
// find it.
func (p *Provider) clientToken(args resource.PropertyMap) (resource.PropertyMap, error) {
	tok, err := p.newClientToken(args)
	return resource.PropertyMap{"token": str(tok)}, err
}

func (p *Provider) newClientToken(args resource.PropertyMap) (string, error) {
	endpoint := strings.TrimSuffix(strings.TrimSuffix(gets(args, "endpoint"), "/.default"), "/")
	switch endpoint {
	case "", "https://management.azure.com", "https://management.core.windows.net":
		return ARMTokenPrefix + Subscription() + "." + newGUID(), nil
	case AKSServerAppID:
	default:
		return "", fmt.Errorf("the Azure stand-in issues tokens for ARM and for AKS's server application (%s), not for %q", AKSServerAppID, endpoint)
	}
	grants, err := p.callerGrants()
	if err != nil {
		return "", err
	}
	t := EntraToken{Principal: CallerPrincipal(p.env(EnvCallerRoles)), Expires: p.now().Add(EntraTokenLifetime)}
	for _, g := range grants {
		t.Grants = append(t.Grants, DataGrant{Role: g.Role.Name, Scope: g.Scope, DataActions: g.Role.DataActions, NotDataActions: g.Role.NotDataActions})
	}
	tok := AKSTokenPrefix + newGUID()
	err = p.Store.Update(func(s *State) error {
		s.EntraTokens[tok] = t
		return nil
	})
	return tok, err
}

// userKubeconfig is the cluster's user kubeconfig: the stand-in's own
// (path), or on an Entra-only cluster one that runs kubelogin.
func userKubeconfig(path string, cluster *Object, name string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil && entraOnly(cluster) {
		data, err = entraKubeconfig(data, name)
	}
	return data, err
}

// entraOnly says whether a cluster has managed Entra integration: its
// user kubeconfig then carries no credential of its own.
func entraOnly(cluster *Object) bool {
	managed, _ := getb(fromState(cluster.Inputs), "aadProfile.managed")
	return managed
}

// entraKubeconfig is the user kubeconfig of a cluster with managed Entra
// integration: the cluster's address and CA, and as credential the
// kubelogin exec plugin AKS returns (Learn, aks/kubelogin-authentication:
// "the kubeconfig ... uses kubelogin"; the devicecode login is
// listClusterUserCredential's default format, exec).
func entraKubeconfig(adminKubeconfig []byte, clusterName string) ([]byte, error) {
	cfg, err := clientcmd.Load(adminKubeconfig)
	if err != nil {
		return nil, fmt.Errorf("the stand-in's kubeconfig: %w", err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil || cfg.Clusters[ctx.Cluster] == nil {
		return nil, fmt.Errorf("the stand-in's kubeconfig has no current context with a cluster")
	}
	user := "clusterUser_" + clusterName
	out := clientcmdapi.NewConfig()
	out.Clusters[clusterName] = cfg.Clusters[ctx.Cluster]
	out.AuthInfos[user] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		APIVersion: "client.authentication.k8s.io/v1beta1",
		Command:    "kubelogin",
		Args: []string{"get-token", "--environment", "AzurePublicCloud", "--server-id", AKSServerAppID,
			"--client-id", "80faf920-1908-4b52-b5ef-a8e7bedfc67a", "--tenant-id", TenantID, "--login", "devicecode"},
		InstallHint:     "kubelogin is not installed which is required to connect to AAD enabled cluster.",
		InteractiveMode: clientcmdapi.IfAvailableExecInteractiveMode,
	}}
	out.Contexts[clusterName] = &clientcmdapi.Context{Cluster: clusterName, AuthInfo: user}
	out.CurrentContext = clusterName
	return clientcmd.Write(*out)
}
