package arm

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

var (
	clusterPath       = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/resourceGroups/[^/]+/providers/Microsoft\.ContainerService/managedClusters/[^/]+$`)
	computeUsagesPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)/providers/Microsoft\.Compute/locations/([^/]+)/usages$`)
)

// catalog loads the catalog on the stand-in's calendar and answers with
// that calendar's Date (RFC 9110: the time the answer was made), as ARM's
// answers carry its clock.
func (h *Handler) catalog(w http.ResponseWriter) (*standin.Catalog, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	at, err := standin.Calendar(h.getenv, now())
	if err != nil {
		return nil, err
	}
	w.Header().Set("Date", at.UTC().Format(http.TimeFormat))
	return standin.LoadCatalog(h.getenv, at)
}

// envelope are a resource's top-level keys in ARM's answer; the rest of
// the stand-in's outputs (azure-native flattens properties) go back under
// properties. The SDK's own inputs are not part of ARM's answer.
var (
	envelope = []string{"id", "name", "type", "location", "tags", "identity", "sku", "extendedLocation", "systemData"}
	sdkOnly  = []string{"resourceName", "resourceGroupName", "azureApiVersion"}
)

// cluster serves a managed cluster by id (containerservice
// ManagedClusters_Get: properties.kubernetesVersion,
// currentKubernetesVersion, agentPoolProfiles[] with name, count, vmSize).
func (h *Handler) cluster(w http.ResponseWriter, path string) {
	obj, ok := h.object(w, path)
	if !ok {
		return
	}
	if obj == nil || standin.ShortType(obj.Type) != "ManagedCluster" {
		armError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.ContainerService/managedClusters/%s' under resource group was not found.", path[strings.LastIndex(path, "/")+1:])
		return
	}
	out := map[string]any{"id": obj.ID, "name": path[strings.LastIndex(path, "/")+1:], "type": "Microsoft.ContainerService/ManagedClusters",
		"location": obj.Input("location"), "tags": obj.Inputs["tags"]}
	props := map[string]any{}
	for k, v := range obj.Outputs {
		switch {
		case slices.Contains(sdkOnly, k):
		case slices.Contains(envelope, k):
			if _, set := out[k]; !set {
				out[k] = v
			}
		default:
			props[k] = v
		}
	}
	out["properties"] = props
	writeJSON(w, http.StatusOK, out)
}

// computeUsages serves Microsoft.Compute/locations/{l}/usages (compute
// Usage_List, 2024-07-01: value[] of unit, currentValue, limit, name with
// value and localizedValue): the catalog's vCPU usages, their
// currentValue adding the state's clusters' nodes.
func (h *Handler) computeUsages(w http.ResponseWriter, cat *standin.Catalog, loc string) {
	if !known(cat, loc) {
		armError(w, http.StatusBadRequest, "LocationNotAvailableForResourceType", "The provided location '%s' is not available for resource type 'Microsoft.Compute/locations'.", loc)
		return
	}
	region := cat.Region(loc)
	if region == nil {
		region = &standin.Region{}
	}
	usages := slices.Clone(region.ComputeUsages)
	err := h.Store.View(func(s *standin.State) error {
		used := standin.ClusterVCPUs(s, cat, loc)
		for i := range usages {
			usages[i].CurrentValue += used[usages[i].Name.Value]
		}
		return nil
	})
	if err != nil {
		armError(w, http.StatusInternalServerError, "InternalServerError", "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": nonNil(usages)})
}
