// Package dataplane is the stand-in's Azure data plane: a TLS server on
// 127.0.0.1 that plays Microsoft Entra ID (workload identity federation:
// a Kubernetes service account token for an access token) and Azure OpenAI
// (chat completions with Entra RBAC), reading the Azure resources from the
// stand-in's state. See ../README.md.
package dataplane

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"aks-openai-workload-identity/testtools/azurestandin/arm"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Scope resources the emulated Azure OpenAI accepts tokens for.
const cognitiveServices = "https://cognitiveservices.azure.com"

// Config configures a data plane server.
type Config struct {
	// StateDir is the stand-in's state directory (AZURE_STANDIN_STATE).
	StateDir string
	// KubeAPIServerURL serves /openid/v1/jwks, the keys that sign service
	// account tokens. KubeCAFile is its CA (PEM); Kubeconfig, when set,
	// supplies credentials (and the CA) for that request.
	KubeAPIServerURL string
	KubeCAFile       string
	Kubeconfig       string
	// JWKS replaces the fetch from the API server (tests).
	JWKS func(ctx context.Context) ([]byte, error)
	// RBACDelay: a role assignment works only this long after its creation.
	RBACDelay time.Duration
	// FICDelay: a federated identity credential matches only this long
	// after its creation; before, Entra answers FICCode (AADSTS70021 if
	// empty). DeploymentDelay: the same for a model deployment and Azure
	// OpenAI's 404 DeploymentNotFound. See propagation.go.
	FICDelay, DeploymentDelay time.Duration
	FICCode                   string
	// Log is the file to append a line per request to (AZURE_STANDIN_LOG).
	Log string
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Getenv reads the ARM API's catalog knobs (AZURE_STANDIN_CATALOG,
	// AZURE_STANDIN_UNREGISTERED_PROVIDERS, AZURE_STANDIN_FORBIDDEN_READS);
	// nil reads none.
	Getenv func(string) string
}

// Server is a running data plane.
type Server struct {
	// URL is https://127.0.0.1:PORT, the base of every endpoint: the
	// authority host (AZURE_AUTHORITY_HOST) and, via
	// AZURE_STANDIN_DATAPLANE_URL, each OpenAI account's endpoint
	// URL/<subdomain>/.
	URL string
	// CAFile is the PEM file of the CA that signed the server's
	// certificate; clients trust it (SSL_CERT_FILE).
	CAFile string

	cfg   Config
	store standin.Store
	srv   *http.Server
	ln    net.Listener

	mu     sync.Mutex
	tokens map[string]accessToken
	// fic, rbac and deployment are the propagation delays.
	fic, rbac, deployment time.Duration
	ficCode               string
	jwks                  map[string]any // kid -> public key
}

type accessToken struct {
	clientID, principalID, resource string
	expires                         time.Time
}

// StartConfig starts a data plane.
func StartConfig(cfg Config) (*Server, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("dataplane: no state directory")
	}
	if err := checkFICCode(cmp.Or(cfg.FICCode, FICCodePropagating)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, err
	}
	caPEM, cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(cfg.StateDir, "dataplane-ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL: "https://" + ln.Addr().String(), CAFile: caFile,
		cfg: cfg, store: standin.Store{Dir: cfg.StateDir}, ln: ln,
		tokens: map[string]accessToken{},
		fic:    cfg.FICDelay, rbac: cfg.RBACDelay, deployment: cfg.DeploymentDelay, ficCode: cfg.FICCode,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.openIDConfiguration)
	mux.HandleFunc("GET /{tenant}/discovery/instance", s.instanceDiscovery)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("POST /{subdomain}/openai/v1/chat/completions", s.chat)
	mux.HandleFunc("POST /{subdomain}/openai/deployments/{deployment}/chat/completions", s.chat)
	// Azure Resource Manager's reads, for a preflight (ARM endpoint = URL),
	// under /subscriptions/, which no tenant or account is named.
	armAPI := &arm.Handler{Store: s.store, Getenv: cfg.Getenv}
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subscriptions/") {
			armAPI.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	s.srv = &http.Server{Handler: s.logged(root), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck
	return s, nil
}

