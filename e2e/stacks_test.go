//go:build e2e

package e2e

import (
	"context"
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// prodSubscription is the second subscription, prod's.
const prodSubscription = "00000000-0000-0000-0000-00000000eeee"

// Two stacks of the program side by side in one backend, dev (Service
// Connector) and prod (Pulumi.prod.yaml: direct mode, AcrPull), each in
// its own subscription as docs/configuration.md advises: prod pins its own with
// azure-native:subscriptionId, which the program forwards to its explicit
// provider. Their own resource groups, names and workloads; destroying one
// leaves the other whole.
func TestTwoStacksAreIndependent(t *testing.T) {
	// Every test has its own world and namespaces: they run side by side.
	t.Parallel()
	w := newWorld(t, "")
	// The sign-in reaches both subscriptions, its default first, and owns
	// both; on prod's Entra-only cluster it holds the Kubernetes role a
	// deploy identity needs (Owner has no data actions).
	w.env[standin.EnvSubscriptions] = standin.SubscriptionID + "," + prodSubscription
	w.env[standin.EnvCallerRoles] = "Owner@/subscriptions/" + standin.SubscriptionID + ",Owner@/subscriptions/" + prodSubscription +
		",Azure Kubernetes Service RBAC Cluster Admin@/subscriptions/" + prodSubscription
	dev := w.stack("dev", map[string]string{"namespace": "e2e-dev"})
	prod := w.stack("prod", map[string]string{
		"namespace": "e2e-prod", "location": "swedencentral", "nodeCount": "3", "deploymentCapacity": "50",
		"azure-native:subscriptionId": prodSubscription,
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
	// Each stack's resources are in its subscription, and prod's
	// preflight read prod's.
	for sub, rg := range map[string]any{standin.SubscriptionID: d.outputs["resourceGroupName"].Value, prodSubscription: p.outputs["resourceGroupName"].Value} {
		if n := w.inSubscription(sub, rg.(string)); n < 8 {
			t.Errorf("%d resources of group %s in subscription %s", n, rg, sub)
		}
	}
	log, _ := os.ReadFile(w.log)
	contains(t, "the data plane's log", string(log), "path=/subscriptions/"+prodSubscription+"/locations status=200")

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
