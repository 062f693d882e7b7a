package main

// These tests drive the real azidentity WorkloadIdentityCredential (and MSAL
// underneath) and the real openai-go client against local TLS fakes of
// Microsoft Entra ID and the Azure OpenAI v1 API, so they exercise the exact
// wire behaviour the pod depends on: discovery, client_assertion posting,
// bearer auth, routing of the deployment name and status-code handling.

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testTenant     = "72f988bf-0000-4000-8000-000000000001"
	testClientID   = "5e1a0d52-0000-4000-8000-000000000002"
	testAssertion  = "eyJhbGciOiJSUzI1NiJ9.fake-projected-sa-token.sig"
	testToken      = "entra-access-token-for-cognitiveservices"
	testDeployment = "gpt-4o-mini-demo"
)

// fakeEntra serves just enough of Microsoft Entra ID for MSAL's
// client-credentials flow: tenant discovery plus the token endpoint.
type fakeEntra struct {
	srv *httptest.Server

	mu    sync.Mutex
	forms []map[string]string // token requests as received
	// reject, when set, is returned as the token endpoint's error response,
	// to the first rejectTimes requests (0: to all).
	rejectStatus int
	rejectBody   string
	rejectTimes  int
}

func newFakeEntra(t *testing.T) *fakeEntra {
	f := &fakeEntra{}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	base := f.srv.URL + "/" + testTenant
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/"+testTenant+"/v2.0/.well-known/openid-configuration":
		writeJSON(w, http.StatusOK, map[string]any{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
		})
	case r.Method == http.MethodPost && r.URL.Path == "/"+testTenant+"/oauth2/v2.0/token":
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		f.mu.Lock()
		f.forms = append(f.forms, form)
		status, body := f.rejectStatus, f.rejectBody
		if f.rejectTimes > 0 && len(f.forms) > f.rejectTimes {
			status = 0
		}
		f.mu.Unlock()
		if status != 0 {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{
			"token_type":     "Bearer",
			"access_token":   testToken,
			"expires_in":     3599,
			"ext_expires_in": 3599,
		})
	default:
		http.Error(w, "unexpected "+r.Method+" "+r.URL.Path, http.StatusNotFound)
	}
}

func (f *fakeEntra) tokenRequests() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.forms)
}

// chatRequest is what the fake Azure OpenAI saw on one call.
type chatRequest struct {
	path, query, auth, apiKey string
	body                      map[string]any
}

// fakeOpenAI mimics the Azure OpenAI v1 chat completions route. statuses
// scripts the response status per call; calls past the script succeed.
type fakeOpenAI struct {
	srv *httptest.Server

	mu       sync.Mutex
	statuses []int
	always   int           // if non-zero, every call gets this status
	code     string        // if set, the error code of every failed call
	hang     chan struct{} // if non-nil, calls block until the client gives up
	reply    string
	calls    []chatRequest
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	f := &fakeOpenAI{reply: "Hello! How can I assist you today?"}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeOpenAI) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	f.mu.Lock()
	f.calls = append(f.calls, chatRequest{
		path: r.URL.Path, query: r.URL.RawQuery,
		auth: r.Header.Get("Authorization"), apiKey: r.Header.Get("Api-Key"),
		body: body,
	})
	status := http.StatusOK
	if f.always != 0 {
		status = f.always
	} else if len(f.statuses) > 0 {
		status, f.statuses = f.statuses[0], f.statuses[1:]
	}
	hang, reply, code := f.hang, f.reply, f.code
	f.mu.Unlock()

	if hang != nil {
		select {
		case <-r.Context().Done():
		case <-hang:
		}
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/openai/v1/chat/completions" {
		writeJSON(w, http.StatusNotFound, map[string]any{"error": map[string]any{"code": "404", "message": "Resource not found"}})
		return
	}
	switch status {
	case http.StatusOK:
		writeJSON(w, http.StatusOK, map[string]any{
			"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
			"choices": []any{map[string]any{
				"index": 0, "finish_reason": "stop",
				"message": map[string]any{"role": "assistant", "content": reply},
			}},
		})
	case http.StatusUnauthorized:
		// Azure OpenAI's answer to a principal without a role on the account.
		if code == "" {
			code = "PermissionDenied"
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": code,
			"message": "The principal lacks the required data action Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action."}})
	case http.StatusForbidden:
		// Its answer to an api-key on an account with disableLocalAuth.
		if code == "" {
			code = "AuthenticationTypeDisabled"
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": code,
			"message": "Key based authentication is disabled for this resource."}})
	case http.StatusNotFound:
		// A deployment not (yet) there; code "404" is an unknown account.
		if code == "" {
			code = "DeploymentNotFound"
		}
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": code,
			"message": "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again."}})
	default:
		writeJSON(w, status, map[string]any{"error": map[string]any{"code": "other", "message": "scripted failure"}})
	}
}

