package standin

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Registered tells a namespace's registration state ("NotRegistered" for
// one the catalog does not list, as ARM answers for an unknown one).
func (c *Catalog) Registered(ns string) string {
	for _, p := range c.Providers {
		if strings.EqualFold(p.Namespace, ns) {
			return p.RegistrationState
		}
	}
	return "NotRegistered"
}

// Region returns a region's offer (nil when the catalog has none).
func (c *Catalog) Region(loc string) *Region {
	return c.Regions[strings.ToLower(strings.ReplaceAll(loc, " ", ""))]
}

// Model finds a model by format, name and version.
func (r *Region) Model(format, name, version string) *AccountModel {
	if r == nil {
		return nil
	}
	for i := range r.Models {
		m := &r.Models[i].Model
		if strings.EqualFold(m.Format, format) && m.Name == name && m.Version == version {
			return m
		}
	}
	return nil
}

// Sku finds one of the model's SKUs by name.
func (m *AccountModel) Sku(name string) *ModelSku {
	for i := range m.Skus {
		if strings.EqualFold(m.Skus[i].Name, name) {
			return &m.Skus[i]
		}
	}
	return nil
}

// Closed tells whether a model's SKU is closed to new deployments at now,
// and why: a Deprecating or Deprecated lifecycle, or a past inference or
// SKU deprecation date.
func (m *AccountModel) Closed(sku *ModelSku, now time.Time) (string, bool) {
	if m.LifecycleStatus == "Deprecating" || m.LifecycleStatus == "Deprecated" {
		return "its lifecycle status is " + m.LifecycleStatus, true
	}
	if m.Deprecation != nil {
		if t, err := time.Parse(time.RFC3339, m.Deprecation.Inference); err == nil && !now.Before(t) {
			return "it was retired on " + t.Format("2006-01-02"), true
		}
	}
	if sku != nil {
		if t, err := time.Parse(time.RFC3339, sku.DeprecationDate); err == nil && !now.Before(t) {
			return "its " + sku.Name + " SKU was deprecated on " + t.Format("2006-01-02"), true
		}
	}
	return "", false
}

// Usage finds a usage by name.
func (r *Region) Usage(name string) *Usage {
	if r == nil {
		return nil
	}
	for i := range r.Usages {
		if strings.EqualFold(r.Usages[i].Name.Value, name) {
			return &r.Usages[i]
		}
	}
	return nil
}

// Offered lists a region's models as "name version (SKU, SKU)" lines.
func (r *Region) Offered(format string) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, e := range r.Models {
		if !strings.EqualFold(e.Model.Format, format) {
			continue
		}
		var skus []string
		for _, s := range e.Model.Skus {
			skus = append(skus, s.Name)
		}
		out = append(out, fmt.Sprintf("%s %s (%s)", e.Model.Name, e.Model.Version, strings.Join(skus, ", ")))
	}
	slices.Sort(out)
	return out
}
