package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

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
