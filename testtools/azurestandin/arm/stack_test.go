package arm

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The answers carry the stand-in's calendar as their Date, and the
// catalog's dates follow it.
func TestAnswersCarryTheCalendar(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	env := map[string]string{standin.EnvClockOffset: "17544h"}
	srv := httptest.NewTLSServer(&Handler{Store: standin.Store{Dir: t.TempDir()}, Getenv: func(k string) string { return env[k] }, Now: func() time.Time { return at }})
	t.Cleanup(srv.Close)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/models?api-version=2024-10-01", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Date"); got != "Thu, 30 Nov 2028 12:00:00 GMT" {
		t.Errorf("Date %q", got)
	}
	_, body := get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/models?api-version=2024-10-01", token)
	if js := mustJSON(body); !strings.Contains(js, `"inference":"2029-03-17T00:00:00Z"`) {
		t.Errorf("gpt-5.4-mini's retirement did not move two years: %s", js)
	}
}

// The stack's cluster in ARM's shape, and the region's vCPU usages with
// what the state's clusters use.
func TestClusterAndComputeUsages(t *testing.T) {
	srv, store := serve(t, map[string]string{standin.EnvVCPULimit: "10"})
	id := sub + "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/aks1"
	pool := map[string]any{"name": "system", "count": 2.0, "vmSize": "Standard_D4s_v5"}
	err := store.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: id, Type: "azure-native:containerservice:ManagedCluster",
			Inputs:  map[string]any{"resourceName": "aks1", "location": "eastus2", "tags": map[string]any{"stack": "dev"}, "agentPoolProfiles": []any{pool}},
			Outputs: map[string]any{"resourceName": "aks1", "location": "eastus2", "kubernetesVersion": "1.33", "currentKubernetesVersion": "1.33.2", "agentPoolProfiles": []any{pool}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	code, body := get(t, srv, id+"?api-version=2024-09-01", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"properties":{"agentPoolProfiles":[{"count":2,"name":"system","vmSize":"Standard_D4s_v5"}],"currentKubernetesVersion":"1.33.2","kubernetesVersion":"1.33"}`) ||
		!strings.Contains(js, `"name":"aks1"`) || !strings.Contains(js, `"tags":{"stack":"dev"}`) || strings.Contains(js, "resourceName") {
		t.Errorf("cluster: %d %s", code, js)
	}
	if code, _ := get(t, srv, sub+"/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/none?api-version=2024-09-01", token); code != 404 {
		t.Errorf("a missing cluster: %d", code)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.Compute/locations/eastus2/usages?api-version=2024-07-01", token)
	js := mustJSON(body)
	for _, want := range []string{`{"currentValue":8,"limit":10,"name":{"localizedValue":"Total Regional vCPUs","value":"cores"},"unit":"Count"}`,
		`{"currentValue":8,"limit":10,"name":{"localizedValue":"Standard DSv5 Family vCPUs","value":"standardDSv5Family"},"unit":"Count"}`,
		`{"currentValue":0,"limit":10,"name":{"localizedValue":"Standard BS Family vCPUs","value":"standardBSFamily"},"unit":"Count"}`} {
		if code != 200 || !strings.Contains(js, want) {
			t.Errorf("compute usages lack %s: %d %s", want, code, js)
		}
	}
	srv, _ = serve(t, map[string]string{standin.EnvForbiddenReads: "computeUsages,managedClusters"})
	for _, p := range []string{sub + "/providers/Microsoft.Compute/locations/eastus2/usages?api-version=2024-07-01", id + "?api-version=2024-09-01"} {
		if code, body := get(t, srv, p, token); code != 403 || !strings.Contains(mustJSON(body), "/read") {
			t.Errorf("forbidden %s: %d %v", p, code, body)
		}
	}
}