func (f *fakeOpenAI) requests() []chatRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fixture wires a run against the fakes with a fake clock.
type fixture struct {
	t       *testing.T
	entra   *fakeEntra
	openai  *fakeOpenAI
	env     map[string]string
	d       deps
	clock   time.Time
	sleeps  []time.Duration
	termLog string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	fx := &fixture{t: t, entra: newFakeEntra(t), openai: newFakeOpenAI(t)}

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "azure-identity-token")
	if err := os.WriteFile(tokenFile, []byte(testAssertion), 0o600); err != nil {
		t.Fatal(err)
	}
	// run only writes an existing termination log, as kubelet pre-creates it.
	fx.termLog = filepath.Join(dir, "termination-log")
	if err := os.WriteFile(fx.termLog, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	fx.env = map[string]string{
		"AZURE_OPENAI_BASE":          fx.openai.srv.URL + "/",
		"AZURE_OPENAI_DEPLOYMENT":    testDeployment,
		"AZURE_CLIENT_ID":            testClientID,
		"AZURE_TENANT_ID":            testTenant,
		"AZURE_FEDERATED_TOKEN_FILE": tokenFile,
		"AZURE_AUTHORITY_HOST":       fx.entra.srv.URL + "/",
	}

	// One client trusting both fakes' certificates; a fresh Transport also
	// ignores any HTTPS_PROXY in the developer's environment.
	pool := x509.NewCertPool()
	pool.AddCert(fx.entra.srv.Certificate())
	pool.AddCert(fx.openai.srv.Certificate())
	fx.clock = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	fx.d = deps{
		httpClient: &http.Client{Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		}},
		now: func() time.Time { return fx.clock },
		sleep: func(ctx context.Context, d time.Duration) error {
			fx.sleeps = append(fx.sleeps, d)
			fx.clock = fx.clock.Add(d)
			return ctx.Err()
		},
		terminationLog: fx.termLog,
	}
	return fx
}

type result struct {
	code           int
	stdout, stderr string
}

func (fx *fixture) run() result {
	fx.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return fx.runCtx(ctx)
}

func (fx *fixture) runCtx(ctx context.Context) result {
	fx.t.Helper()
	var out, errb bytes.Buffer
	code := run(ctx, func(k string) string { return fx.env[k] }, &out, &errb, fx.d)
	return result{code, out.String(), errb.String()}
}

// expectFailure asserts the failure contract: exit 1, nothing on stdout, one
// "error: " line (the last stderr line), mirrored to the termination log.
func (fx *fixture) expectFailure(r result, wants ...string) string {
	t := fx.t
	t.Helper()
	if r.code != 1 {
		t.Fatalf("exit code = %d, want 1\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want empty on failure", r.stdout)
	}
	t.Logf("stderr:\n%s", r.stderr)
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, "error: ") {
		t.Fatalf("last stderr line %q does not start with \"error: \"\nstderr:\n%s", last, r.stderr)
	}
	n := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "error: ") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("stderr has %d \"error: \" lines, want 1:\n%s", n, r.stderr)
	}
	for _, w := range wants {
		if !strings.Contains(last, w) {
			t.Errorf("error line %q does not contain %q", last, w)
		}
	}
	got, err := os.ReadFile(fx.termLog)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != last+"\n" {
		t.Errorf("termination log = %q, want %q", got, last+"\n")
	}
	return last
}

