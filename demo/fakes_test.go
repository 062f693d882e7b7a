package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
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
