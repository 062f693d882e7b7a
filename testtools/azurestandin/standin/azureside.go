package standin

import (
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EnvAzureChanges lists the changes Azure makes to live resources by
// itself (comma-separated), off by default:
//   - foundryUpgrade: Microsoft upgrades every kind OpenAI account to a
//     Foundry resource, kind AIServices, keeping its name, endpoint,
//     identity and settings (Learn, "Auto-upgrade Azure OpenAI resources to
//     Microsoft Foundry", upgrade-azure-openai-auto);
//   - modelUpgrade: a deployment moves to the catalog's default version of
//     its model: with OnceNewDefaultVersionAvailable when the default is
//     newer, with OnceCurrentVersionExpired once its version's retirement
//     has passed; NoAutoUpgrade never moves (Learn, "Working with models",
//     model deployment upgrade configuration; "Azure OpenAI model versions");
//   - aksUpgrade: a cluster on an auto-upgrade channel moves to what the
//     channel picks from the catalog's Kubernetes versions: patch the
//     latest patch of its minor, stable the latest patch of the newest GA
//     minor but one, rapid the latest patch of the newest GA minor
//     (Learn, "Automatically upgrade an AKS cluster"; the REST spec's
//     UpgradeChannel descriptions); none and node-image keep the version.
//
// Each is applied, when due, at the next call that reaches Azure (a
// create, update, read or invoke of any plugin process), as Azure's own
// schedule would have done it between two runs: time is the clock's, the
// catalog says what is newer, and nothing sleeps.
const EnvAzureChanges = "AZURE_STANDIN_AZURE_CHANGES"

// Kinds of a Cognitive Services account before and after the Foundry upgrade.
const (
	kindOpenAI     = "OpenAI"
	kindAIServices = "AIServices"
)

// foundryUpgraded marks an account Microsoft upgraded (a counter key), so
// it is upgraded once and a write of kind OpenAI is its rollback.
func foundryUpgraded(id string) string { return "foundry-upgraded:" + key(id) }

// azureChanges applies the due changes of EnvAzureChanges to the state.
func (p *Provider) azureChanges() {
	on := List(p.env(EnvAzureChanges))
	if len(on) == 0 {
		return
	}
	cat, err := p.catalog()
	if err != nil {
		return
	}
	// The catalog's dates are on the stand-in's calendar.
	now := p.calendar()
	_ = p.Store.Update(func(s *State) error {
		if slices.Contains(on, "foundryUpgrade") {
			upgradeAccounts(s)
		}
		if slices.Contains(on, "modelUpgrade") {
			upgradeModels(s, cat, now)
		}
		if slices.Contains(on, "aksUpgrade") {
			upgradeClusters(s, cat)
		}
		return nil
	})
}

func upgradeAccounts(s *State) {
	for _, a := range s.Find("Account", nil) {
		if a.Input("kind") != kindOpenAI || s.Counters["foundry-rolled-back:"+key(a.ID)] > 0 {
			continue
		}
		a.Inputs["kind"] = kindAIServices
		a.Outputs["kind"] = kindAIServices
		s.Counters[foundryUpgraded(a.ID)] = 1
	}
}

func upgradeModels(s *State, cat *Catalog, now time.Time) {
	for _, d := range s.Find("Deployment", nil) {
		account := s.Get(strings.SplitN(d.ID, "/deployments/", 2)[0])
		if account == nil {
			continue
		}
		region := cat.Region(account.Input("location"))
		format, name, version := d.Input("properties.model.format"), d.Input("properties.model.name"), d.Input("properties.model.version")
		def := region.defaultVersion(format, name)
		if def == nil || def.Version == version {
			continue
		}
		due := false
		switch d.Input("properties.versionUpgradeOption") {
		case "OnceNewDefaultVersionAvailable":
			due = def.Version > version
		case "OnceCurrentVersionExpired":
			if cur := region.Model(format, name, version); cur != nil && cur.Deprecation != nil {
				t, err := time.Parse(time.RFC3339, cur.Deprecation.Inference)
				due = err == nil && !now.Before(t)
			}
		}
		if due {
			setModelVersion(d.Inputs, def.Version)
			setModelVersion(d.Outputs, def.Version)
		}
	}
}

func setModelVersion(m map[string]any, version string) {
	props, _ := m["properties"].(map[string]any)
	if model, ok := props["model"].(map[string]any); ok {
		model["version"] = version
	}
}

// defaultVersion is the model's version the catalog marks as default.
func (r *Region) defaultVersion(format, name string) *AccountModel {
	if r == nil {
		return nil
	}
	for i := range r.Models {
		m := &r.Models[i].Model
		if strings.EqualFold(m.Format, format) && m.Name == name && m.IsDefaultVersion {
			return m
		}
	}
	return nil
}

func upgradeClusters(s *State, cat *Catalog) {
	for _, c := range s.Find("ManagedCluster", nil) {
		current := c.Output("currentKubernetesVersion")
		target := cat.Region(c.Input("location")).channelTarget(c.Input("autoUpgradeProfile.upgradeChannel"), current)
		if target == "" || compareVersions(target, current) <= 0 {
			continue
		}
		c.Outputs["currentKubernetesVersion"] = target
		// A version written as <major.minor> stays in that form; a full
		// one becomes the version AKS moved to.
		for _, m := range []map[string]any{c.Inputs, c.Outputs} {
			if v, ok := m["kubernetesVersion"].(string); ok {
				m["kubernetesVersion"] = sameForm(v, target)
			}
		}
		if pools, ok := c.Outputs["agentPoolProfiles"].([]any); ok {
			for _, pool := range pools {
				if pm, ok := pool.(map[string]any); ok {
					pm["currentOrchestratorVersion"] = target
					if v, ok := pm["orchestratorVersion"].(string); ok {
						pm["orchestratorVersion"] = sameForm(v, target)
					}
				}
			}
		}
	}
}

// aksVersion is one entry of the catalog's kubernetesVersions.
type aksVersion struct {
	Version       string                     `json:"version"`
	IsPreview     bool                       `json:"isPreview"`
	PatchVersions map[string]json.RawMessage `json:"patchVersions"`
}

// channelTarget is the version an upgrade channel picks for a cluster
// running current ("" for none).
func (r *Region) channelTarget(channel, current string) string {
	if r == nil {
		return ""
	}
	var ga []aksVersion
	for _, raw := range r.KubernetesVersions {
		var v aksVersion
		if json.Unmarshal(raw, &v) == nil && !v.IsPreview {
			ga = append(ga, v)
		}
	}
	sort.Slice(ga, func(i, j int) bool { return compareVersions(ga[i].Version, ga[j].Version) < 0 })
	latestPatch := func(minor string) string {
		best := ""
		for _, v := range ga {
			if v.Version != minor {
				continue
			}
			for p := range v.PatchVersions {
				if best == "" || compareVersions(p, best) > 0 {
					best = p
				}
			}
		}
		return best
	}
	switch {
	case len(ga) == 0:
		return ""
	case channel == "patch":
		return latestPatch(minorOf(current))
	case channel == "rapid":
		return latestPatch(ga[len(ga)-1].Version)
	case channel == "stable" && len(ga) > 1:
		return latestPatch(ga[len(ga)-2].Version)
	}
	return ""
}

func minorOf(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}

func sameForm(was, target string) string {
	if strings.Count(was, ".") == 1 {
		return minorOf(target)
	}
	return target
}

// compareVersions compares dotted versions numerically; a missing part
// counts as 0.
func compareVersions(a, b string) int {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) || i < len(pb); i++ {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
