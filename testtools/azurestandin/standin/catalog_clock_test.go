package standin

import (
	"strings"
	"testing"
	"time"
)

// The catalog's dates follow the calendar: the same catalog, later. What
// is open, retiring or retired stays so, whatever day the tests run.
func TestCatalogDatesFollowTheCalendar(t *testing.T) {
	asOf := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	for _, at := range []time.Time{asOf, asOf.AddDate(2, 0, 0), asOf.AddDate(0, 0, -400)} {
		c, err := LoadCatalog(func(string) string { return "" }, at)
		if err != nil {
			t.Fatal(err)
		}
		m := c.Region("eastus2").Model("OpenAI", "gpt-5.4-mini", "2026-03-17")
		if _, closed := m.Closed(m.Sku("GlobalStandard"), at); closed {
			t.Errorf("at %s: the default model is closed", at)
		}
		old := c.Region("eastus2").Model("OpenAI", "gpt-4", "0613")
		want := CatalogDate("2025-06-06", at)
		if !strings.HasPrefix(old.Deprecation.Inference, want) || !strings.HasPrefix(old.Sku("Standard").DeprecationDate, want) {
			t.Errorf("at %s: gpt-4 0613 retires %s (SKU %s), want %s", at, old.Deprecation.Inference, old.Sku("Standard").DeprecationDate, want)
		}
		if why, _ := old.Closed(old.Sku("Standard"), at); why != "its lifecycle status is Deprecated" {
			t.Errorf("at %s: %q", at, why)
		}
	}
	if got := CatalogDate("2027-03-17", asOf.AddDate(2, 0, 0)); got != "2029-03-17" {
		t.Errorf("two years ahead: %s", got)
	}
	at, err := Calendar(func(string) string { return "48h" }, asOf)
	if err != nil || !at.Equal(asOf.Add(48*time.Hour)) {
		t.Errorf("Calendar(48h) = %s, %v", at, err)
	}
	bad := func(k string) string { return map[string]string{EnvClockOffset: "2y"}[k] }
	if _, err := LoadCatalog(bad, asOf); err == nil || !strings.Contains(err.Error(), EnvClockOffset+`: "2y" is not a duration`) {
		t.Errorf("a malformed offset: %v", err)
	}
}

// AZURE_STANDIN_VCPU_LIMIT sets every vCPU limit; the state's clusters
// use count x vCPUs of their size, in the regional total and the family.
func TestVCPUUsages(t *testing.T) {
	c, err := LoadCatalog(func(k string) string { return map[string]string{EnvVCPULimit: "10"}[k] }, catalogDay)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range c.Region("swedencentral").ComputeUsages {
		if u.Limit != 10 {
			t.Errorf("%s limit %d", u.Name.Value, u.Limit)
		}
	}
	if n := c.Region("eastus2").VMSize("standard_d4s_v5").VCPUs(); n != 4 {
		t.Errorf("D4s_v5 vCPUs %d", n)
	}
	if _, err := LoadCatalog(func(k string) string { return map[string]string{EnvVCPULimit: "ten"}[k] }, catalogDay); err == nil {
		t.Error("a malformed limit was taken")
	}
	s := &State{Objects: map[string]*Object{}}
	s.Put(&Object{ID: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c", Type: "azure-native:containerservice:ManagedCluster",
		Inputs: map[string]any{"location": "eastus2", "agentPoolProfiles": []any{map[string]any{"name": "system", "count": 3.0, "vmSize": "Standard_D4s_v5"}}}})
	used := ClusterVCPUs(s, c, "eastus2")
	if used[RegionalVCPUs] != 12 || used["standardDSv5Family"] != 12 || len(ClusterVCPUs(s, c, "swedencentral")) != 0 {
		t.Errorf("used %v", used)
	}
}
