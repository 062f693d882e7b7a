package preflight

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
)

// The spec's Model (Microsoft.CognitiveServices/locations/{l}/models):
// an AccountModel with its ModelDeprecationInfo and ModelSkus.
type modelEntry struct {
	Model struct {
		Format, Name, Version, LifecycleStatus string
		Deprecation                            struct{ Inference string }
		Skus                                   []modelSku
	}
}

type modelSku struct {
	Name, UsageName, DeprecationDate string
	Capacity                         struct{ Minimum, Maximum int }
}

// model: the model, version and format are offered with the SKU, open to
// new deployments, and the capacity fits the SKU and the remaining quota.
func (c *checker) model() {
	m, cfg := c.in.Config.Model, c.in.Config
	var list struct{ Value []modelEntry }
	path := c.sub() + "/providers/Microsoft.CognitiveServices/locations/" + cfg.Location + "/models"
	if err := c.get(path, url.Values{"api-version": {apiCognitive}}, &list); err != nil {
		c.skipped("model", "list the region's models", err)
		return
	}
	var versions []string // offered versions of the model
	var found *modelEntry
	for i, e := range list.Value {
		if !strings.EqualFold(e.Model.Format, m.Format) || e.Model.Name != m.Name {
			continue
		}
		versions = append(versions, versionLine(e))
		if e.Model.Version == m.Version {
			found = &list.Value[i]
		}
	}
	sort.Strings(versions)
	fixModel := fmt.Sprintf("`az cognitiveservices model list -l %s -o table` lists them all", cfg.Location)
	if len(versions) == 0 {
		var names []string
		for _, e := range list.Value {
			if strings.EqualFold(e.Model.Format, m.Format) && !slices.Contains(names, e.Model.Name) && open(e, c.now()) {
				names = append(names, e.Model.Name)
			}
		}
		c.problem("config %s: %q (format %s) is not offered in %s; closest offered: %s; %s",
			c.key("modelName"), m.Name, m.Format, cfg.Location, strings.Join(closest(m.Name, names, 5), ", "), fixModel)
		return
	}
	if found == nil && c.runsModel() {
		c.warn("preflight: config %s: %s %s is no longer listed in %s, and this stack's deployment %s runs it: Azure serves it until its retirement, and refuses new deployments of it. Migrate: set %s to an offered version (%s) and run `pulumi up`; %s",
			c.key("modelVersion"), m.Name, m.Version, cfg.Location, m.DeploymentName, c.key("modelVersion"), strings.Join(versions, "; "), fixModel)
		return
	}
	if found == nil {
		c.problem("config %s: %q of %s is not offered in %s; offered: %s; %s",
			c.key("modelVersion"), m.Version, m.Name, cfg.Location, strings.Join(versions, "; "), fixModel)
		return
	}
	var sku *modelSku
	var skus []string
	for i, s := range found.Model.Skus {
		skus = append(skus, s.Name)
		if strings.EqualFold(s.Name, m.SkuName) {
			sku = &found.Model.Skus[i]
		}
	}
	now := c.now()
	why, closed := closedReason(*found, sku, now)
	if closed && !c.closedButRunning(why, retirement(*found, sku), openVersions(list.Value, m, now), fixModel) {
		return
	}
	if sku == nil {
		c.problem("config %s: %q is not offered for %s %s in %s; offered SKUs: %s", c.key("deploymentSku"), m.SkuName, m.Name, m.Version, cfg.Location, strings.Join(skus, ", "))
		return
	}
	if when, soon := retiring(*found, sku, now); soon && !closed {
		c.warn("preflight: config %s: %s %s retires on %s (in %d days); deployments of it stop working then. Plan a newer version: %s",
			c.key("modelVersion"), m.Name, m.Version, when.Format("2006-01-02"), int(when.Sub(now).Hours()/24), strings.Join(openVersions(list.Value, m, now), "; "))
	}
	if sku.Capacity.Maximum > 0 && (m.Capacity > sku.Capacity.Maximum || m.Capacity < sku.Capacity.Minimum) {
		c.problem("config %s: %d is outside what %s %s offers with %s: %d to %d", c.key("deploymentCapacity"), m.Capacity, m.Name, m.Version, sku.Name, sku.Capacity.Minimum, sku.Capacity.Maximum)
		return
	}
	if sku.UsageName != "" {
		c.quota(sku.UsageName, list.Value)
	}
}