func TestSuccess(t *testing.T) {
	fx := newFixture(t)
	fx.openai.reply = strings.Repeat("x", 95) + "\nabcdefghij" // newline folded, then cut at 100 runes
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	want := "Sent: Hello, OpenAI!\n" +
		"Reply: " + strings.Repeat("x", 95) + " abcd\n" +
		"Connect to Azure OpenAI service succeeded.\n"
	if r.stdout != want {
		t.Errorf("stdout =\n%q\nwant\n%q", r.stdout, want)
	}
	if r.stderr != "" {
		t.Errorf("stderr = %q, want empty", r.stderr)
	}

	toks := fx.entra.tokenRequests()
	if len(toks) != 1 {
		t.Fatalf("token requests = %d, want 1", len(toks))
	}
	for k, v := range map[string]string{
		"client_assertion":      testAssertion,
		"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
		"client_id":             testClientID,
		"grant_type":            "client_credentials",
	} {
		if toks[0][k] != v {
			t.Errorf("token request %s = %q, want %q", k, toks[0][k], v)
		}
	}
	if !strings.Contains(toks[0]["scope"], "https://cognitiveservices.azure.com/.default") {
		t.Errorf("token request scope = %q, want the Cognitive Services scope", toks[0]["scope"])
	}

	calls := fx.openai.requests()
	if len(calls) != 1 {
		t.Fatalf("chat requests = %d, want 1", len(calls))
	}
	c := calls[0]
	if c.path != "/openai/v1/chat/completions" {
		t.Errorf("path = %q, want the v1 chat completions route", c.path)
	}
	if c.query != "" {
		t.Errorf("query = %q, want none (the v1 API needs no api-version)", c.query)
	}
	if c.auth != "Bearer "+testToken {
		t.Errorf("Authorization = %q, want Bearer <issued token>", c.auth)
	}
	if c.apiKey != "" {
		t.Errorf("Api-Key header = %q, want none (keyless)", c.apiKey)
	}
	if c.body["model"] != testDeployment {
		t.Errorf("model = %v, want deployment %q", c.body["model"], testDeployment)
	}
	msgs, _ := c.body["messages"].([]any)
	if len(msgs) != 1 || fmt.Sprint(msgs[0].(map[string]any)["content"]) != "Hello, OpenAI!" {
		t.Errorf("messages = %v, want one user message \"Hello, OpenAI!\"", c.body["messages"])
	}
	if got, _ := os.ReadFile(fx.termLog); len(got) != 0 {
		t.Errorf("termination log written on success: %q", got)
	}
}

// The Service Connector secret may be absent; the workload's own variable is
// the fallback, and a base given with the /openai/v1 suffix is not doubled.
func TestEndpointFallback(t *testing.T) {
	fx := newFixture(t)
	fx.env["AZURE_OPENAI_ENDPOINT"] = fx.env["AZURE_OPENAI_BASE"] + "openai/v1"
	delete(fx.env, "AZURE_OPENAI_BASE")
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	if calls := fx.openai.requests(); len(calls) != 1 || calls[0].path != "/openai/v1/chat/completions" {
		t.Errorf("chat requests = %+v, want one to /openai/v1/chat/completions", calls)
	}
}

// AZURE_OPENAI_BASE must win over AZURE_OPENAI_ENDPOINT.
func TestEndpointPrefersServiceConnector(t *testing.T) {
	fx := newFixture(t)
	fx.env["AZURE_OPENAI_ENDPOINT"] = "https://127.0.0.1:1/" // would fail to connect
	if r := fx.run(); r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
}

