package arm

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

const sub = "/subscriptions/" + standin.SubscriptionID

func serve(t *testing.T, env map[string]string) (*httptest.Server, standin.Store) {
	t.Helper()
	store := standin.Store{Dir: t.TempDir()}
	srv := httptest.NewTLSServer(&Handler{Store: store, Getenv: func(k string) string { return env[k] }})
	t.Cleanup(srv.Close)
	return srv, store
}

func get(t *testing.T, srv *httptest.Server, path string, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

const token = standin.ARMTokenPrefix + "test"

func TestReadsServeTheCatalogInTheSpecsShapes(t *testing.T) {
	srv, _ := serve(t, nil)
	code, body := get(t, srv, sub+"/locations?api-version=2022-12-01", token)
	if code != 200 || !strings.Contains(mustJSON(body), `"name":"eastus2"`) || !strings.Contains(mustJSON(body), `"displayName":"East US 2"`) {
		t.Errorf("locations: %d %v", code, body)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/models?api-version=2024-10-01", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"name":"gpt-5.4-mini"`) || !strings.Contains(js, `"usageName":"OpenAI.GlobalStandard.gpt-5.4-mini"`) || !strings.Contains(js, `"lifecycleStatus":"Deprecated"`) {
		t.Errorf("models: %d %s", code, js)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/usages?api-version=2024-10-01", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"currentValue":0,"limit":1000`) {
		t.Errorf("usages: %d %s", code, js)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.ContainerService/locations/eastus2/kubernetesVersions?api-version=2024-09-01", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"values":[`) || !strings.Contains(js, `"version":"1.33"`) {
		t.Errorf("kubernetesVersions: %d %s", code, js)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.Compute/skus?api-version=2021-07-01&$filter=location%20eq%20'eastus2'", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"name":"Standard_D2s_v5"`) || !strings.Contains(js, `"reasonCode":"NotAvailableForSubscription"`) || strings.Contains(js, `"swedencentral"`) {
		t.Errorf("skus: %d %s", code, js)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.ServiceLinker?api-version=2021-04-01", token)
	if code != 200 || body["registrationState"] != "Registered" || body["namespace"] != "Microsoft.ServiceLinker" {
		t.Errorf("provider: %d %v", code, body)
	}
	code, body = get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/nowhere/models?api-version=2024-10-01", token)
	if code != 400 {
		t.Errorf("unknown region: %d %v", code, body)
	}
}

func TestKnobsAndARMErrors(t *testing.T) {
	srv, _ := serve(t, map[string]string{
		standin.EnvUnregisteredProviders: "Microsoft.KubernetesConfiguration",
		standin.EnvForbiddenReads:        "usages,skus",
	})
	if code, body := get(t, srv, sub+"/providers/Microsoft.KubernetesConfiguration?api-version=2021-04-01", token); code != 200 || body["registrationState"] != "NotRegistered" {
		t.Errorf("unregistered: %d %v", code, body)
	}
	code, body := get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/usages?api-version=2024-10-01", token)
	if js := mustJSON(body); code != 403 || !strings.Contains(js, `"code":"AuthorizationFailed"`) || !strings.Contains(js, "Microsoft.CognitiveServices/locations/usages/read") {
		t.Errorf("forbidden usages: %d %s", code, js)
	}
	if code, _ := get(t, srv, sub+"/providers/Microsoft.Compute/skus?api-version=2021-07-01", token); code != 403 {
		t.Errorf("forbidden skus: %d", code)
	}
	if code, _ := get(t, srv, sub+"/locations?api-version=2022-12-01", token); code != 200 {
		t.Errorf("locations are not forbidden: %d", code)
	}
	if code, body := get(t, srv, sub+"/locations?api-version=2022-12-01", ""); code != 401 || !strings.Contains(mustJSON(body), "AuthenticationFailed") {
		t.Errorf("no token: %d %v", code, body)
	}
	if code, _ := get(t, srv, sub+"/locations", token); code != 400 {
		t.Errorf("no api-version: %d", code)
	}
	if code, body := get(t, srv, "/subscriptions/other/locations?api-version=2022-12-01", token); code != 404 || !strings.Contains(mustJSON(body), "SubscriptionNotFound") {
		t.Errorf("other subscription: %d %v", code, body)
	}
}

// Usages add the state's deployments; the stack's resources are found by
// tag, and a deployment reads back from the state.
func TestReadsSeeTheState(t *testing.T) {
	srv, store := serve(t, nil)
	rg := sub + "/resourceGroups/scdemo1234"
	acct := rg + "/providers/Microsoft.CognitiveServices/accounts/scdemo-oai-1"
	dep := acct + "/deployments/gpt-5.4-mini"
	err := store.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: rg, Type: "azure-native:resources:ResourceGroup", Inputs: map[string]any{"location": "eastus2", "tags": map[string]any{"project": "p", "stack": "dev"}}})
		s.Put(&standin.Object{ID: acct, Type: "azure-native:cognitiveservices:Account", Inputs: map[string]any{"location": "eastus2", "tags": map[string]any{"project": "p", "stack": "dev"}}})
		s.Put(&standin.Object{ID: dep, Type: "azure-native:cognitiveservices:Deployment", Created: time.Now(), Inputs: map[string]any{
			"deploymentName": "gpt-5.4-mini", "sku": map[string]any{"name": "GlobalStandard", "capacity": 40.0},
			"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}},
		}, Outputs: map[string]any{"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, body := get(t, srv, sub+"/providers/Microsoft.CognitiveServices/locations/eastus2/usages?api-version=2024-10-01", token)
	if js := mustJSON(body); !strings.Contains(js, `"value":"OpenAI.GlobalStandard.gpt-5.4-mini"`) || !strings.Contains(js, `"currentValue":40,"limit":1000`) {
		t.Errorf("usages: %s", js)
	}
	_, body = get(t, srv, sub+"/resources?api-version=2021-04-01&$filter="+urlq("tagName eq 'project' and tagValue eq 'p'"), token)
	if js := mustJSON(body); !strings.Contains(js, `"type":"Microsoft.CognitiveServices/accounts"`) || strings.Contains(js, "resourceGroups/scdemo1234\"") {
		t.Errorf("resources: %s", js)
	}
	code, body := get(t, srv, dep+"?api-version=2024-10-01", token)
	if js := mustJSON(body); code != 200 || !strings.Contains(js, `"capacity":40`) || !strings.Contains(js, `"name":"gpt-5.4-mini"`) {
		t.Errorf("deployment: %d %s", code, js)
	}
	if code, _ := get(t, srv, acct+"/deployments/none?api-version=2024-10-01", token); code != 404 {
		t.Errorf("missing deployment: %d", code)
	}
}

func urlq(s string) string { return strings.NewReplacer(" ", "%20", "'", "%27").Replace(s) }

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
