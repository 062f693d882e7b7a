package preflight

import (
	"fmt"
	"net/url"
	"strings"
)

// API version of the Compute usages read: compute Usage_List.
const apiComputeUsages = "2024-07-01"

// regionalVCPUs is the Compute usage of all vCPUs in a region ("Total
// Regional vCPUs"); each VM family has its own, named as the size's
// family in the SKU list (standardDSv5Family, "Standard DSv5 Family
// vCPUs").
const regionalVCPUs = "cores"

// vcpuQuota: the nodes (nodeCount x the size's vCPUs) fit what is left of
// the subscription's vCPU quota in the region, both the regional total and
// the size's family: AKS otherwise fails with QuotaExceeded minutes into
// the cluster's create. The stack's own nodes count as available, as the
// stack's own deployment does for model capacity. skus is the region's
// SKU list (the own nodes' size).
func (c *checker) vcpuQuota(size vmSku, skus []vmSku) {
	cfg := c.in.Config
	per := size.vcpus()
	if per == 0 {
		return
	}
	need := cfg.NodeCount * per
	var usages struct {
		Value []struct {
			Name         struct{ Value, LocalizedValue string }
			CurrentValue float64
			Limit        float64
		}
	}
	path := c.sub() + "/providers/Microsoft.Compute/locations/" + cfg.Location + "/usages"
	if err := c.get(path, url.Values{"api-version": {apiComputeUsages}}, &usages); err != nil {
		c.skipped("vCPU quota", "read the region's Compute usages", err)
		return
	}
	for _, u := range usages.Value {
		if !strings.EqualFold(u.Name.Value, regionalVCPUs) && !strings.EqualFold(u.Name.Value, size.Family) {
			continue
		}
		left := int(u.Limit - u.CurrentValue)
		if need <= left {
			continue
		}
		st := c.stack()
		if st.cluster == nil && st.clusterErr != nil {
			c.skipped("vCPU quota", "read this stack's cluster, whose nodes count as available", st.clusterErr)
			continue
		}
		own := c.ownVCPUs(u.Name.Value, skus)
		if need <= left+own {
			continue
		}
		held := ""
		if own > 0 {
			held = fmt.Sprintf(", of which this stack's cluster holds %d", own)
		}
		c.problem("config %s: %d nodes of %s (%d vCPUs each) need %d vCPUs of %q (%s) in %s, and %d are left (limit %d, in use %d%s); lower %s or %s, or request more vCPU quota (Azure portal, Quotas, Compute; `az vm list-usage -l %s -o table` shows it)",
			c.key("nodeCount"), cfg.NodeCount, size.Name, per, need, u.Name.LocalizedValue, u.Name.Value, cfg.Location, max(left+own, 0), int(u.Limit), int(u.CurrentValue), held,
			c.key("nodeCount"), c.key("nodeVmSize"), cfg.Location)
	}
}

// ownVCPUs is what the stack's cluster's nodes hold of a vCPU usage: all
// of the regional total, and of a family when their size is of it.
func (c *checker) ownVCPUs(usage string, skus []vmSku) int {
	cl := c.stack().cluster
	if cl == nil {
		return 0
	}
	size, count, ok := cl.pool()
	if !ok {
		return 0
	}
	for _, s := range skus {
		if strings.EqualFold(s.Name, size) && (strings.EqualFold(usage, regionalVCPUs) || strings.EqualFold(usage, s.Family)) {
			return count * s.vcpus()
		}
	}
	return 0
}
