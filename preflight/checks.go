package preflight

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"aks-openai-workload-identity/config"
)

// providersFor are the resource providers the stack writes to, each with
// the config that makes it needed. Resource groups and role assignments
// (Microsoft.Resources, Microsoft.Authorization) are registered in every
// subscription.
func providersFor(cfg *config.Config) [][2]string {
	out := [][2]string{
		{"Microsoft.ContainerService", ""},
		{"Microsoft.CognitiveServices", ""},
		{"Microsoft.ContainerRegistry", ""},
		{"Microsoft.ManagedIdentity", ""},
	}
	if cfg.ConnectionMode == config.ModeServiceConnector {
		// The link itself, and the sc-extension cluster extension Service
		// Connector installs in AKS (Learn, "Use Service Connector in AKS").
		out = append(out, [2]string{"Microsoft.ServiceLinker", "connectionMode"}, [2]string{"Microsoft.KubernetesConfiguration", "connectionMode"})
	}
	return out
}

// providers: every resource provider the stack needs is registered.
func (c *checker) providers() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	missing := map[string]string{}
	for _, p := range providersFor(c.in.Config) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got struct{ RegistrationState string }
			if err := c.get(c.sub()+"/providers/"+p[0], url.Values{"api-version": {apiProviders}}, &got); err != nil {
				c.skipped("resource provider "+p[0], "read resource provider registrations", err)
				return
			}
			if got.RegistrationState != "Registered" {
				mu.Lock()
				missing[p[0]] = got.RegistrationState
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, p := range providersFor(c.in.Config) {
		state, bad := missing[p[0]]
		if !bad {
			continue
		}
		fix := fmt.Sprintf("register it (once per subscription): `az provider register --namespace %s --wait`", p[0])
		if p[1] != "" {
			c.problem("config %s: %q needs resource provider %s, which is %s in subscription %s; %s, or use %s direct",
				c.key(p[1]), c.in.Config.ConnectionMode, p[0], state, c.in.SubscriptionID, fix, c.key(p[1]))
			continue
		}
		c.problem("the stack needs resource provider %s, which is %s in subscription %s; %s", p[0], state, c.in.SubscriptionID, fix)
	}
}

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

// The Compute spec's ResourceSku, with its ResourceSkuRestrictions.
type vmSku struct {
	ResourceType, Name string
	Restrictions       []struct {
		Type       string
		Values     []string
		ReasonCode string
	}
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
			if strings.EqualFold(e.Model.Format, m.Format) && !slices.Contains(names, e.Model.Name) && open(e, c.in.Now()) {
				names = append(names, e.Model.Name)
			}
		}
		c.problem("config %s: %q (format %s) is not offered in %s; closest offered: %s; %s",
			c.key("modelName"), m.Name, m.Format, cfg.Location, strings.Join(closest(m.Name, names, 5), ", "), fixModel)
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
	now := c.in.Now()
	if why, closed := closedReason(*found, sku, now); closed {
		c.problem("config %s: %s %s is closed to new deployments in %s: %s. Pick a version that is open: %s; %s",
			c.key("modelVersion"), m.Name, m.Version, cfg.Location, why, strings.Join(openVersions(list.Value, m, now), "; "), fixModel)
		return
	}
	if sku == nil {
		c.problem("config %s: %q is not offered for %s %s in %s; offered SKUs: %s", c.key("deploymentSku"), m.SkuName, m.Name, m.Version, cfg.Location, strings.Join(skus, ", "))
		return
	}
	if when, soon := retiring(*found, sku, now); soon {
		c.warn("preflight: config %s: %s %s retires on %s (in %d days); deployments of it stop working then. Plan a newer version: %s",
			c.key("modelVersion"), m.Name, m.Version, when.Format("2006-01-02"), int(when.Sub(now).Hours()/24), strings.Join(openVersions(list.Value, m, now), "; "))
	}
	if sku.Capacity.Maximum > 0 && (m.Capacity > sku.Capacity.Maximum || m.Capacity < sku.Capacity.Minimum) {
		c.problem("config %s: %d is outside what %s %s offers with %s: %d to %d", c.key("deploymentCapacity"), m.Capacity, m.Name, m.Version, sku.Name, sku.Capacity.Minimum, sku.Capacity.Maximum)
		return
	}
	if sku.UsageName != "" {
		c.quota(sku.UsageName)
	}
}

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

// versionLine is "gpt-4.1-mini 2025-04-14 (GlobalStandard, Standard)".
func versionLine(e modelEntry) string {
	var skus []string
	for _, s := range e.Model.Skus {
		skus = append(skus, s.Name)
	}
	line := e.Model.Name + " " + e.Model.Version + " (" + strings.Join(skus, ", ") + ")"
	if e.Model.LifecycleStatus != "" {
		line += " " + e.Model.LifecycleStatus
	}
	return line
}

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

// closedReason tells whether new deployments of the model (with the SKU,
// when known) are refused: a Deprecating or Deprecated lifecycle (Azure
// answers ServiceModelDeprecating, "cannot be used for new deployments"),
// or a past retirement (deprecation.inference) or SKU deprecation date.
func closedReason(e modelEntry, sku *modelSku, now time.Time) (string, bool) {
	if t, ok := parseDate(e.Model.Deprecation.Inference); ok && !now.Before(t) {
		return "it was retired on " + t.Format("2006-01-02"), true
	}
	if s := e.Model.LifecycleStatus; s == "Deprecating" || s == "Deprecated" {
		return "its lifecycle status is " + s, true
	}
	if sku != nil {
		if t, ok := parseDate(sku.DeprecationDate); ok && !now.Before(t) {
			return "its " + sku.Name + " SKU was deprecated on " + t.Format("2006-01-02"), true
		}
	}
	return "", false
}

func open(e modelEntry, now time.Time) bool {
	_, closed := closedReason(e, nil, now)
	return !closed
}

// retiring tells when the model (or its SKU) retires, if within RetiringSoon.
func retiring(e modelEntry, sku *modelSku, now time.Time) (time.Time, bool) {
	dates := []string{e.Model.Deprecation.Inference}
	if sku != nil {
		dates = append(dates, sku.DeprecationDate)
	}
	var first time.Time
	for _, d := range dates {
		if t, ok := parseDate(d); ok && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	return first, !first.IsZero() && first.Sub(now) <= RetiringSoon
}

// openVersions lists the versions of the model, else of any model, open to
// new deployments with the configured SKU.
func openVersions(all []modelEntry, m config.Model, now time.Time) []string {
	var same, other []string
	for _, e := range all {
		if !strings.EqualFold(e.Model.Format, m.Format) || !open(e, now) {
			continue
		}
		if e.Model.Name == m.Name {
			same = append(same, versionLine(e))
		} else {
			other = append(other, versionLine(e))
		}
	}
	sort.Strings(same)
	sort.Strings(other)
	if len(same) > 0 {
		return same
	}
	if len(other) > 5 {
		other = other[:5]
	}
	return other
}
