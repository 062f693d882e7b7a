package standin

import (
	"fmt"
	"time"
)

// The catalog's calendar. Azure's catalog is a moving list: models are
// released, deprecated and retired every month, each with its dates
// (Learn, "Azure OpenAI model deprecations and retirements"). The built-in
// catalog is one reading of it, on its asOf day; the stand-in serves it as
// if that reading were taken today: every lifecycle date moves by the
// whole days from asOf to the stand-in's calendar day (*assumption*: Azure
// keeps its pace, so what is open, retiring or retired today stays so).
// No test then depends on the day it runs, and a clock moved ahead
// (AZURE_STANDIN_CLOCK_OFFSET) shows the same catalog, later.

// EnvClockOffset moves the stand-in's calendar (the catalog's dates and
// the Date of its ARM answers) by a Go duration, e.g. 17544h for two
// years ahead.
const EnvClockOffset = "AZURE_STANDIN_CLOCK_OFFSET"

// Calendar is the stand-in's time: now moved by AZURE_STANDIN_CLOCK_OFFSET.
func Calendar(getenv func(string) string, now time.Time) (time.Time, error) {
	v := getenv(EnvClockOffset)
	if v == "" {
		return now, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return now, fmt.Errorf("%s: %q is not a duration such as 17544h", EnvClockOffset, v)
	}
	return now.Add(d), nil
}

// calendar is the provider's calendar time (a malformed offset is reported
// by LoadCatalog).
func (p *Provider) calendar() time.Time {
	t, _ := Calendar(p.env, p.now())
	return t
}

// shiftDays is how many whole days at is after the catalog's asOf.
func (c *Catalog) shiftDays(at time.Time) (int, error) {
	if c.AsOf == "" {
		return 0, nil
	}
	asOf, err := time.Parse(time.RFC3339, c.AsOf)
	if err != nil {
		return 0, fmt.Errorf("the stand-in's catalog: asOf %q is not an RFC 3339 time", c.AsOf)
	}
	return int(at.Sub(asOf).Hours() / 24), nil
}

// shift moves every lifecycle date of the catalog to the calendar day at.
func (c *Catalog) shift(at time.Time) error {
	days, err := c.shiftDays(at)
	if err != nil || days == 0 {
		return err
	}
	move := func(s *string) {
		if t, err := time.Parse(time.RFC3339, *s); err == nil {
			*s = t.AddDate(0, 0, days).Format(time.RFC3339)
		}
	}
	for _, r := range c.Regions {
		for i := range r.Models {
			m := &r.Models[i].Model
			if m.Deprecation != nil {
				move(&m.Deprecation.FineTune)
				move(&m.Deprecation.Inference)
			}
			for j := range m.Skus {
				move(&m.Skus[j].DeprecationDate)
			}
		}
	}
	c.AsOf = at.UTC().Format(time.RFC3339)
	return nil
}

// CatalogDate is a date of the built-in catalog ("2025-06-06") as the
// stand-in serves it at calendar time at: what a test expects to read.
func CatalogDate(date string, at time.Time) string {
	t, err := time.Parse("2006-01-02", date)
	if err != nil {
		panic(err)
	}
	days, err := BuiltinCatalog().shiftDays(at)
	if err != nil {
		panic(err)
	}
	return t.AddDate(0, 0, days).Format("2006-01-02")
}

// apply applies the knobs that change the loaded catalog.
func (c *Catalog) apply(getenv func(string) string, at time.Time) error {
	if err := c.shift(at); err != nil {
		return err
	}
	if _, err := Calendar(getenv, at); err != nil {
		return err
	}
	return c.limitVCPUs(getenv)
}
