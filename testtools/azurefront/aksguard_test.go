package azurefront

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// review posts a TokenReview or SubjectAccessReview to the guard and
// returns its status.
func review(t *testing.T, client *http.Client, url string, spec map[string]any) map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"apiVersion": "authentication.k8s.io/v1", "spec": spec})
	resp, err := client.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Status map[string]any `json:"status"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out.Status
}

func TestGuardAuthenticatesEntraTokensAndAuthorizesDataActions(t *testing.T) {
	f, client := front(t)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Now = func() time.Time { return now }
	world(t, f, "aaaaaaaa-0000-0000-0000-000000000001", "suba")
	dir := t.TempDir()
	st := standin.Store{Dir: filepath.Join(dir, "state")}
	cluster := "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c"
	reader := []standin.DataGrant{{Role: "Azure Kubernetes Service RBAC Reader", Scope: "/subscriptions/s",
		DataActions: []string{"Microsoft.ContainerService/managedClusters/batch/jobs/read"}}}
	err := st.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: cluster, Type: "azure-native:containerservice:ManagedCluster",
			Inputs: map[string]any{"aadProfile": map[string]any{"managed": true, "enableAzureRBAC": true}}})
		s.EntraTokens["standin-aks-token.ok"] = standin.EntraToken{Principal: "p1", Grants: reader, Expires: now.Add(time.Hour)}
		s.EntraTokens["standin-aks-token.old"] = standin.EntraToken{Principal: "p1", Grants: reader, Expires: now.Add(-time.Minute)}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Its data plane is never asked: the guard reads the state only.
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	remove, err := f.Add(Backend{URL: "https://127.0.0.1:1", CAFile: ca, StateDir: st.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)

	authn := f.URL + "/aks-guard/authenticate"
	if s := review(t, client, authn, map[string]any{"token": "standin-aks-token.ok", "audiences": []string{"a"}}); s["authenticated"] != true ||
		s["user"].(map[string]any)["username"] != "p1" || s["audiences"].([]any)[0] != "a" {
		t.Errorf("a valid token: %v", s)
	}
	for _, tok := range []string{"standin-aks-token.old", "standin-aks-token.unknown", "standin-arm-token.x"} {
		if s := review(t, client, authn, map[string]any{"token": tok}); s["authenticated"] != false {
			t.Errorf("%s authenticated: %v", tok, s)
		}
	}

	authz := f.URL + "/aks-guard/authorize"
	read := map[string]any{"user": "p1", "resourceAttributes": map[string]any{"verb": "get", "group": "batch", "resource": "jobs", "namespace": "n"}}
	if s := review(t, client, authz, read); s["allowed"] != true {
		t.Errorf("RBAC Reader reading a job: %v", s)
	}
	del := map[string]any{"user": "p1", "resourceAttributes": map[string]any{"verb": "delete", "group": "batch", "resource": "jobs", "namespace": "n"}}
	s := review(t, client, authz, del)
	if s["allowed"] != false || s["denied"] != true || !strings.Contains(s["reason"].(string), "(data action Microsoft.ContainerService/managedClusters/batch/jobs/delete)") {
		t.Errorf("RBAC Reader deleting a job: %v", s)
	}
	for _, other := range []map[string]any{
		{"user": "someone", "resourceAttributes": map[string]any{"verb": "get", "resource": "pods"}},
		{"user": "p1", "nonResourceAttributes": map[string]any{"verb": "get", "path": "/api"}},
	} {
		if s := review(t, client, authz, other); s["allowed"] != false || s["denied"] == true {
			t.Errorf("%v: want no opinion, got %v", other, s)
		}
	}
	d := f.Decisions()
	if len(d) != 2 || !d[0].Allowed || d[1].Allowed || d[0].Scope != cluster+"/namespaces/n" {
		t.Errorf("decisions %+v", d)
	}
}
