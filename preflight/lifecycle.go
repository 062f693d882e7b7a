package preflight

import (
	"sort"
	"strings"
	"time"

	"aks-openai-workload-identity/config"
)

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

// retirement is when the model (or its SKU, when known) retires: the
// first of its dates; zero when it has none.
func retirement(e modelEntry, sku *modelSku) time.Time {
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
	return first
}

// retiring tells when the model (or its SKU) retires, if within retiringSoon.
func retiring(e modelEntry, sku *modelSku, now time.Time) (time.Time, bool) {
	first := retirement(e, sku)
	return first, !first.IsZero() && first.Sub(now) <= retiringSoon
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