func TestMissingVariables(t *testing.T) {
	for _, tc := range []struct {
		unset []string
		want  string
	}{
		{[]string{"AZURE_OPENAI_BASE", "AZURE_OPENAI_ENDPOINT"}, "AZURE_OPENAI_BASE"},
		{[]string{"AZURE_OPENAI_DEPLOYMENT"}, "AZURE_OPENAI_DEPLOYMENT"},
		{[]string{"AZURE_CLIENT_ID"}, "AZURE_CLIENT_ID"},
		{[]string{"AZURE_TENANT_ID"}, "AZURE_TENANT_ID"},
		{[]string{"AZURE_FEDERATED_TOKEN_FILE"}, "AZURE_FEDERATED_TOKEN_FILE"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			fx := newFixture(t)
			for _, k := range tc.unset {
				delete(fx.env, k)
			}
			line := fx.expectFailure(fx.run(), "missing environment variable "+tc.want)
			if tc.want == "AZURE_OPENAI_BASE" && !strings.Contains(line, "AZURE_OPENAI_ENDPOINT") {
				t.Errorf("error line %q should name the AZURE_OPENAI_ENDPOINT fallback", line)
			}
			if len(fx.entra.tokenRequests())+len(fx.openai.requests()) != 0 {
				t.Error("network used despite missing configuration")
			}
		})
	}
}

func TestInvalidSettings(t *testing.T) {
	for _, tc := range []struct{ name, key, value, want string }{
		{"plain http endpoint", "AZURE_OPENAI_BASE", "http://127.0.0.1:1/", "AZURE_OPENAI_BASE"},
		{"retry not a number", "AZURE_OPENAI_RETRY_SECONDS", "4m", "invalid AZURE_OPENAI_RETRY_SECONDS=\"4m\""},
		{"retry negative", "AZURE_OPENAI_RETRY_SECONDS", "-1", "invalid AZURE_OPENAI_RETRY_SECONDS"},
		{"retry too large", "AZURE_OPENAI_RETRY_SECONDS", "240000", "invalid AZURE_OPENAI_RETRY_SECONDS"},
		{"timeout zero", "AZURE_OPENAI_TIMEOUT_SECONDS", "0", "invalid AZURE_OPENAI_TIMEOUT_SECONDS"},
		{"timeout not a number", "AZURE_OPENAI_TIMEOUT_SECONDS", "30s", "invalid AZURE_OPENAI_TIMEOUT_SECONDS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.env[tc.key] = tc.value
			fx.expectFailure(fx.run(), tc.want)
			if len(fx.openai.requests()) != 0 {
				t.Error("chat request sent despite invalid configuration")
			}
		})
	}
}

func TestTokenFileUnreadable(t *testing.T) {
	fx := newFixture(t)
	missing := filepath.Join(t.TempDir(), "no-such-token")
	fx.env["AZURE_FEDERATED_TOKEN_FILE"] = missing
	fx.expectFailure(fx.run(), "workload identity", "federated token file", missing)
	if len(fx.openai.requests()) != 0 {
		t.Error("chat request sent without a token")
	}
}

func TestTokenRejected(t *testing.T) {
	fx := newFixture(t)
	fx.entra.rejectStatus = http.StatusBadRequest
	fx.entra.rejectBody = `{"error":"invalid_client","error_description":"AADSTS700211: No matching federated identity record found for presented assertion issuer 'https://other/'.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[700211]}`
	line := fx.expectFailure(fx.run(),
		"workload identity", "rejected the federated token exchange", "HTTP 400", "AADSTS700211", "federated identity credential", testClientID)
	if len(fx.entra.tokenRequests()) != 1 {
		t.Errorf("an issuer mismatch was retried: %d token requests", len(fx.entra.tokenRequests()))
	}
	if strings.Contains(line, "Trace ID") {
		t.Errorf("error line should keep only the first line of the description: %q", line)
	}
	if len(fx.entra.tokenRequests()) == 0 {
		t.Error("token endpoint never called")
	}
	if len(fx.openai.requests()) != 0 {
		t.Error("chat request sent without a token")
	}
	if len(fx.sleeps) != 0 {
		t.Errorf("token failure was retried (sleeps %v); it is not an RBAC delay", fx.sleeps)
	}
}

