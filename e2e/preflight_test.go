//go:build e2e

package e2e

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Each mistake Azure would find only after the cluster fails `preview` in
// seconds, with its message, before the stand-in sees any resource
// operation. The scenarios share one world and run one after the other.
func TestPreflightFailsPreviewInSeconds(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	key := func(k string) string { return "config " + project + ":" + k + ": " }
	// Another host, which records whatever reaches it: the ARM token must
	// never be sent there.
	var mu sync.Mutex
	var astray []string
	elsewhere := httptest.NewTLSServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		astray = append(astray, r.URL.Path+" "+r.Header.Get("Authorization"))
	}))
	defer elsewhere.Close()
	const unreached = "00000000-0000-0000-0000-00000000ffff"
	cases := []struct {
		name   string
		config map[string]string
		env    map[string]string
		wants  []string
	}{
		{name: "region that does not exist", config: map[string]string{"location": "nowhere"},
			wants: []string{key("location") + `"nowhere" is not a region of subscription ` + standin.SubscriptionID, "closest: "}},
		{name: "the tutorial's retired gpt-4 0613", config: map[string]string{"modelName": "gpt-4", "modelVersion": "0613", "deploymentSku": "Standard"},
			wants: []string{key("modelVersion") + "gpt-4 0613 is closed to new deployments in eastus2: it was retired on " + catalogDay(t, "2025-06-06"), "gpt-5.4-mini 2026-03-17 (GlobalStandard, DataZoneStandard)"}},
		{name: "capacity over the quota", config: map[string]string{"deploymentCapacity": "5000"},
			wants: []string{key("deploymentCapacity") + "5000 is more than the 1000 left of quota OpenAI.GlobalStandard.gpt-5.4-mini in eastus2"}},
		{name: "unknown Kubernetes version", config: map[string]string{"kubernetesVersion": "1.29"},
			wants: []string{key("kubernetesVersion") + `"1.29" is not a Kubernetes version AKS offers in eastus2; offered: 1.32`}},
		{name: "VM size not available to the subscription", config: map[string]string{"nodeVmSize": "Standard_NC24ads_A100_v4"},
			wants: []string{key("nodeVmSize") + `"Standard_NC24ads_A100_v4" is restricted for subscription ` + standin.SubscriptionID + " in eastus2 (NotAvailableForSubscription)"}},
		{name: "vCPU quota of a new subscription (prod's 3 x 4 vCPUs, 10 allowed)", config: map[string]string{"nodeVmSize": "Standard_D4s_v5", "nodeCount": "3"},
			env:   map[string]string{standin.EnvVCPULimit: "10"},
			wants: []string{key("nodeCount") + `3 nodes of Standard_D4s_v5 (4 vCPUs each) need 12 vCPUs of "Total Regional vCPUs" (cores) in eastus2, and 10 are left (limit 10, in use 0)`, `need 12 vCPUs of "Standard DSv5 Family vCPUs" (standardDSv5Family)`}},
		{name: "unregistered Microsoft.KubernetesConfiguration", env: map[string]string{standin.EnvUnregisteredProviders: "Microsoft.KubernetesConfiguration"},
			wants: []string{key("connectionMode") + `"serviceConnector" needs resource provider Microsoft.KubernetesConfiguration, which is NotRegistered`, "az provider register --namespace Microsoft.KubernetesConfiguration --wait"}},
		{name: "armEndpoint outside azure-native's cloud", config: map[string]string{"armEndpoint": elsewhere.URL},
			wants: []string{key("armEndpoint") + `"` + elsewhere.URL + `" is not allowed; use ` + strings.TrimSuffix(w.dp.URL, "/"), "the preflight sends the provider's ARM token only there"}},
		{name: "a subscription the sign-in does not reach", config: map[string]string{"azure-native:subscriptionId": unreached},
			wants: []string{key("armEndpoint") + "subscription " + unreached + " was not found at", "SubscriptionNotFound"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				w.env[k] = v
				defer delete(w.env, k)
			}
			st := w.stack("pf"+string(rune('a'+i)), c.config)
			r := preview(t, st)
			if r.err == nil {
				t.Fatalf("preview passed despite %s\n%s", c.name, tail(r.out, 2000))
			}
			all := r.err.Error() + "\n" + r.out
			contains(t, "preview's error", all, c.wants...)
			if log := w.azureLog(); strings.Contains(log, "method=Check ") || strings.Contains(log, "method=Create") || strings.Contains(log, "method=Update") {
				t.Errorf("the stand-in saw a resource operation:\n%s", tail(log, 2000))
			}
			if n := w.azureObjects(); len(n) != 0 {
				t.Errorf("stand-in holds %v", n)
			}
			t.Logf("PREFLIGHT %s: preview failed after %s (%s) with: %s", c.name, r.took.Round(time.Millisecond), firstLine(all, "preflight found"), firstLine(all, c.wants[0][:30]))
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if len(astray) != 0 {
		t.Errorf("%d requests reached a host outside azure-native's cloud: %q", len(astray), astray)
	}

}

// What the retired model costs without the preflight: `up` creates the
// group, the account and the cluster, and learns of the model only when
// the deployment is refused, after the cluster it waited for. Azure's
// latencies are scaled down 15 times (a cluster in 20 s for about 5 min).
func TestWithoutPreflightTheRetiredModelCostsTheCluster(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	const latency = "ManagedCluster=20s,Account=2s,Deployment=4s,Registry=1s,TaskRun=4s"
	w.env["AZURE_STANDIN_LATENCY"] = latency
	st := w.stack("dev", map[string]string{"namespace": "e2e-no-preflight", "preflight": "false", "modelName": "gpt-4", "modelVersion": "0613", "deploymentSku": "Standard"})
	t.Cleanup(func() {
		// Clean up at the stand-in's usual pace.
		st.Workspace().SetEnvVar("AZURE_STANDIN_LATENCY", "")
		if r := destroy(t, st); r.err != nil {
			t.Logf("cleanup destroy failed: %v\n%s", r.err, r.out)
		}
	})
	r := up(t, st)
	if r.err == nil {
		t.Fatal("up succeeded with a retired model")
	}
	all := r.err.Error() + "\n" + r.out
	contains(t, "up's error", all, `Code="ServiceModelDeprecating"`, "cannot be used for new deployments")
	if n := w.azureObjects(); n["ManagedCluster"] != 1 || n["Deployment"] != 0 {
		t.Errorf("stand-in holds %v, want the cluster and no deployment", n)
	}
	t.Logf("NO PREFLIGHT retired gpt-4 0613: up failed after %s (latencies %s, Azure's /15), having created %v; it said: %s",
		r.took.Round(time.Millisecond), latency, w.azureObjects(), firstLine(all, "ServiceModelDeprecating"))
}
