package preflight

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// kubernetesVersion: a pinned version is one AKS offers in the region.
func (c *checker) kubernetesVersion() {
	want := c.in.Config.KubernetesVersion
	if want == "" {
		return
	}
	var list struct {
		Values []struct {
			Version       string
			IsPreview     bool
			PatchVersions map[string]any
		}
	}
	path := c.sub() + "/providers/Microsoft.ContainerService/locations/" + c.in.Config.Location + "/kubernetesVersions"
	if err := c.get(path, url.Values{"api-version": {apiAKSVersions}}, &list); err != nil {
		c.skipped("Kubernetes version", "list AKS's Kubernetes versions", err)
		return
	}
	var offered []string
	for _, v := range list.Values {
		if v.Version == want {
			return
		}
		var patches []string
		for p := range v.PatchVersions {
			if p == want {
				return
			}
			patches = append(patches, p)
		}
		sort.Strings(patches)
		line := v.Version
		if len(patches) > 0 {
			line += " (" + strings.Join(patches, ", ") + ")"
		}
		if v.IsPreview {
			line += " [preview]"
		}
		offered = append(offered, line)
	}
	fix := fmt.Sprintf("`az aks get-versions -l %s -o table`", c.in.Config.Location)
	// A version AKS dropped from the list keeps running on the clusters
	// that have it (out of support; Learn, "Supported Kubernetes versions
	// in AKS"): what the stack runs is a warning, a move to it a problem.
	st := c.stack()
	switch {
	case st.cluster != nil && st.cluster.runsVersion(want):
		c.warn("preflight: config %s: %q is no longer a Kubernetes version AKS offers in %s (as of %s); this stack's cluster %s runs it (%s) and keeps running, out of AKS support. Migrate: set %s to an offered version (%s; AKS upgrades one minor version at a time), or empty for AKS's default, then `pulumi up`; %s",
			c.key("kubernetesVersion"), want, c.in.Config.Location, c.now().Format("2006-01-02"), st.cluster.Name, st.cluster.Properties.CurrentKubernetesVersion, c.key("kubernetesVersion"), strings.Join(offered, "; "), fix)
	case st.cluster == nil && st.clusterErr != nil:
		c.warn("preflight: config %s: %q is not a Kubernetes version AKS offers in %s (offered: %s); whether this stack's cluster already runs it could not be read (%v), so it is not refused here: a new cluster on it fails at `up`. Use an offered version, or empty for AKS's default; %s",
			c.key("kubernetesVersion"), want, c.in.Config.Location, strings.Join(offered, "; "), st.clusterErr, fix)
	default:
		c.problem("config %s: %q is not a Kubernetes version AKS offers in %s; offered: %s. Use one of them, or empty for AKS's default (%s)",
			c.key("kubernetesVersion"), want, c.in.Config.Location, strings.Join(offered, "; "), fix)
	}
}
