package standin

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func deploymentInputs(w world, name, model, version, sku string, capacity int) map[string]any {
	return map[string]any{
		"resourceGroupName": w.rg, "accountName": "scdemo-oai-1234abcd", "deploymentName": name,
		"sku":        map[string]any{"name": sku, "capacity": capacity},
		"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": model, "version": version}},
	}
}

// catalogDay is the day catalog.json's dates were read (its asOf): a fixed
// clock, so these tests read the catalog's own dates on any day.
var catalogDay = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// The built-in catalog holds the program's defaults (Pulumi.yaml and the
// prod stack) and the tutorial's retired gpt-4 0613.
func TestBuiltinCatalogHoldsTheProgramsDefaults(t *testing.T) {
	c, err := LoadCatalog(func(string) string { return "" }, catalogDay)
	if err != nil {
		t.Fatal(err)
	}
	for _, loc := range []string{"eastus2", "swedencentral"} {
		m := c.Region(loc).Model("OpenAI", "gpt-5.4-mini", "2026-03-17")
		if m == nil || m.Sku("GlobalStandard") == nil {
			t.Fatalf("%s: gpt-5.4-mini 2026-03-17 GlobalStandard not offered", loc)
		}
		if u := c.Region(loc).Usage(m.Sku("GlobalStandard").UsageName); u == nil || u.Limit-u.CurrentValue < 60 {
			t.Errorf("%s: quota %v leaves no room for dev (10) and prod (50)", loc, u)
		}
		old := c.Region(loc).Model("OpenAI", "gpt-4", "0613")
		if old == nil {
			t.Fatalf("%s: gpt-4 0613 missing", loc)
		}
		if _, closed := old.Closed(old.Sku("Standard"), catalogDay); !closed {
			t.Errorf("%s: gpt-4 0613 is open to new deployments", loc)
		}
		var sizes []string
		for _, s := range c.Region(loc).VMSkus {
			sizes = append(sizes, s.Name)
		}
		for _, want := range []string{"Standard_D2s_v5", "Standard_D4s_v5"} {
			found := false
			for _, s := range sizes {
				found = found || s == want
			}
			if !found {
				t.Errorf("%s: VM size %s missing from %v", loc, want, sizes)
			}
		}
	}
	for _, ns := range []string{"Microsoft.ServiceLinker", "Microsoft.KubernetesConfiguration", "Microsoft.ContainerService"} {
		if got := c.Registered(ns); got != "Registered" {
			t.Errorf("%s is %s", ns, got)
		}
	}
	c, _ = LoadCatalog(func(k string) string {
		return map[string]string{EnvUnregisteredProviders: "Microsoft.KubernetesConfiguration, Microsoft.Foo"}[k]
	}, catalogDay)
	if c.Registered("microsoft.kubernetesconfiguration") != "NotRegistered" || c.Registered("Microsoft.Foo") != "NotRegistered" || c.Registered("Microsoft.ServiceLinker") != "Registered" {
		t.Errorf("unregistered knob: %+v", c.Providers)
	}
}

// A deployment's model, version and SKU must be offered in the account's
// region and open to new deployments, and its capacity must fit the quota.
func TestDeploymentFollowsTheCatalog(t *testing.T) {
	h := newHarness(t)
	w := h.world() // gpt-5.4-mini GlobalStandard, capacity 10, of a 1000 quota
	_, _, err := h.create(tDeploy, "d1", deploymentInputs(w, "d1", "gpt-4o", "2024-08-06", "GlobalStandard", 10))
	wantErr(t, err, `Status=400 Code="DeploymentModelNotSupported"`, "The model 'Format: OpenAI, Name: gpt-4o, Version: 2024-08-06, Source: ' of account deployment is not supported.")
	_, _, err = h.create(tDeploy, "d2", deploymentInputs(w, "d2", "gpt-5.4-mini", "2026-03-17", "Standard", 10))
	wantErr(t, err, `Status=400 Code="InvalidResourceProperties"`, "The specified SKU 'Standard' of account deployment is not supported by the model 'gpt-5.4-mini' version: '2026-03-17'.")
	_, _, err = h.create(tDeploy, "d3", deploymentInputs(w, "d3", "gpt-4", "0613", "Standard", 10))
	wantErr(t, err, `Status=400 Code="ServiceModelDeprecating"`, "cannot be used for new deployments")
	_, _, err = h.create(tDeploy, "d4", deploymentInputs(w, "d4", "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 991))
	wantErr(t, err, `Status=400 Code="InsufficientQuota"`, "This operation require 991 new capacity in quota", "current available capacity 990", "The current quota usage is 10 and the quota limit is 1000")
	h.mustCreate(tDeploy, "d5", deploymentInputs(w, "d5", "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 990))
	if n := DeploymentUsage(h.state(), BuiltinCatalog(), "eastus2", "OpenAI.GlobalStandard.gpt-5.4-mini", ""); n != 1000 {
		t.Errorf("usage %d, want 1000", n)
	}

	// An update keeps its own capacity: the full quota is no refusal.
	id := w.accountID + "/deployments/d5"
	olds := h.read(tDeploy, "d5", id).GetProperties()
	news := h.checked(tDeploy, "d5", deploymentInputs(w, "d5", "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 990))
	if _, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: urnFor(tDeploy, "d5"), Type: tDeploy, Olds: olds, News: news}); err != nil {
		t.Fatalf("no-change update at full quota: %v", err)
	}
	news = h.checked(tDeploy, "d5", deploymentInputs(w, "d5", "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 991))
	_, err = h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: urnFor(tDeploy, "d5"), Type: tDeploy, Olds: olds, News: news})
	wantErr(t, err, `Code="InsufficientQuota"`)
}

// AZURE_STANDIN_CATALOG replaces the built-in catalog.
func TestCatalogOverride(t *testing.T) {
	h := newHarness(t)
	c := BuiltinCatalog()
	c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt-5.4-mini").Limit = 10
	data, _ := json.Marshal(c)
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h.env[EnvCatalog] = path
	w := h.world() // capacity 10: exactly the quota
	_, _, err := h.create(tDeploy, "more", deploymentInputs(w, "more", "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 1))
	wantErr(t, err, `Code="InsufficientQuota"`, "current available capacity 0")
}

// Two writes under one OpenAI account at once, from two plugin processes,
// collide with RequestConflict; one after the other they do not.
func TestConcurrentWritesUnderOneAccountConflict(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvLatency] = "Deployment=1s"
	create := func(p *Provider, name string) error {
		in := h.checked(tDeploy, name, deploymentInputs(w, name, "gpt-5.4-mini", "2026-03-17", "GlobalStandard", 1))
		_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tDeploy, name), Type: tDeploy, Properties: in})
		return err
	}
	wantErr(t, h.oneOfTwoOverlappingWritesFails(create), `Status=409 Code="RequestConflict"`, "Another operation is being performed on the parent resource '"+w.accountID+"'. Please try again later.")
	if err := create(h.provider(), "three"); err != nil {
		t.Fatalf("a write after the others: %v", err)
	}
}
