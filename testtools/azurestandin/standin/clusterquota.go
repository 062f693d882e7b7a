package standin

import "strings"

// clusterQuota refuses a cluster's create or update whose nodes need more
// vCPUs than the subscription has left in the region: first the regional
// total, then the size's family. The cluster's own current nodes are free
// to it. AKS answers at once, before it provisions anything:
// "QuotaExceeded ... Operation could not be completed as it results in
// exceeding approved Total Regional Cores quota. Additional details -
// Deployment Model: Resource Manager, Location: eastus2, Current Limit: 10,
// Current Usage: 0, Additional Required: 14, (Minimum) New Limit Required:
// 14." (mspnp/aks-baseline#377, Azure/azure-cli#15013 as 'Bad Request';
// cilium/cilium#31859 for a family: "exceeding approved standardBSFamily
// Cores quota").
func (p *Provider) clusterQuota(c *op) error {
	cat, err := p.catalog()
	if err != nil {
		return err
	}
	loc := gets(c.in, "location")
	region := cat.Region(loc)
	need := map[string]int{}
	for _, pool := range getv(c.in, "agentPoolProfiles").ArrayValue() {
		pm := unwrap(pool)
		if !pm.IsObject() {
			continue
		}
		sku := region.VMSize(gets(pm.ObjectValue(), "vmSize"))
		count := getv(pm.ObjectValue(), "count")
		if sku == nil || !count.IsNumber() {
			continue
		}
		n := int(count.NumberValue()) * sku.VCPUs()
		need[RegionalVCPUs] += n
		need[sku.Family] += n
	}
	used := ClusterVCPUs(c.st, cat, loc)
	own := map[string]int{}
	if c.old != nil {
		own = ClusterVCPUs(&State{Objects: map[string]*Object{key(c.id): c.old}}, cat, loc)
	}
	for _, u := range region.ComputeUsages {
		name := u.Name.Value
		// The cluster's current nodes are in use already; only what it
		// adds is required.
		inUse, more := u.CurrentValue+used[name], need[name]-own[name]
		if more <= 0 || inUse+more <= u.Limit {
			continue
		}
		quota := name
		if name == RegionalVCPUs {
			quota = "Total Regional"
		}
		return armErr(400, "QuotaExceeded", "Provisioning of resource(s) for container service %s in resource group %s failed. Message: Operation could not be completed as it results in exceeding approved %s Cores quota. Additional details - Deployment Model: Resource Manager, Location: %s, Current Limit: %d, Current Usage: %d, Additional Required: %d, (Minimum) New Limit Required: %d. Submit a request for Quota increase at https://aka.ms/ProdportalCRP by specifying parameters listed in the 'Details' section for deployment to succeed.",
			c.name, gets(c.in, "resourceGroupName"), quota, strings.ToLower(loc), u.Limit, inUse, more, inUse+more)
	}
	return nil
}
