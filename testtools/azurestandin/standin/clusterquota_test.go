package standin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// A cluster over the vCPU quota is refused at once, as AKS does, naming
// the quota and the numbers; its own nodes are free to an update.
func TestClusterOverTheVCPUQuota(t *testing.T) {
	h := newHarness(t)
	h.env[EnvVCPULimit] = "10"
	_, rg := h.mustCreate(tRG, "scdemo", map[string]any{"location": "eastus2"})
	name := rg["name"].StringValue()
	prod := clusterInputs(name)
	pool := prod["agentPoolProfiles"].([]any)[0].(map[string]any)
	pool["vmSize"], pool["count"] = "Standard_D4s_v5", 3
	_, _, err := h.create(tCluster, "scdemo-aks", prod)
	wantErr(t, err, `Status=400 Code="QuotaExceeded"`, "Provisioning of resource(s) for container service scdemo-aks",
		"Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Additional details - Deployment Model: Resource Manager, Location: eastus2, Current Limit: 10, Current Usage: 0, Additional Required: 12, (Minimum) New Limit Required: 12.")
	if n := len(h.state().Find("ManagedCluster", nil)); n != 0 {
		t.Fatalf("%d clusters stored", n)
	}
	// Two nodes (8) fit; the same two again fit (its own); a third does not.
	pool["count"] = 2
	id, _ := h.mustCreate(tCluster, "scdemo-aks", prod)
	if err := h.update(tCluster, "scdemo-aks", id, prod); err != nil {
		t.Fatalf("the same nodes: %v", err)
	}
	pool["count"] = 3
	wantErr(t, h.update(tCluster, "scdemo-aks", id, prod), "Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12.")
	// The family's own quota: B-series under a lower family limit.
	h.env[EnvVCPULimit] = ""
	c := BuiltinCatalog()
	for i := range c.Region("eastus2").ComputeUsages {
		if u := &c.Region("eastus2").ComputeUsages[i]; u.Name.Value == "standardBSFamily" {
			u.Limit = 4
		}
	}
	writeCatalog(t, h, c)
	// (A new cluster: AKS refuses a pool's new VM size in place.)
	pool["vmSize"] = "Standard_B2s"
	_, _, err = h.create(tCluster, "scdemo-aks-b", prod)
	wantErr(t, err, "exceeding approved standardBSFamily Cores quota", "Current Limit: 4, Current Usage: 0, Additional Required: 6")
}

func writeCatalog(t *testing.T, h *harness, c *Catalog) {
	t.Helper()
	data, _ := json.Marshal(c)
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	h.env[EnvCatalog] = path
}
