package preflight

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// What the stack already runs: a warning with the date and the migration
// step; only a change to a closed value is refused.

const rgID = "/subscriptions/" + standin.SubscriptionID + "/resourceGroups/scdemo1"

// catalog makes the fake serve the built-in catalog as edit changes it.
func (f *fake) catalog(t *testing.T, edit func(*standin.Catalog)) {
	t.Helper()
	c := standin.BuiltinCatalog()
	edit(c)
	data, _ := json.Marshal(c)
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f.env[standin.EnvCatalog] = path
}

// deployed puts the dev stack's account (tagged) and its deployment of a
// model in the stand-in's state.
func (f *fake) deployed(t *testing.T, name, version, sku string, capacity float64) {
	t.Helper()
	acct := rgID + "/providers/Microsoft.CognitiveServices/accounts/scdemo-oai-1"
	model := map[string]any{"format": "OpenAI", "name": name, "version": version}
	err := f.store.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: acct, Type: "azure-native:cognitiveservices:Account", Inputs: map[string]any{"location": "eastus2", "tags": map[string]any{"project": "proj", "stack": "dev"}}})
		s.Put(&standin.Object{ID: acct + "/deployments/gpt-5.4-mini", Type: "azure-native:cognitiveservices:Deployment",
			Inputs:  map[string]any{"deploymentName": "gpt-5.4-mini", "sku": map[string]any{"name": sku, "capacity": capacity}, "properties": map[string]any{"model": model}},
			Outputs: map[string]any{"properties": map[string]any{"model": model}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cluster puts the dev stack's cluster (tagged) in the stand-in's state:
// its version and one pool of count nodes of size.
func (f *fake) cluster(t *testing.T, version, current, size string, count float64) {
	t.Helper()
	pool := map[string]any{"name": "system", "mode": "System", "count": count, "vmSize": size}
	err := f.store.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: rgID + "/providers/Microsoft.ContainerService/managedClusters/scdemo-aks", Type: "azure-native:containerservice:ManagedCluster",
			Inputs: map[string]any{"resourceName": "scdemo-aks", "location": "eastus2", "tags": map[string]any{"project": "proj", "stack": "dev"}, "agentPoolProfiles": []any{pool}},
			Outputs: map[string]any{"resourceName": "scdemo-aks", "location": "eastus2", "kubernetesVersion": version, "currentKubernetesVersion": current,
				"agentPoolProfiles": []any{pool}, "provisioningState": "Succeeded"}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func deprecate(name string) func(*standin.Catalog) {
	return func(c *standin.Catalog) {
		for _, r := range c.Regions {
			for i := range r.Models {
				if r.Models[i].Model.Name == name {
					r.Models[i].Model.LifecycleStatus = "Deprecated"
				}
			}
		}
	}
}

func TestClosedModelTheStackRunsWarns(t *testing.T) {
	f := newFake(t)
	f.catalog(t, deprecate("gpt-5.4-mini"))
	f.deployed(t, "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 10)
	r := f.run(t, devConfig())
	if len(r.Problems) > 0 {
		t.Fatalf("a deployed stack is refused: %q", r.Problems)
	}
	one(t, r.Warnings, "config proj:modelVersion: gpt-5.4-mini 2026-03-17 is closed to new deployments in eastus2 (its lifecycle status is Deprecated); this stack's deployment gpt-5.4-mini runs it",
		"keeps serving it until its retirement on "+day("2027-03-17")+". Migrate before then: set proj:modelVersion", "gpt-5-mini 2025-08-07 (GlobalStandard, Standard)", "`pulumi up` updates the deployment in place")
	// Another stack, or another SKU of the same model, is a new deployment.
	one(t, f.runAs(t, "prod", devConfig()).Problems, "config proj:modelVersion: gpt-5.4-mini 2026-03-17 is closed to new deployments in eastus2: its lifecycle status is Deprecated. Pick a version that is open")
	cfg := devConfig()
	cfg.Model.SkuName = "DataZoneStandard"
	one(t, f.run(t, cfg).Problems, "closed to new deployments")
	// What the stack cannot be seen to run is not refused.
	f.env[standin.EnvForbiddenReads] = "deployments"
	r = f.run(t, devConfig())
	if len(r.Problems) > 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "whether this stack already runs it could not be read (403 AuthorizationFailed") {
		t.Errorf("unreadable deployment: problems %q warnings %q", r.Problems, r.Warnings)
	}
}

// A stack on gpt-4.1-mini, retired, at full quota: its usage is spelt
// OpenAI.GlobalStandard.gpt4.1-mini, and its own capacity still counts.
func TestRetiredModelTheStackRunsAtFullQuota(t *testing.T) {
	f := newFake(t)
	f.catalog(t, func(c *standin.Catalog) { c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt4.1-mini").Limit = 40 })
	f.deployed(t, "gpt-4.1-mini", "2025-04-14", "GlobalStandard", 40)
	cfg := devConfig()
	cfg.Model.Name, cfg.Model.Version, cfg.Model.Capacity = "gpt-4.1-mini", "2025-04-14", 40
	r := f.run(t, cfg)
	if len(r.Problems) > 0 {
		t.Fatalf("problems %q", r.Problems)
	}
	one(t, r.Warnings, "(it was retired on "+day("2026-10-14")+"); this stack's deployment gpt-5.4-mini runs it", "which has passed: migrate now")
}

// A version bump at full quota: the running version, no longer listed,
// holds the same usage (per model, not version) as the new one.
func TestVersionBumpAtFullQuotaCountsTheRunningVersion(t *testing.T) {
	f := newFake(t)
	f.catalog(t, func(c *standin.Catalog) {
		c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt4.1-mini").Limit = 40
		for i := range c.Region("eastus2").Models {
			if m := &c.Region("eastus2").Models[i].Model; m.Name == "gpt-4.1-mini" {
				m.LifecycleStatus, m.Deprecation = "GenerallyAvailable", nil
			}
		}
	})
	f.deployed(t, "gpt-4.1-mini", "2025-01-01", "GlobalStandard", 40)
	cfg := devConfig()
	cfg.Model.Name, cfg.Model.Version, cfg.Model.Capacity = "gpt-4.1-mini", "2025-04-14", 40
	clean(t, f.run(t, cfg))
	cfg.Model.Capacity = 41
	one(t, f.run(t, cfg).Problems, "41 is more than the 40 left of quota OpenAI.GlobalStandard.gpt4.1-mini", "of which this stack's deployment holds 40")
}

// A check it could not make does not refuse: over the quota, with the
// stack's own deployment unreadable, is a warning.
func TestQuotaWithoutTheStacksDeploymentDoesNotRefuse(t *testing.T) {
	f := newFake(t)
	f.deployed(t, "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 10)
	cfg := devConfig()
	cfg.Model.Capacity = 1001
	for _, read := range []string{"deployments", "resources"} {
		f.env[standin.EnvForbiddenReads] = read
		r := f.run(t, cfg)
		if len(r.Problems) > 0 || len(r.Warnings) != 2 {
			t.Fatalf("%s forbidden: problems %q warnings %q", read, r.Problems, r.Warnings)
		}
		all := strings.Join(r.Warnings, "\n")
		for _, want := range []string{"skipped the quota check: the deploying identity may not read this stack's deployment, whose capacity counts as available (403 AuthorizationFailed",
			"1001 is more than the 990 left of quota OpenAI.GlobalStandard.gpt-5.4-mini in eastus2 (limit 1000, in use 10); not refused"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s forbidden: warnings lack %q:\n%s", read, want, all)
			}
		}
	}
}

func TestKubernetesVersionTheStackRuns(t *testing.T) {
	f := newFake(t)
	f.cluster(t, "1.30", "1.30.7", "Standard_D2s_v5", 1)
	cfg := devConfig()
	cfg.KubernetesVersion = "1.30"
	r := f.run(t, cfg)
	if len(r.Problems) > 0 {
		t.Fatalf("problems %q", r.Problems)
	}
	one(t, r.Warnings, `config proj:kubernetesVersion: "1.30" is no longer a Kubernetes version AKS offers in eastus2 (as of `+now.Format("2006-01-02")+"); this stack's cluster scdemo-aks runs it (1.30.7)",
		"set proj:kubernetesVersion to an offered version (1.32 (1.32.7, 1.32.9); 1.33")
	cfg.KubernetesVersion = "1.30.7"
	if r := f.run(t, cfg); len(r.Problems) > 0 || len(r.Warnings) != 1 {
		t.Errorf("the running patch: problems %q warnings %q", r.Problems, r.Warnings)
	}
	cfg.KubernetesVersion = "1.29"
	one(t, f.run(t, cfg).Problems, `config proj:kubernetesVersion: "1.29" is not a Kubernetes version AKS offers in eastus2`)
	f.env[standin.EnvForbiddenReads] = "managedClusters"
	if r := f.run(t, cfg); len(r.Problems) > 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "whether this stack's cluster already runs it could not be read (403") {
		t.Errorf("unreadable cluster: problems %q warnings %q", r.Problems, r.Warnings)
	}
}

func TestRestrictedSizeTheStackRuns(t *testing.T) {
	f := newFake(t)
	f.catalog(t, func(c *standin.Catalog) {
		s := c.Region("eastus2").VMSize("Standard_D2s_v5")
		s.Restrictions = []standin.SkuRestriction{{Type: "Location", Values: []string{"eastus2"}, ReasonCode: "NotAvailableForSubscription"}}
	})
	f.cluster(t, "1.33", "1.33.2", "Standard_D2s_v5", 2)
	cfg := devConfig()
	cfg.NodeCount = 2
	r := f.run(t, cfg)
	if len(r.Problems) > 0 {
		t.Fatalf("problems %q", r.Problems)
	}
	one(t, r.Warnings, `config proj:nodeVmSize: "Standard_D2s_v5" is restricted for subscription `+standin.SubscriptionID+" in eastus2 (NotAvailableForSubscription, as of "+now.Format("2006-01-02")+"); this stack's cluster scdemo-aks runs 2 nodes of it",
		"Migrate: move the nodes to another size, such as Standard_D4s_v5")
	cfg.NodeCount = 3
	one(t, f.run(t, cfg).Problems, "this stack's cluster runs 2 nodes of it, and proj:nodeCount 3 would add new VMs of a restricted size, which Azure refuses (SkuNotAvailable). Keep proj:nodeCount at 2")
	one(t, f.runAs(t, "prod", cfg).Problems, `"Standard_D2s_v5" is restricted for subscription `+standin.SubscriptionID+" in eastus2 (NotAvailableForSubscription); use another size")
}

// nodeCount x vCPUs must fit the regional and the family's vCPU quota; the
// stack's own nodes count as available.
func TestVCPUQuota(t *testing.T) {
	f := newFake(t)
	f.env[standin.EnvVCPULimit] = "10"
	cfg := devConfig()
	cfg.NodeVMSize, cfg.NodeCount = "Standard_D4s_v5", 3
	r := f.run(t, cfg)
	if len(r.Problems) != 2 {
		t.Fatalf("problems %q", r.Problems)
	}
	for i, usage := range []string{`"Standard DSv5 Family vCPUs" (standardDSv5Family)`, `"Total Regional vCPUs" (cores)`} {
		if want := "config proj:nodeCount: 3 nodes of Standard_D4s_v5 (4 vCPUs each) need 12 vCPUs of " + usage + " in eastus2, and 10 are left (limit 10, in use 0); lower proj:nodeCount or proj:nodeVmSize, or request more vCPU quota"; !strings.Contains(r.Problems[i], want) {
			t.Errorf("%q lacks %q", r.Problems[i], want)
		}
	}
	cfg.NodeCount = 2
	clean(t, f.run(t, cfg))
	// The stack runs 3 of them: in use 12 of 12, and the same 3 pass.
	f.env[standin.EnvVCPULimit] = "12"
	f.cluster(t, "1.33", "1.33.2", "Standard_D4s_v5", 3)
	cfg.NodeCount = 3
	clean(t, f.run(t, cfg))
	cfg.NodeCount = 4
	r = f.run(t, cfg)
	if len(r.Problems) != 2 || !strings.Contains(r.Problems[1], "need 16 vCPUs of \"Total Regional vCPUs\" (cores) in eastus2, and 12 are left (limit 12, in use 12, of which this stack's cluster holds 12)") {
		t.Errorf("problems %q", r.Problems)
	}
	// A smaller size of another family: the cluster's nodes free the
	// regional total, not the family's.
	cfg.NodeVMSize, cfg.NodeCount = "Standard_B2s", 7
	r = f.run(t, cfg)
	if len(r.Problems) != 2 || !strings.Contains(r.Problems[0], `need 14 vCPUs of "Standard BS Family vCPUs" (standardBSFamily) in eastus2, and 12 are left (limit 12, in use 0);`) ||
		!strings.Contains(r.Problems[1], `need 14 vCPUs of "Total Regional vCPUs" (cores) in eastus2, and 12 are left (limit 12, in use 12, of which this stack's cluster holds 12)`) {
		t.Errorf("problems %q", r.Problems)
	}
	f.env[standin.EnvForbiddenReads] = "computeUsages"
	if r := f.run(t, cfg); len(r.Problems) > 0 || !strings.Contains(strings.Join(r.Warnings, "\n"), "skipped the vCPU quota check: the deploying identity may not read the region's Compute usages") {
		t.Errorf("forbidden usages: problems %q warnings %q", r.Problems, r.Warnings)
	}
}
