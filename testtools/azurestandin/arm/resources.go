package arm

import (
	"net/http"
	"slices"
	"strings"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// resources lists the subscription's resources with a tag (GET
// /subscriptions/{s}/resources?$filter=tagName eq 'k' and tagValue eq 'v').
func (h *Handler) resources(w http.ResponseWriter, r *http.Request) {
	filter := r.URL.Query().Get("$filter")
	m := tagFilter.FindStringSubmatch(filter)
	if m == nil {
		armError(w, http.StatusBadRequest, "InvalidFilter", "The filter '%s' is not supported; only tagName eq '<name>' and tagValue eq '<value>' is.", filter)
		return
	}
	out := []map[string]any{}
	err := h.Store.View(func(s *standin.State) error {
		for _, o := range s.Objects {
			tags, _ := o.Inputs["tags"].(map[string]any)
			if v, ok := tags[m[1]].(string); !ok || v != m[2] || standin.ShortType(o.Type) == "ResourceGroup" {
				continue
			}
			typ, name := armTypeOf(o.ID)
			out = append(out, map[string]any{"id": o.ID, "name": name, "type": typ, "location": o.Input("location"), "tags": tags})
		}
		return nil
	})
	if err != nil {
		armError(w, http.StatusInternalServerError, "InternalServerError", "%v", err)
		return
	}
	slices.SortFunc(out, func(a, b map[string]any) int { return strings.Compare(a["id"].(string), b["id"].(string)) })
	writeJSON(w, http.StatusOK, map[string]any{"value": out})
}

// armTypeOf is "Microsoft.X/type[/child]" and the last name of an ARM id.
func armTypeOf(id string) (string, string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	typ := ""
	for i := 0; i+2 < len(parts); i++ {
		if strings.EqualFold(parts[i], "providers") {
			typ = parts[i+1]
			for j := i + 2; j < len(parts); j += 2 {
				typ += "/" + parts[j]
			}
		}
	}
	return typ, parts[len(parts)-1]
}

// object reads one stored object by its ARM id; false when the state
// could not be read (the answer is then written).
func (h *Handler) object(w http.ResponseWriter, path string) (*standin.Object, bool) {
	var obj *standin.Object
	err := h.Store.View(func(s *standin.State) error {
		obj = s.Get(path)
		return nil
	})
	if err != nil {
		armError(w, http.StatusInternalServerError, "InternalServerError", "%v", err)
		return nil, false
	}
	return obj, true
}

func (h *Handler) deployment(w http.ResponseWriter, path string) {
	obj, ok := h.object(w, path)
	if !ok {
		return
	}
	if obj == nil {
		armError(w, http.StatusNotFound, "DeploymentNotFound", "The deployment '%s' was not found.", path[strings.LastIndex(path, "/")+1:])
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": obj.ID, "name": obj.Input("deploymentName"), "type": "Microsoft.CognitiveServices/accounts/deployments",
		"sku": obj.Inputs["sku"], "properties": obj.Outputs["properties"],
	})
}

// subscription is Subscriptions_Get (resources 2022-12-01,
// GetSubscription.json): the subscription, enabled, in the stand-in's
// tenant.
func subscription(w http.ResponseWriter, sub string) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "/subscriptions/" + sub, "subscriptionId": sub, "tenantId": standin.TenantID,
		"displayName": "stand-in subscription " + sub, "state": "Enabled",
		"subscriptionPolicies": map[string]any{"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
	})
}
