package standin

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"k8s.io/client-go/tools/clientcmd"
)

const adminKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: Q0E=}
users:
- name: admin
  user: {client-certificate-data: Q0VSVA==, client-key-data: S0VZ}
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
`

// An Entra-only cluster: the user credential is kubelogin, never the
// static one; the admin credential is refused; getClientToken for AKS's
// server application is a token the state holds with the caller's data
// permissions.
func TestEntraOnlyCluster(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(h.dir, "kubeconfig")
	if err := os.WriteFile(path, []byte(adminKubeconfig), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env[EnvKubeconfig] = path
	w := h.world()
	in := clusterInputs(w.rg)
	in["aadProfile"] = map[string]any{"managed": true, "enableAzureRBAC": true}
	in["disableLocalAccounts"] = true
	id, _ := h.mustCreate(tCluster, "entra", in)
	_, name, _ := describeID(id)
	invoke := func(tok string, args map[string]any) (*pulumirpc.InvokeResponse, error) {
		return h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: tok, Args: toStruct(t, args)})
	}
	resp, err := invoke("azure-native:containerservice:listManagedClusterUserCredentials", map[string]any{"resourceGroupName": w.rg, "resourceName": name})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.StdEncoding.DecodeString(gets(fromStruct(t, resp.GetReturn())["kubeconfigs"].ArrayValue()[0].ObjectValue(), "value"))
	cfg, err := clientcmd.Load(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	user := cfg.AuthInfos[ctx.AuthInfo]
	if user.Exec == nil || user.Exec.Command != "kubelogin" || len(user.ClientCertificateData) > 0 || user.Token != "" {
		t.Errorf("user credential %+v, want kubelogin only", user)
	}
	if !strings.Contains(strings.Join(user.Exec.Args, " "), "--server-id "+AKSServerAppID) {
		t.Errorf("kubelogin args %v", user.Exec.Args)
	}
	if cfg.Clusters[ctx.Cluster].Server != "https://127.0.0.1:6443" {
		t.Errorf("cluster %+v", cfg.Clusters[ctx.Cluster])
	}
	_, err = invoke("azure-native:containerservice:listManagedClusterAdminCredentials", map[string]any{"resourceGroupName": w.rg, "resourceName": name})
	wantErr(t, err, `Status=400 Code="BadRequest"`, "disable local accounts")

	h.env[EnvCallerRoles] = "Reader@/subscriptions/" + SubscriptionID + ",Azure Kubernetes Service RBAC Reader@/subscriptions/" + SubscriptionID
	tok, err := invoke("azure-native:authorization:getClientToken", map[string]any{"endpoint": AKSServerAppID})
	if err != nil {
		t.Fatal(err)
	}
	token := gets(fromStruct(t, tok.GetReturn()), "token")
	held, ok := h.state().EntraTokens[token]
	if !ok || !strings.HasPrefix(token, AKSTokenPrefix) {
		t.Fatalf("token %q not in the state", token)
	}
	if held.Principal != CallerPrincipal(h.env[EnvCallerRoles]) || held.Principal == CallerPrincipal("") {
		t.Errorf("principal %q", held.Principal)
	}
	clusterID := "/subscriptions/" + SubscriptionID + "/resourceGroups/" + w.rg + "/providers/Microsoft.ContainerService/managedClusters/" + name
	if err := AuthorizeData(held.Grants, "Microsoft.ContainerService/managedClusters/batch/jobs/read", clusterID+"/namespaces/demo"); err != nil {
		t.Errorf("RBAC Reader reading jobs: %v", err)
	}
	for _, action := range []string{"Microsoft.ContainerService/managedClusters/secrets/read", "Microsoft.ContainerService/managedClusters/batch/jobs/delete"} {
		if AuthorizeData(held.Grants, action, clusterID) == nil {
			t.Errorf("RBAC Reader allowed %s", action)
		}
	}
	_, err = invoke("azure-native:authorization:getClientToken", map[string]any{"endpoint": "https://vault.azure.net"})
	wantErr(t, err, "issues tokens for ARM and for AKS's server application")
}

func TestDataActionAndCustomRoles(t *testing.T) {
	for req, want := range map[KubeRequest]string{
		{Verb: "create", Resource: "namespaces"}:                                "Microsoft.ContainerService/managedClusters/namespaces/write",
		{Verb: "list", Group: "batch", Resource: "jobs", Namespace: "n"}:        "Microsoft.ContainerService/managedClusters/batch/jobs/read",
		{Verb: "deletecollection", Resource: "pods", Namespace: "n"}:            "Microsoft.ContainerService/managedClusters/pods/delete",
		{Verb: "patch", Group: "apps", Resource: "deployments", Namespace: "n"}: "Microsoft.ContainerService/managedClusters/apps/deployments/write",
		{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "n"}: "Microsoft.ContainerService/managedClusters/pods/exec/write",
		{Verb: "impersonate", Resource: "serviceaccounts", Namespace: "n"}:      "Microsoft.ContainerService/managedClusters/serviceaccounts/impersonate/action",
	} {
		if got := req.DataAction(); got != want {
			t.Errorf("%+v: %s, want %s", req, got, want)
		}
	}
	if got := (KubeRequest{Namespace: "n"}).Scope("/c"); got != "/c/namespaces/n" {
		t.Errorf("scope %s", got)
	}
	// The preview identity's custom role, as the repository ships it.
	custom, err := LoadCustomRoles(filepath.Join("..", "..", "..", ".github", "roles", "aks-secrets-reader.json"))
	if err != nil || len(custom) != 1 {
		t.Fatalf("%v %v", custom, err)
	}
	grants, err := parseCallerRoles("AKS Secrets Reader - aks-openai-workload-identity@/subscriptions/s", custom...)
	if err != nil || len(grants) != 1 {
		t.Fatalf("custom role grants %+v %v", grants, err)
	}
	g := []DataGrant{{Scope: grants[0].Scope, DataActions: grants[0].Role.DataActions, NotDataActions: grants[0].Role.NotDataActions}}
	if AuthorizeData(g, "Microsoft.ContainerService/managedClusters/secrets/read", "/subscriptions/s/c") != nil ||
		AuthorizeData(g, "Microsoft.ContainerService/managedClusters/secrets/write", "/subscriptions/s/c") == nil ||
		AuthorizeData(g, "Microsoft.ContainerService/managedClusters/secrets/read", "/subscriptions/other/c") == nil {
		t.Errorf("the custom role's grant decides wrong: %+v", g)
	}
	if _, err := parseCallerRoles("AKS Secrets Reader - aks-openai-workload-identity@/subscriptions/s"); err == nil {
		t.Error("a custom role was known without its definition")
	}
}
