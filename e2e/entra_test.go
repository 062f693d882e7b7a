//go:build e2e

package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"aks-openai-workload-identity/k8s"
	"aks-openai-workload-identity/testtools/azurefront"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The prod stack on an Entra-only cluster, reached as AKS is: the API
// server checks each Entra token and each request's data action through
// the local Azure's webhooks (testtools/azurefront/aksguard.go), from the
// identities' role assignments. The prod deploy identity deploys, looks
// again and destroys; the preview identity previews and checks drift from
// a checkout with no token of its own yet, and its `up` of a change in the
// cluster is refused by the cluster with Kubernetes' 403 naming the data
// action.
func TestEntraOnlyProdCluster(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	w.env[standin.EnvCallerRoles] = prodDeployRoles
	// Its own namespace: the local API server is every world's cluster.
	st := w.stack("prod", map[string]string{"namespace": "e2e-entra"})
	cleanupStack(t, st)
	deployer, previewer := standin.CallerPrincipal(prodDeployRoles), standin.CallerPrincipal(previewRoles)

	first := mustUp(t, st)
	var clusterID string
	err := w.azure.View(func(s *standin.State) error {
		c := s.Find("ManagedCluster", nil)[0]
		clusterID = c.ID
		aad, _ := c.Inputs["aadProfile"].(map[string]any)
		if c.Inputs["disableLocalAccounts"] != true || aad["managed"] != true || aad["enableAzureRBAC"] != true {
			t.Errorf("the cluster is not Entra-only: %v", c.Inputs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The user kubeconfig (the stack output) has no local account: its
	// credential is kubelogin.
	user, err := clientcmd.Load([]byte(first.outputs["kubeconfig"].Value.(string)))
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range user.AuthInfos {
		if a.Exec == nil || a.Exec.Command != "kubelogin" || a.Token != "" || len(a.ClientCertificateData) > 0 {
			t.Errorf("user %s of the user kubeconfig: %+v, want only kubelogin", name, a)
		}
	}
	// The namespace and the objects were created with the deploy
	// identity's token, allowed by its cluster admin data role.
	allowed(t, deployer, "Microsoft.ContainerService/managedClusters/namespaces/write", "")
	allowed(t, deployer, "Microsoft.ContainerService/managedClusters/batch/jobs/write", "/namespaces/e2e-entra")

	// The preview identity, in a checkout where no token was kept yet
	// (CI's): preview, then drift.yml's refresh, which runs the program.
	// The token is kept in the Pulumi home, never in the checkout.
	tokenFile := k8s.EntraTokenFile(filepath.Join(shared.pulumiHome, "aks-kube-tokens"), clusterID)
	if err := os.Remove(tokenFile); err != nil {
		t.Fatalf("the deploy's token file: %v", err)
	}
	if kept, _ := filepath.Glob(filepath.Join(w.dir, "*", "kube-token*")); len(kept) > 0 {
		t.Errorf("token files in the checkout: %v", kept)
	}
	if kept, _ := filepath.Glob(filepath.Join(w.dir, "kube-token*")); len(kept) > 0 {
		t.Errorf("token files in the checkout: %v", kept)
	}
	pv := w.stackAs("prod", previewRoles)
	if p := preview(t, pv); p.err != nil || !onlySame(p.changes) {
		t.Errorf("the preview identity's preview: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	start := time.Now()
	var drift bytes.Buffer
	if _, err := pv.PreviewRefresh(ctxFor(t, 5*time.Minute), optrefresh.ExpectNoChanges(), optrefresh.RunProgram(true), optrefresh.ProgressStreams(&drift)); err != nil {
		t.Errorf("the preview identity's drift check: %v\n%s", err, tail(drift.String(), 3000))
	}
	t.Logf("refresh --preview-only --run-program prod: %s", time.Since(start).Round(time.Millisecond))
	allowed(t, previewer, "Microsoft.ContainerService/managedClusters/secrets/read", "/namespaces/e2e-entra")
	allowed(t, previewer, "Microsoft.ContainerService/managedClusters/batch/jobs/read", "/namespaces/e2e-entra")

	// A change only in the cluster (the Job's deadline replaces the Job):
	// Azure is not asked, the cluster refuses.
	ctx := ctxFor(t, configTimeout)
	if err := pv.SetConfig(ctx, project+":demoDeadlineSeconds", configValue("600")); err != nil {
		t.Fatal(err)
	}
	r := up(t, pv)
	if r.err == nil {
		t.Fatalf("the preview identity's up of a cluster change succeeded\n%s", tail(r.out, 3000))
	}
	// Replacing the Job deletes it first (it keeps its name).
	contains(t, "the refused up", r.err.Error()+r.out, `User "`+previewer+`" cannot delete resource "jobs" in API group "batch" in the namespace "e2e-entra"`,
		"User does not have access to the resource in Azure. Update role assignment to allow access. (data action Microsoft.ContainerService/managedClusters/batch/jobs/delete)")
	if _, err := shared.kube.BatchV1().Jobs("e2e-entra").Get(ctx, "sc-demo-openai-identity", metav1.GetOptions{}); err != nil {
		t.Errorf("the demo Job after the refused up: %v", err)
	}
	if err := st.RemoveConfig(ctx, project+":demoDeadlineSeconds"); err != nil {
		t.Fatal(err)
	}

	if again := mustUp(t, st); !onlySame(again.changes) {
		t.Errorf("second up changed %v\n%s", again.changes, tail(again.out, 3000))
	}
	// Prod's protected resources, lifted deliberately (docs/long-lived-stacks.md).
	destroyProtected(t, w, st)
}

// allowed checks that the cluster's authorization webhook allowed user the
// data action in scope (below a cluster id, "" for the cluster itself).
func allowed(t *testing.T, user, action, scope string) {
	t.Helper()
	var seen []azurefront.Decision
	for _, d := range shared.front.Decisions() {
		if d.User != user {
			continue
		}
		seen = append(seen, d)
		if d.Action == action && d.Allowed && strings.HasSuffix(d.Scope, scope) && strings.Contains(d.Scope, "/managedClusters/") {
			return
		}
	}
	t.Errorf("no allowed %s%s for %s; its decisions: %+v", action, scope, user, seen)
}
