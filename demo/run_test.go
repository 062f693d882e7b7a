package main

// These tests drive the real azidentity WorkloadIdentityCredential (and MSAL
// underneath) and the real openai-go client against local TLS fakes of
// Microsoft Entra ID and the Azure OpenAI v1 API, so they exercise the exact
// wire behaviour the pod depends on: discovery, client_assertion posting,
// bearer auth, routing of the deployment name and status-code handling.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
