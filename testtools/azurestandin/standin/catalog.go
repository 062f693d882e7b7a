package standin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// The subscription's catalog: what each region offers (Cognitive Services
// models with their lifecycle, quotas, AKS versions, VM sizes) and which
// resource providers are registered. One file, catalog.json, feeds both
// the stand-in's ARM rules (a deployment's model, SKU and quota) and the
// ARM reads it serves (package arm), in the REST specs' response shapes.

// Knobs of the catalog (and EnvUnregisteredProviders, knobs.go); see README.md.
const (
	// EnvCatalog is a catalog file that replaces the built-in one.
	EnvCatalog = "AZURE_STANDIN_CATALOG"
	// EnvForbiddenReads lists ARM reads (comma-separated: locations,
	// models, usages, kubernetesVersions, skus, providers, resources,
	// deployments) the caller may not perform: 403 AuthorizationFailed.
	EnvForbiddenReads = "AZURE_STANDIN_FORBIDDEN_READS"
)

// ARMTokenPrefix starts the ARM tokens getClientToken issues; the stand-in's
// ARM API (package arm) accepts a bearer token only with it.
const ARMTokenPrefix = "standin-arm-token."

//go:embed catalog.json
var builtinCatalog []byte

// Catalog is the subscription's offer, region by region.
type Catalog struct {
	// AsOf is the day the catalog's dates were read (catalog_clock.go).
	AsOf      string                 `json:"asOf,omitempty"`
	Locations []Location             `json:"locations"`
	Providers []ProviderRegistration `json:"providers"`
	Regions   map[string]*Region     `json:"regions"`
}

// Location is one entry of GET /subscriptions/{s}/locations.
type Location struct {
	Name                string `json:"name"`
	DisplayName         string `json:"displayName"`
	RegionalDisplayName string `json:"regionalDisplayName,omitempty"`
}

// ProviderRegistration is a resource provider's registration (GET
// /subscriptions/{s}/providers/{namespace}); the underscore keeps the name
// apart from the plugin's Provider.
type ProviderRegistration struct {
	Namespace         string `json:"namespace"`
	RegistrationState string `json:"registrationState"`
}

// Region is what one region offers.
type Region struct {
	// Models as Microsoft.CognitiveServices/locations/{l}/models lists them.
	Models []CatalogModel `json:"models"`
	// Usages as Microsoft.CognitiveServices/locations/{l}/usages lists
	// them; currentValue is what other deployments (outside the stand-in's
	// state) use, to which the state's deployments are added.
	Usages []Usage `json:"usages"`
	// KubernetesVersions as Microsoft.ContainerService/locations/{l}/kubernetesVersions.
	KubernetesVersions []json.RawMessage `json:"kubernetesVersions"`
	// VMSkus as Microsoft.Compute/skus filtered to the region.
	VMSkus []VMSku `json:"vmSkus"`
	// ComputeUsages as Microsoft.Compute/locations/{l}/usages (vCPUs).
	ComputeUsages []Usage `json:"computeUsages,omitempty"`
}

// CatalogModel is one entry of the models list (spec: Model).
type CatalogModel struct {
	Kind    string       `json:"kind"`
	SkuName string       `json:"skuName"`
	Model   AccountModel `json:"model"`
}

// AccountModel is the spec's AccountModel, the fields the stand-in uses.
type AccountModel struct {
	Format           string            `json:"format"`
	Name             string            `json:"name"`
	Version          string            `json:"version"`
	LifecycleStatus  string            `json:"lifecycleStatus,omitempty"`
	IsDefaultVersion bool              `json:"isDefaultVersion,omitempty"`
	MaxCapacity      int               `json:"maxCapacity,omitempty"`
	Capabilities     map[string]string `json:"capabilities,omitempty"`
	Deprecation      *Deprecation      `json:"deprecation,omitempty"`
	Skus             []ModelSku        `json:"skus"`
}

// Deprecation is the spec's ModelDeprecationInfo: when fine-tuning and
// inference of the model end.
type Deprecation struct {
	FineTune  string `json:"fineTune,omitempty"`
	Inference string `json:"inference,omitempty"`
}

// ModelSku is the spec's ModelSku.
type ModelSku struct {
	Name            string          `json:"name"`
	UsageName       string          `json:"usageName"`
	DeprecationDate string          `json:"deprecationDate,omitempty"`
	Capacity        CapacityRange   `json:"capacity"`
	RateLimits      json.RawMessage `json:"rateLimits,omitempty"`
}

// CapacityRange is the spec's CapacityConfig.
type CapacityRange struct {
	Minimum int `json:"minimum"`
	Maximum int `json:"maximum"`
	Step    int `json:"step,omitempty"`
	Default int `json:"default,omitempty"`
}

// Usage is the spec's Usage.
type Usage struct {
	Name         UsageName `json:"name"`
	CurrentValue int       `json:"currentValue"`
	Limit        int       `json:"limit"`
	Unit         string    `json:"unit"`
}

