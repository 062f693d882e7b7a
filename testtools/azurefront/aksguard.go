package azurefront

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// AKS checks Microsoft Entra tokens and Azure RBAC through webhooks in
// front of the API server (Learn, "Use Azure role-based access control
// for Kubernetes Authorization", aks/manage-azure-rbac: "the AKS cluster
// ... webhook token authentication and ... webhook authorization"). The
// local API server calls these two (testtools/cluster/up.sh:
// --authentication-token-webhook-config-file and
// --authorization-webhook-config-file) at the local Azure's address:
//
//   - /aks-guard/authenticate, a TokenReview: a token getClientToken
//     issued for AKS's server application, found unexpired in a world's
//     state, is its caller (CallerPrincipal);
//   - /aks-guard/authorize, a SubjectAccessReview: the request's data
//     action over the cluster, or the namespace, decided from the caller's
//     role assignments and the built-in roles' DataActions.
//
// A user no world knows, and non-resource requests (discovery, which
// Kubernetes RBAC's system:discovery allows), get no opinion.

const (
	pathAuthenticate = "/aks-guard/authenticate"
	pathAuthorize    = "/aks-guard/authorize"
)

// denied is the reason AKS gives (Kubernetes adds "User ... cannot <verb>
// resource ...:" before it); the data action after it is the stand-in's,
// so a refusal says what role would allow it.
const denied = "User does not have access to the resource in Azure. Update role assignment to allow access."

// Decision is one authorization the guard made.
type Decision struct {
	User, Action, Scope string
	Allowed             bool
}

// Decisions are the guard's decisions so far, oldest first.
func (f *Front) Decisions() []Decision {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Decision(nil), f.decisions...)
}

func (f *Front) guard(w http.ResponseWriter, r *http.Request, all []*backend) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var review map[string]any
	if err := json.Unmarshal(body, &review); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	spec, _ := review["spec"].(map[string]any)
	switch r.URL.Path {
	case pathAuthenticate:
		now := time.Now
		if f.Now != nil {
			now = f.Now
		}
		review["status"] = authenticate(all, spec, now())
	case pathAuthorize:
		status, d := authorize(all, spec)
		if d != nil {
			f.mu.Lock()
			f.decisions = append(f.decisions, *d)
			f.mu.Unlock()
		}
		review["status"] = status
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(review)
}

// authenticate is the TokenReview's status.
func authenticate(all []*backend, spec map[string]any, now time.Time) map[string]any {
	token, _ := spec["token"].(string)
	if !strings.HasPrefix(token, standin.AKSTokenPrefix) {
		return map[string]any{"authenticated": false}
	}
	for _, b := range all {
		var tok standin.EntraToken
		found := false
		_ = b.store.View(func(st *standin.State) error {
			tok, found = st.EntraTokens[token]
			return nil
		})
		if !found {
			continue
		}
		if now.After(tok.Expires) {
			return map[string]any{"authenticated": false, "error": "the Entra token expired at " + tok.Expires.UTC().Format(time.RFC3339)}
		}
		status := map[string]any{"authenticated": true, "user": map[string]any{
			"username": tok.Principal, "uid": tok.Principal,
			"extra": map[string]any{"oid": []string{tok.Principal}},
		}}
		// The audiences the API server asked for: the token is for the
		// cluster (AKS's server application), whichever they are.
		if auds, ok := spec["audiences"]; ok {
			status["audiences"] = auds
		}
		return status
	}
	return map[string]any{"authenticated": false, "error": "not a token the local Entra issued"}
}

// authorize is the SubjectAccessReview's status, and the decision made
// (nil when the guard has no opinion).
func authorize(all []*backend, spec map[string]any) (map[string]any, *Decision) {
	noOpinion := map[string]any{"allowed": false}
	user, _ := spec["user"].(string)
	attrs, ok := spec["resourceAttributes"].(map[string]any)
	if !ok || user == "" {
		return noOpinion, nil
	}
	s := func(k string) string { v, _ := attrs[k].(string); return v }
	req := standin.KubeRequest{Verb: s("verb"), Group: s("group"), Resource: s("resource"), Subresource: s("subresource"), Namespace: s("namespace")}
	for _, b := range all {
		grants, clusters, known := principal(b, user)
		if !known {
			continue
		}
		d := &Decision{User: user, Action: req.DataAction()}
		for _, c := range clusters {
			d.Scope = req.Scope(c)
			if standin.AuthorizeData(grants, d.Action, d.Scope) == nil {
				d.Allowed = true
				return map[string]any{"allowed": true}, d
			}
		}
		return map[string]any{"allowed": false, "denied": true,
			"reason": fmt.Sprintf("%s (data action %s)", denied, d.Action)}, d
	}
	return noOpinion, nil
}

// principal finds user's role assignments in a world, and the ids of the
// world's clusters with Azure RBAC on: the one local API server stands for
// each of them.
func principal(b *backend, user string) (grants []standin.DataGrant, clusters []string, known bool) {
	_ = b.store.View(func(st *standin.State) error {
		for _, t := range st.EntraTokens {
			if t.Principal == user {
				grants, known = t.Grants, true
				break
			}
		}
		for _, c := range st.Find("ManagedCluster", nil) {
			if rbac, _ := c.Inputs["aadProfile"].(map[string]any); rbac != nil && rbac["enableAzureRBAC"] == true {
				clusters = append(clusters, c.ID)
			}
		}
		return nil
	})
	return grants, clusters, known
}
