package preflight

import (
	"fmt"
	"net/url"
	"strings"
)

// quota: the capacity fits what is left of the quota; the stack's own
// deployment's current capacity counts as available, so a no-change `up`
// of a stack that uses all of it is not refused. models is the region's
// models list, which names each SKU's usage.
func (c *checker) quota(usageName string, models []modelEntry) {
	m, cfg := c.in.Config.Model, c.in.Config
	var usages struct {
		Value []struct {
			Name         struct{ Value, LocalizedValue string }
			CurrentValue float64
			Limit        float64
		}
	}
	path := c.sub() + "/providers/Microsoft.CognitiveServices/locations/" + cfg.Location + "/usages"
	if err := c.get(path, url.Values{"api-version": {apiCognitive}}, &usages); err != nil {
		c.skipped("quota", "read the region's Cognitive Services usages", err)
		return
	}
	for _, u := range usages.Value {
		if !strings.EqualFold(u.Name.Value, usageName) {
			continue
		}
		left := int(u.Limit - u.CurrentValue)
		if m.Capacity <= left {
			return
		}
		// Only over what is free: does the stack's own deployment hold
		// the difference?
		st := c.stack()
		if st.deploymentsErr != nil {
			c.skipped("quota", "read this stack's deployment, whose capacity counts as available", st.deploymentsErr)
			c.warn("preflight: config %s: %d is more than the %d left of quota %s in %s (limit %d, in use %d); not refused, as this stack's own deployment, which may hold the rest, could not be read",
				c.key("deploymentCapacity"), m.Capacity, max(left, 0), usageName, cfg.Location, int(u.Limit), int(u.CurrentValue))
			return
		}
		own := 0
		for _, d := range st.deployments {
			if countsAgainst(d, models, usageName) {
				own += d.Sku.Capacity
			}
		}
		available := left + own
		if m.Capacity <= available {
			return
		}
		held := ""
		if own > 0 {
			held = fmt.Sprintf(", of which this stack's deployment holds %d", own)
		}
		c.problem("config %s: %d is more than the %d left of quota %s in %s (limit %d, in use %d%s); lower %s, or request more quota (Azure AI Foundry portal, Quota) or pick another region",
			c.key("deploymentCapacity"), m.Capacity, max(available, 0), usageName, cfg.Location, int(u.Limit), int(u.CurrentValue), held, c.key("deploymentCapacity"))
		return
	}
}

// countsAgainst tells whether a deployment counts against the usage. Usage
// names do not always spell the model's name (Azure names gpt-4.1-mini's
// OpenAI.GlobalStandard.gpt4.1-mini, gpt-4o-mini's
// OpenAI.GlobalStandard.gpt-4o-mini), so the name is the one the region's
// models list gives the model's SKU, for any of its versions: a quota is
// per model and deployment type, not per version (Learn, "Manage Azure
// OpenAI quota"). The usage checked comes from that list too, so a model
// it does not list cannot share it.
func countsAgainst(d ownDeployment, models []modelEntry, usageName string) bool {
	dm := d.Properties.Model
	for _, e := range models {
		if !strings.EqualFold(e.Model.Format, dm.Format) || e.Model.Name != dm.Name {
			continue
		}
		for _, s := range e.Model.Skus {
			if strings.EqualFold(s.Name, d.Sku.Name) && s.UsageName != "" {
				return strings.EqualFold(s.UsageName, usageName)
			}
		}
	}
	return false
}
