package main

// What Azure answers while a new federated credential or model deployment
// propagates, against the same TLS fakes and fake clock as run_test.go
// (fakes_test.go, fixture_test.go).

import (
	"encoding/base64"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

const testSubject = "system:serviceaccount:demo:sc-account-5e1a0d52"

// subjectBody is Entra's answer for a subject no credential has, which is
// also its answer while a new credential propagates.
const subjectBody = `{"error":"invalid_client","error_description":"AADSTS700213: No matching federated identity record found for presented assertion subject '` + testSubject + `'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.\r\nTrace ID: 1\r\nCorrelation ID: 2","error_codes":[700213]}`

// withServiceAccountToken makes the token file a projected service
// account token (unsigned: the demo only reads its subject).
func withServiceAccountToken(t *testing.T, fx *fixture, sub string) {
	t.Helper()
	enc := base64.RawURLEncoding.EncodeToString
	jwt := enc([]byte(`{"alg":"RS256","kid":"k1"}`)) + "." + enc([]byte(`{"iss":"https://issuer.example/","sub":"`+sub+`","aud":["api://AzureADTokenExchange"]}`)) + ".c2ln"
	if err := os.WriteFile(fx.env["AZURE_FEDERATED_TOKEN_FILE"], []byte(jwt), 0o600); err != nil {
		t.Fatal(err)
	}
}

func secs(ds ...int) []time.Duration {
	var out []time.Duration
	for _, d := range ds {
		out = append(out, time.Duration(d)*time.Second)
	}
	return out
}

func TestSubjectNotFoundWhileTheCredentialPropagatesThenSuccess(t *testing.T) {
	fx := newFixture(t)
	withServiceAccountToken(t, fx, testSubject)
	fx.entra.rejectStatus, fx.entra.rejectBody, fx.entra.rejectTimes = http.StatusBadRequest, subjectBody, 2
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !slices.Equal(fx.sleeps, secs(5, 10)) {
		t.Errorf("sleeps = %v, want 5s 10s", fx.sleeps)
	}
	note := "retry: Microsoft Entra ID answered AADSTS700213; a new federated identity credential may still be propagating (or its subject is not " + testSubject + ") (attempt "
	if n := strings.Count(r.stderr, note); n != 2 || strings.Contains(r.stderr, "error:") {
		t.Errorf("stderr = %q, want two retry notes naming the subject", r.stderr)
	}
}

// When the budget is spent, the error says the subject may simply be
// wrong, and which one it must be.
func TestSubjectNotFoundUntilTheBudgetIsSpent(t *testing.T) {
	fx := newFixture(t)
	withServiceAccountToken(t, fx, testSubject)
	fx.entra.rejectStatus, fx.entra.rejectBody = http.StatusBadRequest, subjectBody
	fx.env["AZURE_OPENAI_RETRY_SECONDS"] = "60"
	fx.expectFailure(fx.run(), "AADSTS700213", testClientID, "still after 5 attempt(s) over 1m0s",
		"the subject may simply be wrong: the credential's subject must be exactly "+testSubject)
	if !slices.Equal(fx.sleeps, secs(5, 10, 20, 25)) {
		t.Errorf("sleeps = %v", fx.sleeps)
	}
	if len(fx.openai.requests()) != 0 {
		t.Error("chat request sent without a token")
	}
}

func TestExpectedSubjectComesFromTheProjectedToken(t *testing.T) {
	dir := t.TempDir()
	file := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	enc := base64.RawURLEncoding.EncodeToString
	const unknown = "system:serviceaccount:<namespace>:<service account>"
	for path, want := range map[string]string{
		file("sa", enc([]byte(`{}`))+"."+enc([]byte(`{"sub":"system:serviceaccount:ns:sa"}`))+".sig\n"): "system:serviceaccount:ns:sa",
		file("other", enc([]byte(`{}`))+"."+enc([]byte(`{"sub":"repo:o/r:ref:main"}`))+".sig"):          unknown,
		file("opaque", testAssertion):                                          unknown,
		filepath.Join(dir, "missing"):                                          unknown,
		file("two", "a."+enc([]byte(`{"sub":"system:serviceaccount:ns:sa"}`))): unknown,
	} {
		if got := expectedSubject(path); got != want {
			t.Errorf("expectedSubject(%s) = %q, want %q", filepath.Base(path), got, want)
		}
	}
}

// Only 700213 of Entra's "no matching federated identity record" answers
// is one users meet on a credential that is right: the others fail at once.
func TestOtherFederationMismatchesAreNotRetried(t *testing.T) {
	for code, desc := range map[string]string{
		"7002138": "No matching federated identity record found for presented assertion subject 'x'. The subject matches with case-insensitive comparison, but not with case-sensitive comparison.",
		"700212":  "No matching federated identity record found for presented assertion audience 'x'.",
	} {
		t.Run(code, func(t *testing.T) {
			fx := newFixture(t)
			fx.entra.rejectStatus = http.StatusBadRequest
			fx.entra.rejectBody = `{"error":"invalid_client","error_description":"AADSTS` + code + `: ` + desc + `","error_codes":[` + code + `]}`
			fx.expectFailure(fx.run(), "AADSTS"+code, "rejected the federated token exchange")
			if len(fx.sleeps) != 0 || len(fx.entra.tokenRequests()) != 1 {
				t.Errorf("retried: sleeps %v, token requests %d", fx.sleeps, len(fx.entra.tokenRequests()))
			}
		})
	}
}

func TestNewDeploymentNotFoundThenSuccess(t *testing.T) {
	fx := newFixture(t)
	fx.openai.statuses = []int{http.StatusNotFound, http.StatusNotFound}
	r := fx.run()
	if r.code != 0 {
		t.Fatalf("exit code = %d\nstderr:\n%s", r.code, r.stderr)
	}
	if !slices.Equal(fx.sleeps, secs(5, 10)) {
		t.Errorf("sleeps = %v, want 5s 10s", fx.sleeps)
	}
	note := `retry: Azure OpenAI answered 404 DeploymentNotFound for deployment "` + testDeployment + `"; a new model deployment answers this for its first 5m0s (attempt `
	if n := strings.Count(r.stderr, note); n != 2 || !strings.Contains(r.stderr, "(attempt 2, 5s of 5m0s spent), retrying in 10s") {
		t.Errorf("stderr = %q, want two retry notes within the deployment's 5 minutes", r.stderr)
	}
}

// A deployment name that never appears fails with that name once the
// deployment's 5 minutes are over, though the budget is longer.
func TestDeploymentThatNeverAppearsFailsWithItsName(t *testing.T) {
	fx := newFixture(t)
	fx.openai.always = http.StatusNotFound
	fx.expectFailure(fx.run(), "404 DeploymentNotFound", `deployment "`+testDeployment+`" not found`,
		"still after 13 attempt(s) over 5m0s", "AZURE_OPENAI_DEPLOYMENT")
	if !slices.Equal(fx.sleeps, secs(5, 10, 20, 30, 30, 30, 30, 30, 30, 30, 30, 25)) {
		t.Errorf("sleeps = %v, want 5 minutes of backoff", fx.sleeps)
	}
	// Under a smaller budget, the budget ends it.
	fx = newFixture(t)
	fx.openai.always = http.StatusNotFound
	fx.env["AZURE_OPENAI_RETRY_SECONDS"] = "60"
	fx.expectFailure(fx.run(), `deployment "`+testDeployment+`" not found`, "still after 5 attempt(s) over 1m0s")
}

// The deployment's window counts from the run's start, not from its own
// first 404: after six minutes of waiting for the role, it is over.
func TestDeploymentWindowCountsFromTheStart(t *testing.T) {
	fx := newFixture(t)
	for range 14 {
		fx.openai.statuses = append(fx.openai.statuses, http.StatusUnauthorized)
	}
	for range 20 {
		fx.openai.statuses = append(fx.openai.statuses, http.StatusNotFound)
	}
	fx.expectFailure(fx.run(), `deployment "`+testDeployment+`" not found`, "still after 15 attempt(s) over 6m5s")
}

// Any other 404 (an unknown account: code "404") is not a deployment
// on its way: it fails at once, naming the deployment asked for.
func TestOther404IsNotRetried(t *testing.T) {
	fx := newFixture(t)
	fx.openai.always, fx.openai.code = http.StatusNotFound, "404"
	fx.expectFailure(fx.run(), "404", `deployment "`+testDeployment+`" not found`, "AZURE_OPENAI_DEPLOYMENT")
	if len(fx.sleeps) != 0 || len(fx.openai.requests()) != 1 {
		t.Errorf("404 retried: sleeps %v, requests %d", fx.sleeps, len(fx.openai.requests()))
	}
}
