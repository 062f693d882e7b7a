package preflight

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/testtools/azurestandin/arm"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The fake ARM is the stand-in's read API (shapes from the REST specs'
// examples) on an httptest TLS server.
type fake struct {
	srv   *httptest.Server
	env   map[string]string
	store standin.Store
	// calls are the requests' paths.
	mu    sync.Mutex
	calls []string
}

func newFake(t *testing.T) *fake {
	t.Helper()
	f := &fake{env: map[string]string{}, store: standin.Store{Dir: t.TempDir()}}
	h := &arm.Handler{Store: f.store, Getenv: func(k string) string { return f.env[k] }, Now: func() time.Time { return now }}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, r.URL.Path)
		f.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func devConfig() *config.Config {
	return &config.Config{
		Location: "eastus2", NodeVMSize: "Standard_D2s_v5", NodeCount: 1,
		Model:          config.Model{Name: "gpt-5.4-mini", Version: "2026-03-17", Format: "OpenAI", DeploymentName: "gpt-5.4-mini", SkuName: "GlobalStandard", Capacity: 10},
		ConnectionMode: config.ModeServiceConnector,
	}
}

// now is the fake ARM's clock: the day the built-in catalog was read,
// unless TestTwoYearsAhead moves it. The runs take ARM's clock from its
// answers' Date, as the program does.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// day is a date of the built-in catalog as the fake ARM serves it now.
func day(date string) string { return standin.CatalogDate(date, now) }

func (f *fake) run(t *testing.T, cfg *config.Config) Result {
	t.Helper()
	return f.runAs(t, "dev", cfg)
}

func (f *fake) runAs(t *testing.T, stack string, cfg *config.Config) Result {
	t.Helper()
	return Run(context.Background(), Input{
		Project: "proj", Stack: stack, Config: cfg, Endpoint: f.srv.URL,
		SubscriptionID: standin.SubscriptionID, Token: standin.ARMTokenPrefix + "t",
		Client: f.srv.Client(),
	})
}

func clean(t *testing.T, r Result) {
	t.Helper()
	if len(r.Problems) > 0 || len(r.Warnings) > 0 {
		t.Fatalf("problems %q warnings %q", r.Problems, r.Warnings)
	}
}

func one(t *testing.T, list []string, wants ...string) {
	t.Helper()
	if len(list) != 1 {
		t.Fatalf("want exactly one, got %d: %q", len(list), list)
	}
	for _, w := range wants {
		if !strings.Contains(list[0], w) {
			t.Errorf("%q lacks %q", list[0], w)
		}
	}
}

func TestDefaultsPass(t *testing.T) {
	f := newFake(t)
	clean(t, f.run(t, devConfig()))
	prod := devConfig()
	prod.Location, prod.NodeVMSize, prod.Model.Capacity, prod.ConnectionMode, prod.KubernetesVersion = "swedencentral", "Standard_D4s_v5", 50, config.ModeDirect, "1.33"
	clean(t, f.run(t, prod))
	prod.KubernetesVersion = "1.33.5"
	clean(t, f.run(t, prod))
}

func TestWrongRegionSuggestsTheClosest(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.Location = "eastus3"
	r := f.run(t, cfg)
	one(t, r.Problems, `config proj:location: "eastus3" is not a region of subscription `+standin.SubscriptionID, "closest: eastus, eastus2, westus3", "az account list-locations")
	for _, c := range f.calls {
		if strings.Contains(c, "/locations/eastus3/") {
			t.Errorf("a regional read ran for a region that does not exist: %s", c)
		}
	}
}

func TestRetiredModelIsRefusedWithWhatIsOpen(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.Model.Name, cfg.Model.Version, cfg.Model.SkuName = "gpt-4", "0613", "Standard"
	r := f.run(t, cfg)
	one(t, r.Problems, `config proj:modelVersion: gpt-4 0613 is closed to new deployments in eastus2: it was retired on `+day("2025-06-06"),
		"gpt-5-mini 2025-08-07 (GlobalStandard, Standard)", "gpt-5.4-mini 2026-03-17 (GlobalStandard, DataZoneStandard)", "az cognitiveservices model list -l eastus2")
	if strings.Contains(r.Problems[0], "gpt-4.1-mini") {
		t.Errorf("a retired model is suggested: %s", r.Problems[0])
	}
}

