package k8s

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI serves the two reads the wait makes: the service account and
// secret appear after a number of polls, as Service Connector's do.
type fakeAPI struct {
	appearAfter int32
	polls       atomic.Int32
	status      int
	others      []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer t0ken" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		fmt.Fprint(w, `{"kind":"Status","message":"forbidden"}`)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/namespaces/"), "/")
	if len(parts) == 2 { // a list
		var items []string
		for _, o := range f.others {
			items = append(items, fmt.Sprintf(`{"metadata":{"name":%q}}`, o))
		}
		fmt.Fprintf(w, `{"items":[%s]}`, strings.Join(items, ","))
		return
	}
	if parts[0] == "demo" && f.polls.Add(1) > f.appearAfter &&
		(parts[1] == "serviceaccounts" && parts[2] == "sc-account-123" || parts[1] == "secrets" && parts[2] == "sc-conn-secret") {
		fmt.Fprintf(w, `{"metadata":{"name":%q}}`, parts[2])
		return
	}
	w.WriteHeader(http.StatusNotFound)
}

// kubeconfigFor points at a TLS test server: client-go sends credentials
// only over TLS.
func kubeconfigFor(srv *httptest.Server) string {
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
users: [{name: u, user: {token: t0ken}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, srv.URL, ca)
}

func want(srv *httptest.Server, timeout time.Duration) ConnectorObjects {
	return ConnectorObjects{
		Kubeconfig: kubeconfigFor(srv), Namespace: "demo",
		ServiceAccount: "sc-account-123", Secret: "sc-conn-secret",
		Timeout: timeout, ConfigPrefix: "proj:",
	}
}

func fastPolls(t *testing.T) {
	old := pollInterval
	pollInterval = 10 * time.Millisecond
	t.Cleanup(func() { pollInterval = old })
}

func TestWaitReturnsOnceServiceConnectorsObjectsAppear(t *testing.T) {
	fastPolls(t)
	api := &fakeAPI{appearAfter: 5}
	srv := httptest.NewTLSServer(api)
	defer srv.Close()
	start := time.Now()
	if err := WaitForConnectorObjects(context.Background(), want(srv, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if api.polls.Load() < 6 {
		t.Errorf("returned after %d polls, before the objects existed", api.polls.Load())
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestWaitNamesTheMissingObjectWhatExistsAndTheKeyToSet(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{others: []string{"sc-account-999", "sc-other-secret"}})
	defer srv.Close()
	w := want(srv, 300*time.Millisecond)
	w.ServiceAccount = "sc-account-wrong"
	start := time.Now()
	err := WaitForConnectorObjects(context.Background(), w)
	if err == nil {
		t.Fatal("missing service account accepted")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failed after %s, want about the 300ms timeout", d)
	}
	for _, s := range []string{
		`service account "sc-account-wrong" did not appear in namespace "demo" within 300ms`,
		"found: sc-account-999, sc-other-secret",
		"pulumi config set proj:serviceAccountName <name>",
		"proj:connectorWaitSeconds",
	} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
}

func TestWaitNamesAMissingSecret(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{})
	defer srv.Close()
	w := want(srv, 300*time.Millisecond)
	w.Secret = "sc-typo-secret"
	err := WaitForConnectorObjects(context.Background(), w)
	if err == nil || !strings.Contains(err.Error(), `secret "sc-typo-secret" did not appear`) ||
		!strings.Contains(err.Error(), "proj:secretName") {
		t.Fatalf("got %v", err)
	}
}

func TestWaitFailsAtOnceWhenTheClusterRefusesTheCredentials(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{status: http.StatusForbidden})
	defer srv.Close()
	start := time.Now()
	err := WaitForConnectorObjects(context.Background(), want(srv, 10*time.Second))
	if err == nil || !strings.Contains(err.Error(), "HTTP 403") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("a refusal was retried until the timeout")
	}
}

func TestWaitRejectsABadKubeconfig(t *testing.T) {
	srv := httptest.NewTLSServer(&fakeAPI{})
	defer srv.Close()
	w := want(srv, time.Second)
	w.Kubeconfig = "{not yaml"
	if err := WaitForConnectorObjects(context.Background(), w); err == nil || !strings.Contains(err.Error(), "kubeconfig") {
		t.Fatalf("got %v", err)
	}
}
