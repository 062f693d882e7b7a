package preflight

import (
	"fmt"
	"net/url"
	"strings"
)

// quota: the capacity fits what is left of the quota; the stack's own
// deployment's current capacity counts as available, so a no-change `up`
// of a stack that uses all of it is not refused.
func (c *checker) quota(usageName string) {
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
		own, err := c.ownCapacity(usageName)
		if err != nil {
			c.skipped("quota (this stack's current deployment)", "read this stack's resources", err)
		}
		available := int(u.Limit-u.CurrentValue) + own
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

// ownCapacity is the current capacity of this stack's deployment (the one
// the program would update) when it counts against usageName: found
// through the stack's tags (project, stack) on its OpenAI account, read
// from ARM. Zero on a new stack.
func (c *checker) ownCapacity(usageName string) (int, error) {
	var res struct {
		Value []struct {
			ID, Type, Location string
			Tags               map[string]string
		}
	}
	q := url.Values{"api-version": {apiResources}, "$filter": {fmt.Sprintf("tagName eq 'project' and tagValue eq '%s'", c.in.Project)}}
	if err := c.get(c.sub()+"/resources", q, &res); err != nil {
		return 0, err
	}
	total := 0
	for _, r := range res.Value {
		if !strings.EqualFold(r.Type, "Microsoft.CognitiveServices/accounts") || r.Tags["stack"] != c.in.Stack || !strings.EqualFold(r.Location, c.in.Config.Location) {
			continue
		}
		var d struct {
			Sku struct {
				Name     string
				Capacity int
			}
			Properties struct {
				Model struct{ Format, Name, Version string }
			}
		}
		err := c.get(r.ID+"/deployments/"+url.PathEscape(c.in.Config.Model.DeploymentName), url.Values{"api-version": {apiCognitive}}, &d)
		var re *readError
		if err != nil && asReadError(err, &re) && re.status == 404 {
			continue
		}
		if err != nil {
			return 0, err
		}
		// Usage names are OpenAI.<SKU>.<model>.
		if strings.EqualFold(usageName, "OpenAI."+d.Sku.Name+"."+d.Properties.Model.Name) {
			total += d.Sku.Capacity
		}
	}
	return total, nil
}