func TestModelVersionAndSkuNotOffered(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.Model.Name = "gpt-5.4-mni"
	one(t, f.run(t, cfg).Problems, `config proj:modelName: "gpt-5.4-mni" (format OpenAI) is not offered in eastus2; closest offered: gpt-5.4-mini`)
	cfg = devConfig()
	cfg.Model.Version = "2025-01-01"
	one(t, f.run(t, cfg).Problems, `config proj:modelVersion: "2025-01-01" of gpt-5.4-mini is not offered in eastus2; offered: gpt-5.4-mini 2026-03-17 (GlobalStandard, DataZoneStandard) GenerallyAvailable`)
	cfg = devConfig()
	cfg.Model.SkuName = "Standard"
	one(t, f.run(t, cfg).Problems, `config proj:deploymentSku: "Standard" is not offered for gpt-5.4-mini 2026-03-17 in eastus2; offered SKUs: GlobalStandard, DataZoneStandard`)
	// The default model is not offered in eastus.
	cfg = devConfig()
	cfg.Location = "eastus"
	one(t, f.run(t, cfg).Problems, `config proj:modelName: "gpt-5.4-mini" (format OpenAI) is not offered in eastus`)
}

func TestRetiringSoonWarns(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.Model.Name, cfg.Model.Version = "gpt-5-mini", "2025-08-07" // retires 2027-01-15
	r := f.run(t, cfg)
	if len(r.Problems) > 0 {
		t.Fatal(r.Problems)
	}
	one(t, r.Warnings, "config proj:modelVersion: gpt-5-mini 2025-08-07 retires on "+day("2027-01-15")+" (in 45 days)")
}

