// Package arm is the stand-in's Azure Resource Manager read API: the GETs
// a preflight makes before it changes anything (regions, Cognitive Services
// models and quotas, AKS versions, VM sizes, provider registration, and the
// stack's own resources), served from the stand-in's catalog
// (standin/catalog.json and its knobs) and its state, in the REST specs'
// response shapes. See ../README.md.
package arm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Reads are the names AZURE_STANDIN_FORBIDDEN_READS takes, with the
// action a 403 names.
var Reads = map[string]string{
	"subscription":       "Microsoft.Resources/subscriptions/read",
	"locations":          "Microsoft.Resources/subscriptions/locations/read",
	"providers":          "Microsoft.Resources/subscriptions/providers/read",
	"models":             "Microsoft.CognitiveServices/locations/models/read",
	"usages":             "Microsoft.CognitiveServices/locations/usages/read",
	"kubernetesVersions": "Microsoft.ContainerService/locations/kubernetesVersions/read",
	"skus":               "Microsoft.Compute/skus/read",
	"resources":          "Microsoft.Resources/subscriptions/resources/read",
	"deployments":        "Microsoft.CognitiveServices/accounts/deployments/read",
	"managedClusters":    "Microsoft.ContainerService/managedClusters/read",
	"computeUsages":      "Microsoft.Compute/locations/usages/read",
}

// Handler serves the reads. Getenv reads the catalog knobs
// (AZURE_STANDIN_CATALOG, AZURE_STANDIN_UNREGISTERED_PROVIDERS,
// AZURE_STANDIN_FORBIDDEN_READS, AZURE_STANDIN_CLOCK_OFFSET,
// AZURE_STANDIN_VCPU_LIMIT) on every request; Now is the clock (time.Now
// when nil).
type Handler struct {
	Store  standin.Store
	Getenv func(string) string
	Now    func() time.Time
}

var (
	subscriptionPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)$`)
	locationsPath    = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/locations$`)
	providerPath     = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/([^/]+)$`)
	regionalPath     = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/(Microsoft\.CognitiveServices|Microsoft\.ContainerService)/locations/([^/]+)/(models|usages|kubernetesVersions)$`)
	skusPath         = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/Microsoft\.Compute/skus$`)
	resourcesPath    = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/resources$`)
	deploymentPath   = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/resourceGroups/[^/]+/providers/Microsoft\.CognitiveServices/accounts/[^/]+/deployments/[^/]+$`)
	locationFilter   = regexp.MustCompile(`(?i)^\s*location\s+eq\s+'([^']*)'\s*$`)
	tagFilter        = regexp.MustCompile(`(?i)^\s*tagName\s+eq\s+'([^']*)'\s+and\s+tagValue\s+eq\s+'([^']*)'\s*$`)
	regionalActions  = map[string]string{"models": "models", "usages": "usages", "kubernetesversions": "kubernetesVersions"}
)

func (h *Handler) getenv(k string) string {
	if h.Getenv == nil {
		return ""
	}
	return h.Getenv(k)
}