func TestRoleNotYetAppliedThenSuccess(t *testing.T) {
	fx := newFixture(t)
	fx.openai.statuses = []int{http.StatusUnauthorized, http.StatusUnauthorized}
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !strings.HasSuffix(r.stdout, "Connect to Azure OpenAI service succeeded.\n") {
		t.Errorf("stdout = %q", r.stdout)
	}
	if got := len(fx.openai.requests()); got != 3 {
		t.Errorf("chat requests = %d, want 3", got)
	}
	if want := []time.Duration{5 * time.Second, 10 * time.Second}; !slices.Equal(fx.sleeps, want) {
		t.Errorf("sleeps = %v, want %v (exponential backoff)", fx.sleeps, want)
	}
	if strings.Contains(r.stderr, "error:") || strings.Count(r.stderr, "retry: Azure OpenAI returned 401 PermissionDenied; a new role assignment may still be propagating (attempt ") != 2 {
		t.Errorf("stderr = %q, want two retry notes and no error", r.stderr)
	}
	if !strings.Contains(r.stderr, "(attempt 2, 5s of 10m0s spent), retrying in 10s") {
		t.Errorf("stderr = %q, want each attempt with the time spent of the budget", r.stderr)
	}
	// The token is cached by azidentity, so retries must not re-hit Entra.
	if got := len(fx.entra.tokenRequests()); got != 1 {
		t.Errorf("token requests = %d, want 1", got)
	}
}

func TestRoleMissingUntilBudgetExhausted(t *testing.T) {
	fx := newFixture(t)
	fx.openai.always = http.StatusUnauthorized
	fx.expectFailure(fx.run(),
		"401 PermissionDenied", "Cognitive Services OpenAI User", testClientID, "23 attempt(s)", "10m0s", "up to 10 minutes")
	// Default 600s budget (a role takes up to 10 minutes to apply): backoff
	// doubles from 5s, capped at 30s, and the last wait is trimmed so the
	// total never exceeds the budget.
	want := []time.Duration{5, 10, 20, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 25}
	for i := range want {
		want[i] *= time.Second
	}
	if !slices.Equal(fx.sleeps, want) {
		t.Errorf("sleeps = %v, want %v", fx.sleeps, want)
	}
	if got := len(fx.openai.requests()); got != 23 {
		t.Errorf("chat requests = %d, want 23", got)
	}
}

// A token Azure OpenAI does not accept, or a key on a keyless account, is
// not a propagation delay: no retry.
func TestRejectedCredentialsAreNotRetried(t *testing.T) {
	for _, c := range []struct {
		name   string
		status int
		code   string
		wants  []string
	}{
		{"bad token", http.StatusUnauthorized, "401", []string{"401 Unauthorized", "did not accept the Entra token", testClientID}},
		{"keys disabled", http.StatusForbidden, "", []string{"403 Forbidden", "Key based authentication is disabled"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fx := newFixture(t)
			fx.openai.always, fx.openai.code = c.status, c.code
			line := fx.expectFailure(fx.run(), c.wants...)
			if len(fx.sleeps) != 0 || len(fx.openai.requests()) != 1 || strings.Contains(line, roleName) {
				t.Errorf("retried or misread: sleeps %v, requests %d, %q", fx.sleeps, len(fx.openai.requests()), line)
			}
		})
	}
}

func TestRetryBudgetZeroMeansNoRetry(t *testing.T) {
	fx := newFixture(t)
	fx.openai.always = http.StatusUnauthorized
	fx.env["AZURE_OPENAI_RETRY_SECONDS"] = "0"
	fx.expectFailure(fx.run(), "401", "1 attempt(s)", "Cognitive Services OpenAI User")
	if len(fx.sleeps) != 0 || len(fx.openai.requests()) != 1 {
		t.Errorf("sleeps %v, requests %d; want no retry", fx.sleeps, len(fx.openai.requests()))
	}
}

const propagatingBody = `{"error":"invalid_client","error_description":"AADSTS70021: No matching federated identity record found for presented assertion.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[70021]}`

