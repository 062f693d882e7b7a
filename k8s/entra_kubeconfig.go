package k8s

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// TokenDir is where the program keeps the Kubernetes providers' Entra
// tokens: the Pulumi home ($PULUMI_HOME, else ~/.pulumi, as the CLI reads
// it), which is the user's own and outside every checkout, so no token is
// ever written into the repository.
func TokenDir() string {
	home, err := workspace.GetPulumiHomeDir()
	if err != nil {
		home = filepath.Join(os.TempDir(), ".pulumi")
	}
	if abs, err := filepath.Abs(home); err == nil {
		home = abs
	}
	return filepath.Join(home, "aks-kube-tokens")
}

// EntraTokenFile is the token file of one cluster, named after its ARM id
// (hashed: an id has slashes): two stacks of the same name in two
// backends, or two checkouts, never share a file, while one cluster's
// file keeps its path from run to run.
func EntraTokenFile(dir, clusterID string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(clusterID)))
	return filepath.Join(dir, "kube-token-"+hex.EncodeToString(sum[:8]))
}

// EntraKubeconfig is the kubeconfig the Kubernetes provider and the
// program's own reads use on an Entra-only cluster. The user kubeconfig of
// such a cluster has no credential but runs kubelogin, which neither CI
// nor a laptop may have; this one keeps its cluster and reads a token
// from the cluster's file in dir (EntraTokenFile), where each run of the
// program writes a fresh one (mode 0600, the directory 0700).
//
// Why a file and not the token itself: the kubeconfig is the provider's
// input, kept in the state. A token in it would change on every run, so
// every preview would show the provider updating (pulumi-kubernetes
// v4.32.0 DiffConfig reports any kubeconfig change), and a refresh or
// destroy, which do not run the program, would use the last `up`'s token,
// an hour later expired, and another identity's. The file's path never
// changes on one machine; client-go rereads it (tokenFile, at most a
// minute old).
func EntraKubeconfig(userKubeconfig, token, clusterID pulumi.StringOutput, dir string) pulumi.StringOutput {
	return pulumi.All(userKubeconfig, token, clusterID).ApplyT(func(v []any) (string, error) {
		tokenFile, err := keepToken(dir, v[2].(string), v[1].(string))
		if err != nil {
			return "", fmt.Errorf("keeping the cluster's Entra token: %w", err)
		}
		return withTokenFile(v[0].(string), tokenFile)
	}).(pulumi.StringOutput)
}

// keepToken writes the cluster's token to its file in dir, which only the
// user may read, and says where.
func keepToken(dir, clusterID, token string) (string, error) {
	// A relative directory would put the token in whatever folder the
	// program runs in: the checkout.
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("%q is not an absolute directory", dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tokenFile := EntraTokenFile(dir, clusterID)
	return tokenFile, os.WriteFile(tokenFile, []byte(token), 0o600)
}

// withTokenFile replaces the current context's credential with tokenFile.
func withTokenFile(kubeconfig, tokenFile string) (string, error) {
	cfg, err := clientcmd.Load([]byte(kubeconfig))
	if err != nil {
		return "", fmt.Errorf("reading the cluster's user kubeconfig: %w", err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if ctx == nil {
		return "", fmt.Errorf("the cluster's user kubeconfig has no current context %q", cfg.CurrentContext)
	}
	cfg.AuthInfos[ctx.AuthInfo] = &clientcmdapi.AuthInfo{TokenFile: tokenFile}
	out, err := clientcmd.Write(*cfg)
	return string(out), err
}
