//go:build e2e

package e2e

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Two stacks of the program side by side in one backend and subscription,
// dev (Service Connector) and prod (Pulumi.prod.yaml: direct mode,
// AcrPull): their own resource groups, names and workloads; destroying one
// leaves the other whole.
func TestTwoStacksAreIndependent(t *testing.T) {
	// Every test has its own world and namespaces: they run side by side.
	t.Parallel()
	w := newWorld(t, "")
	dev := w.stack("dev", map[string]string{"namespace": "e2e-dev"})
	prod := w.stack("prod", map[string]string{
		"namespace": "e2e-prod", "location": "swedencentral", "nodeCount": "3", "deploymentCapacity": "50",
	})
	cleanupStack(t, dev)
	cleanupStack(t, prod)

	d := mustUp(t, dev)
	p := mustUp(t, prod)
	for _, name := range []string{"resourceGroupName", "registryLoginServer", "openaiEndpoint", "clusterName", "identityClientId"} {
		if d.outputs[name].Value == p.outputs[name].Value {
			t.Errorf("dev and prod share %s = %v", name, d.outputs[name].Value)
		}
	}
	checkDemoRan(t, w, "e2e-dev", d.outputs["identityClientId"].Value.(string))
	checkDemoRan(t, w, "e2e-prod", p.outputs["identityClientId"].Value.(string))
	if n := w.azureObjects()["ResourceGroup"]; n != 2 {
		t.Errorf("%d resource groups", n)
	}

	if r := destroy(t, dev); r.err != nil {
		t.Fatalf("destroy dev: %v\n%s", r.err, r.out)
	}
	left := w.azureObjects()
	if left["ResourceGroup"] != 1 || left["ManagedCluster"] != 1 || left["Linker"] != 0 || left["FederatedIdentityCredential"] != 1 {
		t.Errorf("after destroying dev the stand-in holds %v", left)
	}
	if _, err := shared.kube.BatchV1().Jobs("e2e-prod").Get(context.Background(), "sc-demo-openai-identity", metav1.GetOptions{}); err != nil {
		t.Errorf("prod's demo Job is gone: %v", err)
	}
	if r := preview(t, prod); r.err != nil || !onlySame(r.changes) {
		t.Errorf("prod after dev's destroy: %v %v", r.changes, r.err)
	}
}
