package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
