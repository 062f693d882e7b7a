package dataplane

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

func (s *Server) openIDConfiguration(w http.ResponseWriter, r *http.Request) {
	t := r.PathValue("tenant")
	base := s.URL + "/" + t
	writeJSON(w, http.StatusOK, map[string]any{
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              base + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                base + "/v2.0",
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     s.URL + "/oidc/userinfo",
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         base + "/oauth2/v2.0/devicecode",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"end_session_endpoint":                  base + "/oauth2/v2.0/logout",
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nbf", "tid", "oid"},
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
	})
}

// instanceDiscovery answers as AAD's /common/discovery/instance does, so
// a client that validates its authority learns this server's endpoints.
func (s *Server) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	tenant := standin.TenantID
	if ae, err := url.Parse(r.URL.Query().Get("authorization_endpoint")); err == nil {
		if parts := strings.Split(strings.Trim(ae.Path, "/"), "/"); len(parts) > 0 && parts[0] != "" {
			tenant = parts[0]
		}
	}
	host := strings.TrimPrefix(s.URL, "https://")
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": s.URL + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	})
}

// aadError writes an error as Microsoft Entra ID does.
func (s *Server) aadError(w http.ResponseWriter, status int, code, aadsts string, format string, args ...any) {
	now := s.cfg.Now().UTC()
	trace, corr := guid(), guid()
	msg := fmt.Sprintf(format, args...)
	n := 0
	fmt.Sscanf(aadsts, "%d", &n)
	detail(w, fmt.Sprintf("AADSTS%s: %s", aadsts, msg))
	writeJSON(w, status, map[string]any{
		"error": code,
		"error_description": fmt.Sprintf("AADSTS%s: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			aadsts, msg, trace, corr, now.Format("2006-01-02 15:04:05Z")),
		"error_codes":    []int{n},
		"timestamp":      now.Format("2006-01-02 15:04:05Z"),
		"trace_id":       trace,
		"correlation_id": corr,
		"error_uri":      s.URL + "/error?code=" + aadsts,
	})
}

func guid() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// token exchanges a federated assertion (a service account token) for an
// access token, as Entra ID does for a managed identity's federated
// identity credential.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.aadError(w, 400, "invalid_request", "900144", "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	tenant := r.PathValue("tenant")
	clientID := r.PostForm.Get("client_id")
	switch {
	case tenant != standin.TenantID:
		s.aadError(w, 400, "invalid_request", "90002", "Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)
		return
	case r.PostForm.Get("grant_type") != "client_credentials":
		s.aadError(w, 400, "unsupported_grant_type", "70003", "The app requested an unsupported grant type '%s'.", r.PostForm.Get("grant_type"))
		return
	case r.PostForm.Get("client_assertion_type") != jwtBearer || r.PostForm.Get("client_assertion") == "":
		s.aadError(w, 401, "invalid_client", "7000218", "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
		return
	}
	scope := r.PostForm.Get("scope")
	resource, ok := "", false
	for _, sc := range strings.Fields(scope) {
		if r, cut := strings.CutSuffix(sc, "/.default"); cut {
			resource, ok = r, true
		}
	}
	if !ok {
		s.aadError(w, 400, "invalid_scope", "1002012", "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)
		return
	}

	var identity *standin.Object
	var fics []*standin.Object
	err := s.store.View(func(st *standin.State) error {
		ids := st.Find("UserAssignedIdentity", func(o *standin.Object) bool { return strings.EqualFold(o.Output("clientId"), clientID) })
		if len(ids) == 0 {
			return nil
		}
		identity = ids[0]
		prefix := strings.ToLower(identity.ID) + "/federatedidentitycredentials/"
		fics = st.Find("FederatedIdentityCredential", func(o *standin.Object) bool { return strings.HasPrefix(strings.ToLower(o.ID), prefix) })
		return nil
	})
	if err != nil {
		s.aadError(w, 500, "server_error", "50000", "There was an error issuing a token: %v", err)
		return
	}
	if identity == nil {
		s.aadError(w, 400, "unauthorized_client", "700016", "Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.", clientID, tenant)
		return
	}

	claims, err := s.verify(r.Context(), r.PostForm.Get("client_assertion"))
	if err != nil {
		var ae *assertionError
		if errors.As(err, &ae) {
			s.aadError(w, 400, ae.code, ae.aadsts, "%s", ae.msg)
		} else {
			s.aadError(w, 400, "invalid_client", "50166", "Request to External OIDC endpoint failed: %v", err)
		}
		return
	}
	iss, sub, auds := claims.Iss, claims.Sub, claims.Aud
	const hint = "Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation"
	issuerKnown, subjectKnown, subjectCase, propagating := false, false, false, false
	for _, f := range fics {
		if f.Input("issuer") != iss {
			continue
		}
		issuerKnown = true
		if f.Input("subject") != sub {
			subjectCase = subjectCase || strings.EqualFold(f.Input("subject"), sub)
			continue
		}
		subjectKnown = true
		for _, a := range audiences(f) {
			if !slices.Contains(auds, a) {
				continue
			}
			// A new credential is not yet in every directory replica.
			if s.propagating(f.Created, false) {
				propagating = true
				continue
			}
			s.issue(w, identity, resource, tenant)
			return
		}
	}
	switch {
	case propagating:
		s.ficPropagating(w, sub, hint)
	case !issuerKnown:
		s.aadError(w, 400, "invalid_client", "700211", "No matching federated identity record found for presented assertion issuer '%s'. %s", iss, hint)
	case !subjectKnown && subjectCase:
		s.aadError(w, 400, "invalid_client", "7002138", "No matching federated identity record found for presented assertion subject '%s'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison. %s", sub, hint)
	case !subjectKnown:
		s.aadError(w, 400, "invalid_client", "700213", "No matching federated identity record found for presented assertion subject '%s'. %s", sub, hint)
	default:
		s.aadError(w, 400, "invalid_client", "700212", "No matching federated identity record found for presented assertion audience '%s'. %s", strings.Join(auds, ","), hint)
	}
}

func audiences(fic *standin.Object) []string {
	var out []string
	if list, ok := fic.Inputs["audiences"].([]any); ok {
		for _, a := range list {
			if s, ok := a.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

func (s *Server) issue(w http.ResponseWriter, identity *standin.Object, resource, tenant string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	tok := "standin." + hex.EncodeToString(b[:])
	s.mu.Lock()
	s.tokens[tok] = accessToken{
		clientID: identity.Output("clientId"), principalID: identity.Output("principalId"),
		resource: resource, expires: s.cfg.Now().Add(time.Hour),
	}
	s.mu.Unlock()
	detail(w, "token issued to clientId="+identity.Output("clientId")+" for "+resource)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": tok,
	})
}
