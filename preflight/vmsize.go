package preflight

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The Compute spec's ResourceSku, with its ResourceSkuRestrictions and
// capabilities (vCPUs).
type vmSku struct {
	ResourceType, Name, Family string
	Capabilities               []struct{ Name, Value string }
	Restrictions               []struct {
		Type       string
		Values     []string
		ReasonCode string
	}
}

// vcpus is the size's vCPUs capability, 0 when not listed.
func (s vmSku) vcpus() int {
	for _, c := range s.Capabilities {
		if c.Name == "vCPUs" {
			n, _ := strconv.Atoi(c.Value)
			return n
		}
	}
	return 0
}

// restriction is why the subscription may not use the size in loc, if so.
func (s vmSku) restriction(loc string) string {
	for _, r := range s.Restrictions {
		if r.Type == "Location" && (len(r.Values) == 0 || slices.ContainsFunc(r.Values, func(v string) bool { return strings.EqualFold(v, loc) })) {
			return r.ReasonCode
		}
	}
	return ""
}

// vmSize: the node size exists in the region and the subscription may use
// it; then the nodes fit the vCPU quota.
func (c *checker) vmSize() {
	want, loc := c.in.Config.NodeVMSize, c.in.Config.Location
	var list struct{ Value []vmSku }
	q := url.Values{"api-version": {apiComputeSkus}, "$filter": {"location eq '" + loc + "'"}}
	if err := c.get(c.sub()+"/providers/Microsoft.Compute/skus", q, &list); err != nil {
		c.skipped("VM size", "list the region's compute SKUs", err)
		return
	}
	var usable []string
	var found *vmSku
	for i, s := range list.Value {
		switch {
		case s.ResourceType != "virtualMachines":
		case strings.EqualFold(s.Name, want):
			found = &list.Value[i]
		case s.restriction(loc) == "":
			usable = append(usable, s.Name)
		}
	}
	others := strings.Join(closest(want, usable, 3), ", ")
	if found == nil {
		c.problem("config %s: %q is not a VM size offered in %s; closest available: %s (`az vm list-skus -l %s --resource-type virtualMachines -o table`)",
			c.key("nodeVmSize"), want, loc, others, loc)
		return
	}
	if why := found.restriction(loc); why != "" && !c.restrictedButRunning(why, others) {
		return
	}
	c.vcpuQuota(*found, list.Value)
}

// restrictedButRunning reports the node size, restricted for why: a
// warning when the stack's cluster already runs at least as many nodes of
// it (running VMs keep running; only new ones are refused, SkuNotAvailable),
// or when the cluster could not be read; else a problem. It tells whether
// the quota check should go on.
func (c *checker) restrictedButRunning(why, others string) bool {
	want, loc, count := c.in.Config.NodeVMSize, c.in.Config.Location, c.in.Config.NodeCount
	restricted := fmt.Sprintf("config %s: %q is restricted for subscription %s in %s (%s", c.key("nodeVmSize"), want, c.in.SubscriptionID, loc, why)
	st := c.stack()
	if st.cluster != nil {
		if size, running, ok := st.cluster.pool(); ok && strings.EqualFold(size, want) {
			if count <= running {
				c.warn("preflight: %s, as of %s); this stack's cluster %s runs %d nodes of it, which keep running, but Azure refuses new VMs of it: a scale-out, an upgrade's surge node or a node reimage can fail. Migrate: move the nodes to another size, such as %s, or ask Azure support to lift the restriction",
					restricted, c.now().Format("2006-01-02"), st.cluster.Name, running, others)
				return true
			}
			c.problem("%s); this stack's cluster runs %d nodes of it, and %s %d would add new VMs of a restricted size, which Azure refuses (SkuNotAvailable). Keep %s at %d, or use another size, such as %s",
				restricted, running, c.key("nodeCount"), count, c.key("nodeCount"), running, others)
			return false
		}
	}
	if st.cluster == nil && st.clusterErr != nil {
		c.warn("preflight: %s); whether this stack's cluster already runs it could not be read (%v), so it is not refused here: new nodes of it fail at `up`. Use another size, such as %s", restricted, st.clusterErr, others)
		return true
	}
	c.problem("%s); use another size, such as %s, or ask Azure support to lift the restriction", restricted, others)
	return false
}