// armError writes ARM's error envelope.
func armError(w http.ResponseWriter, status int, code, format string, args ...any) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": fmt.Sprintf(format, args...)}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		armError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The stand-in's ARM API serves reads only, not %s.", r.Method)
		return
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		armError(w, http.StatusUnauthorized, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.")
		return
	}
	if tok, ok := strings.CutPrefix(auth, "Bearer "); !ok || !strings.HasPrefix(tok, standin.ARMTokenPrefix) {
		armError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid.")
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		armError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	cat, err := h.catalog(w)
	if err != nil {
		armError(w, http.StatusInternalServerError, "InternalServerError", "%v", err)
		return
	}
	path := strings.TrimSuffix(r.URL.Path, "/")
	var read, sub string
	var serve func()
	switch {
	case subscriptionPath.MatchString(path):
		sub, read = subscriptionPath.FindStringSubmatch(path)[1], "subscription"
		serve = func() { subscription(w, sub) }
	case locationsPath.MatchString(path):
		sub, read = locationsPath.FindStringSubmatch(path)[1], "locations"
		serve = func() { h.locations(w, cat, sub) }
	case regionalPath.MatchString(path):
		m := regionalPath.FindStringSubmatch(path)
		sub, read = m[1], regionalActions[strings.ToLower(m[4])]
		serve = func() { h.regional(w, cat, m[2], m[3], read) }
	case skusPath.MatchString(path):
		sub, read = skusPath.FindStringSubmatch(path)[1], "skus"
		serve = func() { h.skus(w, r, cat) }
	case providerPath.MatchString(path):
		m := providerPath.FindStringSubmatch(path)
		sub, read = m[1], "providers"
		serve = func() { h.provider(w, cat, sub, m[2]) }
	case resourcesPath.MatchString(path):
		sub, read = resourcesPath.FindStringSubmatch(path)[1], "resources"
		serve = func() { h.resources(w, r) }
	case clusterPath.MatchString(path):
		sub, read = clusterPath.FindStringSubmatch(path)[1], "managedClusters"
		serve = func() { h.cluster(w, path) }
	case computeUsagesPath.MatchString(path):
		m := computeUsagesPath.FindStringSubmatch(path)
		sub, read = m[1], "computeUsages"
		serve = func() { h.computeUsages(w, cat, m[2]) }
	case deploymentPath.MatchString(path):
		sub, read = deploymentPath.FindStringSubmatch(path)[1], "deployments"
		serve = func() { h.deployment(w, path) }
	default:
		armError(w, http.StatusNotFound, "NotFound", "The stand-in's ARM API does not serve %s.", path)
		return
	}
	if !standin.KnownSubscription(h.getenv, sub) {
		armError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '%s' could not be found.", sub)
		return
	}
	if slices.ContainsFunc(standin.List(h.getenv(standin.EnvForbiddenReads)), func(s string) bool { return strings.EqualFold(s, read) }) {
		armError(w, http.StatusForbidden, "AuthorizationFailed",
			"The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' or the scope is invalid. If access was recently granted, please refresh your credentials.",
			standin.ObjectID, standin.ObjectID, Reads[read], path)
		return
	}
	serve()
}

func (h *Handler) locations(w http.ResponseWriter, cat *standin.Catalog, sub string) {
	var out []map[string]any
	for _, l := range cat.Locations {
		out = append(out, map[string]any{
			"id":   "/subscriptions/" + sub + "/locations/" + l.Name,
			"name": l.Name, "displayName": l.DisplayName, "regionalDisplayName": l.RegionalDisplayName,
			"type": "Region", "metadata": map[string]any{"regionType": "Physical", "regionCategory": "Recommended"},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

// known tells whether a location is one of the subscription's regions.
func known(cat *standin.Catalog, loc string) bool {
	return slices.ContainsFunc(cat.Locations, func(l standin.Location) bool { return strings.EqualFold(l.Name, loc) })
}

func (h *Handler) regional(w http.ResponseWriter, cat *standin.Catalog, ns, loc, read string) {
	if (read == "kubernetesVersions") != strings.EqualFold(ns, "Microsoft.ContainerService") {
		armError(w, http.StatusNotFound, "NotFound", "%s has no %s.", ns, read)
		return
	}
	if !known(cat, loc) {
		armError(w, http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type '%s/locations'.", loc, ns)
		return
	}
	region := cat.Region(loc)
	if region == nil {
		region = &standin.Region{}
	}
	switch read {
	case "models":
		writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(region.Models)})
	case "usages":
		usages := slices.Clone(region.Usages)
		err := h.Store.View(func(s *standin.State) error {
			for i := range usages {
				usages[i].CurrentValue += standin.DeploymentUsage(s, cat, loc, usages[i].Name.Value, "")
			}
			return nil
		})
		if err != nil {
			armError(w, http.StatusInternalServerError, "InternalServerError", "%v", err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(usages)})
	case "kubernetesVersions":
		writeJSON(w, http.StatusOK, map[string]any{"values": nonNil(region.KubernetesVersions)})
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (h *Handler) skus(w http.ResponseWriter, r *http.Request, cat *standin.Catalog) {
	filter := r.URL.Query().Get("$filter")
	var loc string
	if filter != "" {
		m := locationFilter.FindStringSubmatch(filter)
		if m == nil {
			armError(w, http.StatusBadRequest, "InvalidFilter", "The filter '%s' is not supported; only location eq '<location>' is.", filter)
			return
		}
		loc = m[1]
	}
	var out []standin.VMSku
	for name, region := range cat.Regions {
		if loc == "" || strings.EqualFold(name, loc) {
			out = append(out, region.VMSkus...)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(out)})
}

func (h *Handler) provider(w http.ResponseWriter, cat *standin.Catalog, sub, ns string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                "/subscriptions/" + sub + "/providers/" + ns,
		"namespace":         ns,
		"registrationState": cat.Registered(ns),
	})
}