// UsageName is the spec's MetricName.
type UsageName struct {
	Value          string `json:"value"`
	LocalizedValue string `json:"localizedValue"`
}

// VMSku is the Compute spec's ResourceSku, the fields the stand-in uses.
type VMSku struct {
	ResourceType string            `json:"resourceType"`
	Name         string            `json:"name"`
	Tier         string            `json:"tier,omitempty"`
	Size         string            `json:"size,omitempty"`
	Family       string            `json:"family,omitempty"`
	Locations    []string          `json:"locations"`
	LocationInfo []json.RawMessage `json:"locationInfo,omitempty"`
	Capabilities []json.RawMessage `json:"capabilities,omitempty"`
	Restrictions []SkuRestriction  `json:"restrictions"`
}

// SkuRestriction is the spec's ResourceSkuRestrictions.
type SkuRestriction struct {
	Type            string         `json:"type"`
	Values          []string       `json:"values"`
	RestrictionInfo map[string]any `json:"restrictionInfo,omitempty"`
	ReasonCode      string         `json:"reasonCode"`
}

// LoadCatalog reads AZURE_STANDIN_CATALOG, else the built-in catalog, as
// of the stand-in's calendar day at, and applies
// AZURE_STANDIN_UNREGISTERED_PROVIDERS and AZURE_STANDIN_VCPU_LIMIT.
func LoadCatalog(getenv func(string) string, at time.Time) (*Catalog, error) {
	data := builtinCatalog
	if path := getenv(EnvCatalog); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", EnvCatalog, err)
		}
		data = b
	}
	c := &Catalog{}
	if err := json.Unmarshal(data, c); err != nil {
		return nil, fmt.Errorf("the stand-in's catalog: %w", err)
	}
	if err := c.apply(getenv, at); err != nil {
		return nil, err
	}
	for _, ns := range List(getenv(EnvUnregisteredProviders)) {
		found := false
		for i := range c.Providers {
			if strings.EqualFold(c.Providers[i].Namespace, ns) {
				c.Providers[i].RegistrationState = "NotRegistered"
				found = true
			}
		}
		if !found {
			c.Providers = append(c.Providers, ProviderRegistration{Namespace: ns, RegistrationState: "NotRegistered"})
		}
	}
	return c, nil
}

// BuiltinCatalog is a copy of the built-in catalog, for tests that write
// an override.
func BuiltinCatalog() *Catalog {
	c := &Catalog{}
	if err := json.Unmarshal(builtinCatalog, c); err != nil {
		panic(err)
	}
	return c
}

// List splits a comma-separated knob.
func List(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// catalog is the catalog under the provider's knobs, on its calendar.
func (p *Provider) catalog() (*Catalog, error) {
	return LoadCatalog(p.env, p.calendar())
}

// deploymentOffered applies the catalog to a deployment's PUT: the model
// and version must be offered in the account's region, open to new
// deployments (a new deployment or a model change), with the SKU, and the
// capacity must fit the remaining quota (the deployment's own current
// capacity counts as available).
func (p *Provider) deploymentOffered(c *op) error {
	cat, err := p.catalog()
	if err != nil {
		return err
	}
	acctID, _ := c.k.parent(c.in)
	acct := c.st.Get(acctID)
	if acct == nil {
		return nil
	}
	loc := acct.Input("location")
	format, name, version := gets(c.in, "properties.model.format"), gets(c.in, "properties.model.name"), gets(c.in, "properties.model.version")
	skuName := gets(c.in, "sku.name")
	m := cat.Region(loc).Model(format, name, version)
	if m == nil {
		return armErr(400, "DeploymentModelNotSupported", "The model 'Format: %s, Name: %s, Version: %s, Source: ' of account deployment is not supported.", format, name, version)
	}
	sku := m.Sku(skuName)
	if sku == nil {
		return armErr(400, "InvalidResourceProperties", "The specified SKU '%s' of account deployment is not supported by the model '%s' version: '%s'.", skuName, name, version)
	}
	sameModel := c.old != nil && c.old.Input("properties.model.name") == name && c.old.Input("properties.model.version") == version
	if why, closed := m.Closed(sku, p.calendar()); closed && !sameModel {
		return armErr(400, "ServiceModelDeprecating", "The model 'Format:%s,Name:%s,Version:%s' is in deprecating state and cannot be used for new deployments (%s).", format, name, version, why)
	}
	capacity := 0
	if v, ok := getv(c.in, "sku.capacity").V.(float64); ok {
		capacity = int(v)
	}
	u := cat.Region(loc).Usage(sku.UsageName)
	if u == nil {
		return nil
	}
	used := u.CurrentValue + DeploymentUsage(c.st, cat, loc, sku.UsageName, c.id)
	if available := u.Limit - used; capacity > available {
		return armErr(400, "InsufficientQuota", "This operation require %d new capacity in quota %s, which is bigger than the current available capacity %d. The current quota usage is %d and the quota limit is %d for quota %s.",
			capacity, u.Name.LocalizedValue, max(available, 0), used, u.Limit, u.Name.LocalizedValue)
	}
	return nil
}
