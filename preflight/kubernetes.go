package preflight

import (
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
	c.problem("config %s: %q is not a Kubernetes version AKS offers in %s; offered: %s. Use one of them, or empty for AKS's default (`az aks get-versions -l %s -o table`)",
		c.key("kubernetesVersion"), want, c.in.Config.Location, strings.Join(offered, "; "), c.in.Config.Location)
}