func TestQuotaCountsTheStacksOwnDeployment(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.Model.Capacity = 1001
	r := f.run(t, cfg)
	one(t, r.Problems, "config proj:deploymentCapacity: 1001 is more than the 1000 left of quota OpenAI.GlobalStandard.gpt-5.4-mini in eastus2 (limit 1000, in use 0)")

	// A deployed stack uses all of a 40 quota: the same capacity passes
	// (its own 40 count as available), one more does not.
	c := standin.BuiltinCatalog()
	c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt-5.4-mini").Limit = 40
	path := filepath.Join(t.TempDir(), "catalog.json")
	data, _ := json.Marshal(c)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.env[standin.EnvCatalog] = path
	sub := "/subscriptions/" + standin.SubscriptionID
	acct := sub + "/resourceGroups/scdemo1/providers/Microsoft.CognitiveServices/accounts/scdemo-oai-1"
	tags := map[string]any{"project": "proj", "stack": "dev"}
	err := f.store.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: acct, Type: "azure-native:cognitiveservices:Account", Inputs: map[string]any{"location": "eastus2", "tags": tags}})
		s.Put(&standin.Object{ID: acct + "/deployments/gpt-5.4-mini", Type: "azure-native:cognitiveservices:Deployment", Inputs: map[string]any{
			"deploymentName": "gpt-5.4-mini", "sku": map[string]any{"name": "GlobalStandard", "capacity": 40.0},
			"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}},
		}, Outputs: map[string]any{"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Model.Capacity = 40
	clean(t, f.run(t, cfg))
	cfg.Model.Capacity = 41
	one(t, f.run(t, cfg).Problems, "41 is more than the 40 left", "(limit 40, in use 40, of which this stack's deployment holds 40)")
	// Another stack's deployment is not this one's.
	one(t, f.runAs(t, "prod", cfg).Problems, "41 is more than the 0 left")
}

func TestKubernetesVersionAndVMSize(t *testing.T) {
	f := newFake(t)
	cfg := devConfig()
	cfg.KubernetesVersion = "1.29"
	one(t, f.run(t, cfg).Problems, `config proj:kubernetesVersion: "1.29" is not a Kubernetes version AKS offers in eastus2; offered: 1.32 (1.32.7, 1.32.9); 1.33 (1.33.5); 1.34 (1.34.1); 1.35 (1.35.0) [preview]`, "az aks get-versions -l eastus2")
	cfg = devConfig()
	cfg.NodeVMSize = "Standard_D2s_v9"
	one(t, f.run(t, cfg).Problems, `config proj:nodeVmSize: "Standard_D2s_v9" is not a VM size offered in eastus2; closest available: Standard_D2s_v5`)
	cfg.NodeVMSize = "Standard_NC24ads_A100_v4"
	one(t, f.run(t, cfg).Problems, `config proj:nodeVmSize: "Standard_NC24ads_A100_v4" is restricted for subscription `+standin.SubscriptionID+` in eastus2 (NotAvailableForSubscription)`)
}

func TestUnregisteredProviders(t *testing.T) {
	f := newFake(t)
	f.env[standin.EnvUnregisteredProviders] = "Microsoft.KubernetesConfiguration,Microsoft.ContainerRegistry"
	r := f.run(t, devConfig())
	if len(r.Problems) != 2 {
		t.Fatalf("problems %q", r.Problems)
	}
	if !strings.Contains(r.Problems[1], "the stack needs resource provider Microsoft.ContainerRegistry, which is NotRegistered") ||
		!strings.Contains(r.Problems[1], "az provider register --namespace Microsoft.ContainerRegistry --wait") {
		t.Errorf("registry: %q", r.Problems[1])
	}
	if want := `config proj:connectionMode: "serviceConnector" needs resource provider Microsoft.KubernetesConfiguration, which is NotRegistered`; !strings.Contains(r.Problems[0], want) || !strings.Contains(r.Problems[0], "or use proj:connectionMode direct") {
		t.Errorf("extension: %q", r.Problems[0])
	}
	// Direct mode does not need Service Connector's providers.
	f.env[standin.EnvUnregisteredProviders] = "Microsoft.KubernetesConfiguration,Microsoft.ServiceLinker"
	cfg := devConfig()
	cfg.ConnectionMode = config.ModeDirect
	clean(t, f.run(t, cfg))
}

// A forbidden or unreachable read skips its check, says so, and blocks
// nothing; every problem is reported together.
func TestForbiddenAndUnreachableReadsWarnAndGoOn(t *testing.T) {
	f := newFake(t)
	f.env[standin.EnvForbiddenReads] = "usages,skus"
	r := f.run(t, devConfig())
	if len(r.Problems) > 0 || len(r.Warnings) != 2 {
		t.Fatalf("problems %q warnings %q", r.Problems, r.Warnings)
	}
	joined := strings.Join(r.Warnings, "\n")
	for _, want := range []string{"skipped the quota check: the deploying identity may not read the region's Cognitive Services usages (403 AuthorizationFailed",
		"skipped the VM size check: the deploying identity may not list the region's compute SKUs (403 AuthorizationFailed"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	// Problems still found by the other checks, all at once.
	cfg := devConfig()
	cfg.KubernetesVersion, cfg.Model.Name, cfg.Model.Version = "1.29", "gpt-4", "0613"
	if r := f.run(t, cfg); len(r.Problems) != 2 || r.Err() == nil || !strings.Contains(r.Err().Error(), "preflight found 2 problem(s)") {
		t.Errorf("problems %q err %v", r.Problems, r.Err())
	}

	gone := httptest.NewTLSServer(http.NotFoundHandler())
	url := gone.URL
	gone.Close()
	r = Run(context.Background(), Input{Project: "proj", Stack: "dev", Config: devConfig(), Endpoint: url, SubscriptionID: standin.SubscriptionID, Token: "t"})
	if len(r.Problems) > 0 || len(r.Warnings) < 5 || !strings.Contains(r.Warnings[0], "unreachable") {
		t.Errorf("unreachable ARM: problems %q warnings %q", r.Problems, r.Warnings)
	}
}

// The suggestions for a misspelt name: nearest first (edit distance, case
// ignored), ties by name, at most n.
func TestClosest(t *testing.T) {
	cases := []struct {
		s     string
		names []string
		n     int
		want  string
	}{
		// Distances 7, 5, 7, 6.
		{"nowhere", []string{"eastus", "northeurope", "westus", "norwayeast"}, 2, "northeurope,norwayeast"},
		{"SwedenCentrl", []string{"eastus", "swedencentral", "swedensouth"}, 1, "swedencentral"},
		// eastus2 and eastus3 both at 1: by name.
		{"eastus", []string{"eastus3", "westus", "eastus2"}, 2, "eastus2,eastus3"},
		{"x", []string{"a"}, 3, "a"},
	}
	for _, c := range cases {
		if got := strings.Join(closest(c.s, c.names, c.n), ","); got != c.want {
			t.Errorf("closest(%q, %v, %d) = %s, want %s", c.s, c.names, c.n, got, c.want)
		}
	}
}

// A GA model whose retirement date has passed is closed, whatever its
// lifecycle status says; an injected clock wins over ARM's.
func TestPastRetirementDateCloses(t *testing.T) {
	f := newFake(t)
	retired, _ := time.Parse("2006-01-02", day("2027-03-17"))
	r := Run(context.Background(), Input{Project: "proj", Stack: "dev", Config: devConfig(), Endpoint: f.srv.URL, SubscriptionID: standin.SubscriptionID,
		Token: standin.ARMTokenPrefix + "t", Client: f.srv.Client(), Now: func() time.Time { return retired.Add(time.Hour) }})
	one(t, r.Problems, "config proj:modelVersion: gpt-5.4-mini 2026-03-17 is closed to new deployments in eastus2: it was retired on "+day("2027-03-17"))
}
