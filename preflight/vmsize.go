package preflight

import (
	"net/url"
	"slices"
	"strings"
)

// The Compute spec's ResourceSku, with its ResourceSkuRestrictions.
type vmSku struct {
	ResourceType, Name string
	Restrictions       []struct {
		Type       string
		Values     []string
		ReasonCode string
	}
}

// vmSize: the node size exists in the region and the subscription may use it.
func (c *checker) vmSize() {
	want, loc := c.in.Config.NodeVMSize, c.in.Config.Location
	var list struct{ Value []vmSku }
	q := url.Values{"api-version": {apiComputeSkus}, "$filter": {"location eq '" + loc + "'"}}
	if err := c.get(c.sub()+"/providers/Microsoft.Compute/skus", q, &list); err != nil {
		c.skipped("VM size", "list the region's compute SKUs", err)
		return
	}
	var usable []string
	for _, s := range list.Value {
		if s.ResourceType != "virtualMachines" {
			continue
		}
		restricted := ""
		for _, r := range s.Restrictions {
			if r.Type == "Location" && (len(r.Values) == 0 || slices.ContainsFunc(r.Values, func(v string) bool { return strings.EqualFold(v, loc) })) {
				restricted = r.ReasonCode
			}
		}
		if strings.EqualFold(s.Name, want) {
			if restricted == "" {
				return
			}
			defer func() {
				c.problem("config %s: %q is restricted for subscription %s in %s (%s); use another size, such as %s, or ask Azure support to lift the restriction",
					c.key("nodeVmSize"), want, c.in.SubscriptionID, loc, restricted, strings.Join(closest(want, usable, 3), ", "))
			}()
			continue
		}
		if restricted == "" {
			usable = append(usable, s.Name)
		}
	}
	if !slices.ContainsFunc(list.Value, func(s vmSku) bool { return strings.EqualFold(s.Name, want) }) {
		c.problem("config %s: %q is not a VM size offered in %s; closest available: %s (`az vm list-skus -l %s --resource-type virtualMachines -o table`)",
			c.key("nodeVmSize"), want, loc, strings.Join(closest(want, usable, 3), ", "), loc)
	}
}