// propagating tells whether an object created at created is still
// propagating: not yet seen by Entra (a credential) or by Azure OpenAI's
// authorization (a role assignment, rbac).
func (s *Server) propagating(created time.Time, rbac bool) bool {
	s.mu.Lock()
	delay := s.fic
	if rbac {
		delay = s.rbac
	}
	s.mu.Unlock()
	return s.cfg.Now().Before(created.Add(delay))
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Client is an HTTP client that trusts the server's CA.
func (s *Server) Client() *http.Client {
	pool := x509.NewCertPool()
	if data, err := os.ReadFile(s.CAFile); err == nil {
		pool.AppendCertsFromPEM(data)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, Timeout: 30 * time.Second}
}

// selfSigned makes a CA and a certificate it signs for 127.0.0.1 and
// localhost.
func selfSigned() ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Azure stand-in data plane CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, nil
}

// --- logging -------------------------------------------------------------------

type statusWriter struct {
	http.ResponseWriter
	status int
	detail string
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) logged(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := s.cfg.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		if s.cfg.Log == "" {
			return
		}
		line := fmt.Sprintf("%s dataplane pid=%d method=%s path=%s status=%d dur=%s detail=%s",
			start.UTC().Format(time.RFC3339Nano), os.Getpid(), r.Method, r.URL.Path, sw.status,
			s.cfg.Now().Sub(start).Round(time.Millisecond), strings.ReplaceAll(sw.detail, "\n", " "))
		if f, err := os.OpenFile(s.cfg.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
			_, _ = f.WriteString(line + "\n")
			_ = f.Close()
		}
	})
}

func detail(w http.ResponseWriter, d string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.detail = d
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// --- Microsoft Entra ID ----------------------------------------------------------

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

// --- Azure OpenAI --------------------------------------------------------------

type openAIError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Type    string `json:"type,omitempty"`
	} `json:"error"`
}

