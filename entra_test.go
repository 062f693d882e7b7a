package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"k8s.io/client-go/tools/clientcmd"

	"aks-openai-workload-identity/k8s"
	"aks-openai-workload-identity/testtools/mocks"
)

// The prod stack's cluster is Entra-only with Azure RBAC.
func TestProdClusterIsEntraOnly(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "prod")); err != nil {
		t.Fatal(err)
	}
	in := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Inputs
	if in["disableLocalAccounts"].IsNull() || !in["disableLocalAccounts"].BoolValue() {
		t.Errorf("disableLocalAccounts = %v", in["disableLocalAccounts"])
	}
	aad := in["aadProfile"]
	if !aad.IsObject() {
		t.Fatalf("no aadProfile: %v", in)
	}
	if v := aad.ObjectValue()["managed"]; !v.IsBool() || !v.BoolValue() {
		t.Errorf("aadProfile.managed = %v", v)
	}
	if v := aad.ObjectValue()["enableAzureRBAC"]; !v.IsBool() || !v.BoolValue() {
		t.Errorf("aadProfile.enableAzureRBAC = %v", v)
	}
}

// The dev stack keeps the tutorial's local accounts.
func TestDevClusterKeepsLocalAccounts(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	in := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Inputs
	if _, ok := in["aadProfile"]; ok {
		t.Errorf("aadProfile on dev: %v", in["aadProfile"])
	}
	if _, ok := in["disableLocalAccounts"]; ok {
		t.Errorf("disableLocalAccounts on dev: %v", in["disableLocalAccounts"])
	}
	kube := m.One(t.Fatalf, "pulumi:providers:kubernetes").Inputs
	if got := kube["kubeconfig"]; !got.ContainsSecrets() || unsecret(got) != mocks.Kubeconfig {
		t.Errorf("dev's Kubernetes provider kubeconfig = %v, want the user kubeconfig as a secret", got)
	}
}

// On an Entra-only cluster the Kubernetes provider reads an Entra token
// for AKS's server application, from the provider's credentials, from a
// file only its owner reads; the kubeconfig keeps the user kubeconfig's
// cluster and carries no token itself.
func TestEntraClusterProviderReadsTheTokenFromAFile(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "prod")); err != nil {
		t.Fatal(err)
	}
	kube := m.One(t.Fatalf, "pulumi:providers:kubernetes").Inputs
	if !kube["kubeconfig"].ContainsSecrets() {
		t.Error("the provider's kubeconfig is not a secret")
	}
	cfg, err := clientcmd.Load([]byte(unsecret(kube["kubeconfig"])))
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	user := cfg.AuthInfos[ctx.AuthInfo]
	// The cluster's own file, in the run's token directory (a test's
	// temporary one), never in the checkout.
	file := user.TokenFile
	want := k8s.EntraTokenFile(filepath.Dir(file), m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").ID)
	if file != want || !strings.HasPrefix(file, os.TempDir()+string(filepath.Separator)) {
		t.Errorf("tokenFile = %q, want the cluster's file %q in a temporary directory", file, filepath.Base(want))
	}
	if user.Token != "" || user.Exec != nil {
		t.Errorf("the kubeconfig carries a credential of its own: %+v", user)
	}
	if got := cfg.Clusters[ctx.Cluster].Server; got != "https://aks.invalid" {
		t.Errorf("cluster server = %q", got)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != mocks.AKSToken {
		t.Errorf("token file holds %q, want getClientToken's token for AKS's server application", data)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v", st.Mode().Perm())
	}
}

// In Service Connector mode on an Entra-only cluster, the wait for the
// connector's objects reads the cluster as the provider does, with the
// Entra token, not with the user kubeconfig's kubelogin.
func TestEntraClusterWaitUsesTheProvidersKubeconfig(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := stackConfig(t, "prod")
	cfg["connectionMode"] = "serviceConnector"
	r, err := runProgram(t, m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kube := unsecret(m.One(t.Fatalf, "pulumi:providers:kubernetes").Inputs["kubeconfig"])
	if calls := r.waitCalls(); len(calls) != 1 || calls[0].Kubeconfig != kube || kube == mocks.Kubeconfig {
		t.Errorf("the connector's wait read the cluster with %+v; the provider's kubeconfig is %q", calls, kube)
	}
}

// unsecret is a secret string input's plain value.
func unsecret(v resource.PropertyValue) string {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}