// Entra answers AADSTS70021 for minutes after a federated credential is
// created: each such answer is retried, with backoff, and logged.
func TestCredentialPropagatingThenSuccess(t *testing.T) {
	fx := newFixture(t)
	fx.entra.rejectStatus, fx.entra.rejectBody, fx.entra.rejectTimes = http.StatusBadRequest, propagatingBody, 3
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	if got := len(fx.entra.tokenRequests()); got != 4 {
		t.Errorf("token requests = %d, want 4", got)
	}
	if want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}; !slices.Equal(fx.sleeps, want) {
		t.Errorf("sleeps = %v, want %v", fx.sleeps, want)
	}
	if n := strings.Count(r.stderr, "retry: Microsoft Entra ID answered AADSTS70021; a new federated identity credential may still be propagating (attempt "); n != 3 {
		t.Errorf("stderr = %q, want three retry notes", r.stderr)
	}
}

func TestCredentialPropagatingUntilBudgetExhausted(t *testing.T) {
	fx := newFixture(t)
	fx.entra.rejectStatus, fx.entra.rejectBody = http.StatusBadRequest, propagatingBody
	fx.env["AZURE_OPENAI_RETRY_SECONDS"] = "60"
	fx.expectFailure(fx.run(), "AADSTS70021", "still after 5 attempt(s) over 1m0s", "to reach every Entra replica", testClientID)
	if want := []time.Duration{5, 10, 20, 25}; len(fx.sleeps) != len(want) || fx.sleeps[3] != 25*time.Second {
		t.Errorf("sleeps = %v", fx.sleeps)
	}
	if len(fx.openai.requests()) != 0 {
		t.Error("chat request sent without a token")
	}
}

func TestOtherHTTPError(t *testing.T) {
	fx := newFixture(t)
	fx.openai.always = http.StatusBadRequest
	line := fx.expectFailure(fx.run(), "400", "scripted failure")
	if strings.Contains(line, roleName) || strings.Contains(line, "not found") {
		t.Errorf("400 misclassified: %q", line)
	}
}

func TestTimeout(t *testing.T) {
	fx := newFixture(t)
	fx.openai.hang = make(chan struct{})
	t.Cleanup(func() { close(fx.openai.hang) })
	fx.env["AZURE_OPENAI_TIMEOUT_SECONDS"] = "1"
	start := time.Now()
	fx.expectFailure(fx.run(), "timeout", "exceeded 1s", "AZURE_OPENAI_TIMEOUT_SECONDS")
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("run took %s; the 1s timeout was not enforced", el)
	}
}

func TestTerminationLogOnlyIfPresent(t *testing.T) {
	fx := newFixture(t)
	fx.d.terminationLog = filepath.Join(t.TempDir(), "absent")
	delete(fx.env, "AZURE_OPENAI_DEPLOYMENT")
	if r := fx.run(); r.code != 1 {
		t.Fatalf("exit code = %d", r.code)
	}
	if _, err := os.Stat(fx.d.terminationLog); !os.IsNotExist(err) {
		t.Errorf("termination log was created (stat err %v); it must only be written if it exists", err)
	}
}

// SIGTERM (e.g. the Job's activeDeadlineSeconds) cancels the context; that must
// be reported as an interruption, not misdiagnosed as a timeout or auth error.
func TestInterrupted(t *testing.T) {
	fx := newFixture(t)
	fx.openai.hang = make(chan struct{})
	t.Cleanup(func() { close(fx.openai.hang) })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		// Bounded so a broken run cannot leave this goroutine spinning.
		for i := 0; i < 2000 && len(fx.openai.requests()) == 0; i++ {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	line := fx.expectFailure(fx.runCtx(ctx), "interrupted")
	if strings.Contains(line, "timeout") {
		t.Errorf("cancellation reported as timeout: %q", line)
	}
}

func TestInstanceDiscoveryOnlyForPublicClouds(t *testing.T) {
	for host, want := range map[string]bool{
		"https://login.microsoftonline.com/": true,
		"https://LOGIN.microsoftonline.us":   true,
		"https://127.0.0.1:8443/":            false,
		"https://login.example.com/":         false,
		"::bad":                              false,
	} {
		if got := publicCloudAuthority(host); got != want {
			t.Errorf("publicCloudAuthority(%q) = %v, want %v", host, got, want)
		}
	}
}