func aoaiError(w http.ResponseWriter, status int, code, format string, args ...any) {
	var e openAIError
	e.Error.Code = code
	e.Error.Message = fmt.Sprintf(format, args...)
	detail(w, code+": "+e.Error.Message)
	writeJSON(w, status, e)
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	sub := strings.ToLower(r.PathValue("subdomain"))
	var account *standin.Object
	var deployments []*standin.Object
	var roles []*standin.Object
	err := s.store.View(func(st *standin.State) error {
		accts := st.Find("Account", func(o *standin.Object) bool {
			return strings.EqualFold(o.Input("properties.customSubDomainName"), sub)
		})
		if len(accts) == 0 {
			return nil
		}
		account = accts[0]
		prefix := strings.ToLower(account.ID) + "/deployments/"
		deployments = st.Find("Deployment", func(o *standin.Object) bool { return strings.HasPrefix(strings.ToLower(o.ID), prefix) })
		roles = st.Find("RoleAssignment", nil)
		return nil
	})
	if err != nil {
		aoaiError(w, 500, "InternalServerError", "%v", err)
		return
	}
	if account == nil {
		aoaiError(w, 404, "404", "Resource not found")
		return
	}
	if props, _ := account.Outputs["properties"].(map[string]any); props != nil && props["publicNetworkAccess"] == "Disabled" {
		aoaiError(w, 403, "403", "Public access is disabled. Please configure private endpoint.")
		return
	}
	if r.Header.Get("api-key") != "" {
		if disabled, _ := account.Outputs["properties"].(map[string]any)["disableLocalAuth"].(bool); disabled {
			aoaiError(w, 403, "AuthenticationTypeDisabled", "Key based authentication is disabled for this resource.")
			return
		}
		aoaiError(w, 401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	tok, known := s.tokens[bearer]
	s.mu.Unlock()
	if !ok || !known || s.cfg.Now().After(tok.expires) || strings.TrimSuffix(tok.resource, "/") != cognitiveServices {
		aoaiError(w, 401, "401", "Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.")
		return
	}
	if !s.allowed(roles, tok.principalID, account.ID) {
		aoaiError(w, 401, "PermissionDenied", "The principal `%s` lacks the required data action `Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action` to perform `POST /openai/deployments/{deployment-id}/chat/completions` operation.", tok.principalID)
		return
	}

	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content any    `json:"content"`
		} `json:"messages"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &req); err != nil {
		aoaiError(w, 400, "BadRequest", "The request body is not valid JSON: %v", err)
		return
	}
	model := req.Model
	if d := r.PathValue("deployment"); d != "" {
		model = d
	}
	if model == "" {
		aoaiError(w, 400, "BadRequest", "you must provide a model parameter")
		return
	}
	if len(req.Messages) == 0 {
		aoaiError(w, 400, "BadRequest", "'messages' is a required property")
		return
	}
	var deployment *standin.Object
	for _, d := range deployments {
		if d.Output("name") == model {
			deployment = d
		}
	}
	if deployment == nil || s.deploymentPropagating(deployment.Created) {
		aoaiError(w, 404, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.")
		return
	}
	prompt := 0
	for _, m := range req.Messages {
		if c, ok := m.Content.(string); ok {
			prompt += len(strings.Fields(c)) + 4
		}
	}
	reply := "Hello! This is the Azure OpenAI stand-in (deployment " + model + ") answering."
	detail(w, "chat ok deployment="+model+" principal="+tok.principalID)
	writeJSON(w, http.StatusOK, map[string]any{
		"id":                 "chatcmpl-" + strings.ReplaceAll(guid(), "-", "")[:24],
		"object":             "chat.completion",
		"created":            s.cfg.Now().Unix(),
		"model":              deployment.Input("properties.model.name"),
		"system_fingerprint": "fp_standin",
		"choices": []map[string]any{{
			"index":         0,
			"message":       map[string]any{"role": "assistant", "content": reply, "refusal": nil, "annotations": []any{}},
			"finish_reason": "stop",
			"logprobs":      nil,
		}},
		"usage": map[string]any{
			"prompt_tokens": prompt, "completion_tokens": len(strings.Fields(reply)),
			"total_tokens": prompt + len(strings.Fields(reply)),
		},
	})
}

// openAIRoles are the built-in roles that allow chat completions.
var openAIRoles = []string{standin.RoleOpenAIUser, standin.RoleOpenAIContributor}

// allowed tells whether principal holds an OpenAI role on the account,
// directly or on a parent scope, in effect for RBACDelay already.
func (s *Server) allowed(roles []*standin.Object, principal, accountID string) bool {
	acct := strings.ToLower(accountID)
	for _, ra := range roles {
		if ra.Input("principalId") != principal {
			continue
		}
		def := strings.ToLower(ra.Input("roleDefinitionId"))
		ok := false
		for _, r := range openAIRoles {
			if strings.HasSuffix(def, "/"+r) {
				ok = true
			}
		}
		scope := strings.ToLower(strings.TrimSuffix(ra.Input("scope"), "/"))
		if !ok || (acct != scope && !strings.HasPrefix(acct, scope+"/")) {
			continue
		}
		if s.propagating(ra.Created, true) {
			continue
		}
		return true
	}
	return false
}

// --- service account tokens ------------------------------------------------------

// jwksFromAPIServer fetches the keys that sign service account tokens.
func (s *Server) jwksFromAPIServer(ctx context.Context) ([]byte, error) {
	if s.cfg.JWKS != nil {
		return s.cfg.JWKS(ctx)
	}
	host := strings.TrimSuffix(s.cfg.KubeAPIServerURL, "/")
	var client *http.Client
	if s.cfg.Kubeconfig != "" {
		rc, err := clientcmd.BuildConfigFromFlags("", s.cfg.Kubeconfig)
		if err != nil {
			return nil, err
		}
		if host == "" {
			host = strings.TrimSuffix(rc.Host, "/")
		}
		if client, err = rest.HTTPClientFor(rc); err != nil {
			return nil, err
		}
	} else {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if s.cfg.KubeCAFile != "" {
			data, err := os.ReadFile(s.cfg.KubeCAFile)
			if err != nil {
				return nil, err
			}
			pool.AppendCertsFromPEM(data)
		}
		client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	}
	if host == "" {
		return nil, errors.New("no Kubernetes API server to fetch the service account keys from")
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, host+"/openid/v1/jwks", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s/openid/v1/jwks: HTTP %d: %s", host, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}
