package standin

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// What the state's resources use of the subscription's quotas: model
// capacity (Cognitive Services usages) and vCPUs (Compute usages).

// EnvVCPULimit sets the limit of every Compute vCPU usage (the regional
// total and each VM family) in every region: a new or trial subscription
// has 4 to 10 (mspnp/aks-baseline#377, Azure/azure-cli#15013).
const EnvVCPULimit = "AZURE_STANDIN_VCPU_LIMIT"

// RegionalVCPUs is the Compute usage of all vCPUs in a region ("Total
// Regional vCPUs"); each VM family has its own, named as the size's family.
const RegionalVCPUs = "cores"

// DeploymentUsage is what the state's deployments use of a usage in a
// region: the sum of their capacities, skipping the deployment except.
func DeploymentUsage(s *State, c *Catalog, loc, usageName, except string) int {
	total := 0
	for _, d := range s.Find("Deployment", nil) {
		if strings.EqualFold(d.ID, except) {
			continue
		}
		acct := s.Get(d.ID[:strings.LastIndex(strings.ToLower(d.ID), "/deployments/")])
		if acct == nil || !strings.EqualFold(acct.Input("location"), loc) {
			continue
		}
		if !strings.EqualFold(c.Region(loc).UsageOf(d.Input("properties.model.format"), d.Input("properties.model.name"), d.Input("sku.name")), usageName) {
			continue
		}
		total += capacityOf(d.Inputs)
	}
	return total
}

// capacityOf reads sku.capacity from stored inputs.
func capacityOf(in map[string]any) int {
	sku, _ := in["sku"].(map[string]any)
	return number(sku["capacity"])
}

// number reads a stored whole number (a JSON number).
func number(v any) int {
	switch v := v.(type) {
	case float64:
		return int(v)
	case int:
		return v
	}
	return 0
}

// UsageOf is the usage a deployment of the model with the SKU counts
// against: the usageName the models list gives the SKU, for any version
// (a quota is per model and deployment type, not per version: Learn,
// "Manage Azure OpenAI quota"); "" when no version of it is listed.
func (r *Region) UsageOf(format, name, sku string) string {
	if r == nil {
		return ""
	}
	for i := range r.Models {
		m := &r.Models[i].Model
		if strings.EqualFold(m.Format, format) && m.Name == name {
			if s := m.Sku(sku); s != nil && s.UsageName != "" {
				return s.UsageName
			}
		}
	}
	return ""
}

// limitVCPUs applies AZURE_STANDIN_VCPU_LIMIT.
func (c *Catalog) limitVCPUs(getenv func(string) string) error {
	v := getenv(EnvVCPULimit)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return fmt.Errorf("%s: %q is not a whole number of vCPUs", EnvVCPULimit, v)
	}
	for _, r := range c.Regions {
		for i := range r.ComputeUsages {
			r.ComputeUsages[i].Limit = n
		}
	}
	return nil
}

// VCPUs is the size's vCPUs capability (0 when the catalog lacks it).
func (s *VMSku) VCPUs() int {
	for _, raw := range s.Capabilities {
		var c struct{ Name, Value string }
		if json.Unmarshal(raw, &c) == nil && c.Name == "vCPUs" {
			n, _ := strconv.Atoi(c.Value)
			return n
		}
	}
	return 0
}

// VMSize finds a region's VM size by name.
func (r *Region) VMSize(name string) *VMSku {
	if r == nil {
		return nil
	}
	for i := range r.VMSkus {
		if strings.EqualFold(r.VMSkus[i].Name, name) {
			return &r.VMSkus[i]
		}
	}
	return nil
}

// ClusterVCPUs is what the state's clusters in a region use of its vCPU
// usages: each pool's count times its size's vCPUs, in the regional total
// and in the size's family.
func ClusterVCPUs(s *State, c *Catalog, loc string) map[string]int {
	used := map[string]int{}
	for _, cl := range s.Find("ManagedCluster", nil) {
		if !strings.EqualFold(cl.Input("location"), loc) {
			continue
		}
		pools, _ := cl.Inputs["agentPoolProfiles"].([]any)
		for _, p := range pools {
			pool, _ := p.(map[string]any)
			size, _ := pool["vmSize"].(string)
			sku := c.Region(loc).VMSize(size)
			if sku == nil {
				continue
			}
			n := number(pool["count"]) * sku.VCPUs()
			used[RegionalVCPUs] += n
			used[sku.Family] += n
		}
	}
	return used
}
