package kubeclient

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fakeAPI serves the reads the wait makes: the service account and secret
// appear after a number of polls, as Service Connector's do. It answers as
// the API server does a client that asks for metadata only
// (as=PartialObjectMetadata in Accept).
type fakeAPI struct {
	appearAfter int32
	polls       atomic.Int32
	// status, when set, answers every request with it.
	status int
	others []string
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Header.Get("Authorization") != "Bearer t0ken" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected","code":%d}`, f.status)
		return
	}
	if !strings.Contains(r.Header.Get("Accept"), "as=PartialObjectMetadata") {
		w.WriteHeader(http.StatusNotAcceptable)
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/api/v1/namespaces/"), "/")
	if len(parts) == 2 { // a list
		var items []string
		for _, o := range f.others {
			items = append(items, fmt.Sprintf(`{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":%q}}`, o))
		}
		fmt.Fprintf(w, `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","items":[%s]}`, strings.Join(items, ","))
		return
	}
	if parts[0] == "demo" && f.polls.Add(1) > f.appearAfter &&
		(parts[1] == "serviceaccounts" && parts[2] == "sc-account-123" || parts[1] == "secrets" && parts[2] == "sc-conn-secret") {
		fmt.Fprintf(w, `{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":%q,"namespace":"demo"}}`, parts[2])
		return
	}
	w.WriteHeader(http.StatusNotFound)
	fmt.Fprintf(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}`)
}

// kubeconfigFor points at a TLS server: client-go sends credentials only
// over TLS.
func kubeconfigFor(url string, caDER []byte) string {
	ca := base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}))
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q, certificate-authority-data: %s}}]
users: [{name: u, user: {token: t0ken}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`, url, ca)
}

func objectsOn(srv *httptest.Server, timeout time.Duration) ServiceConnectorObjects {
	return ServiceConnectorObjects{
		Kubeconfig: kubeconfigFor(srv.URL, srv.Certificate().Raw), Namespace: "demo",
		ServiceAccount: "sc-account-123", Secret: "sc-conn-secret", Timeout: timeout,
	}
}

func fastPolls(t *testing.T) {
	old := pollInterval
	pollInterval = 10 * time.Millisecond
	t.Cleanup(func() { pollInterval = old })
}

func missing(t *testing.T, err error) *MissingObjectError {
	t.Helper()
	var m *MissingObjectError
	if !errors.As(err, &m) {
		t.Fatalf("want a MissingObjectError, got %v", err)
	}
	return m
}

func TestWaitReturnsOnceServiceConnectorsObjectsAppear(t *testing.T) {
	fastPolls(t)
	api := &fakeAPI{appearAfter: 5}
	srv := httptest.NewTLSServer(api)
	defer srv.Close()
	start := time.Now()
	if err := WaitForServiceConnectorObjects(context.Background(), objectsOn(srv, 5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if api.polls.Load() < 6 {
		t.Errorf("returned after %d polls, before the objects existed", api.polls.Load())
	}
	if time.Since(start) > 3*time.Second {
		t.Errorf("took %s", time.Since(start))
	}
}

func TestWaitNamesTheMissingServiceAccountAndWhatExists(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{others: []string{"sc-account-999", "default", "sc-other-secret"}})
	defer srv.Close()
	w := objectsOn(srv, 300*time.Millisecond)
	w.ServiceAccount = "sc-account-wrong"
	start := time.Now()
	err := WaitForServiceConnectorObjects(context.Background(), w)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("failed after %s, want about the 300ms timeout", d)
	}
	m := missing(t, err)
	if m.Kind != KindServiceAccount {
		t.Errorf("kind %q", m.Kind)
	}
	if m.Name != "sc-account-wrong" {
		t.Errorf("name %q", m.Name)
	}
	if m.Namespace != "demo" {
		t.Errorf("namespace %q", m.Namespace)
	}
	if m.Waited != 300*time.Millisecond {
		t.Errorf("waited %s", m.Waited)
	}
	if got := strings.Join(m.Found, ","); got != "sc-account-999,sc-other-secret" {
		t.Errorf("found %q", got)
	}
	if m.LastErr != nil {
		t.Errorf("a plain 404 reported as a failed read: %v", m.LastErr)
	}
	want := `Service Connector's service account "sc-account-wrong" did not appear in namespace "demo" within 300ms after the link was created (found: sc-account-999, sc-other-secret)`
	if err.Error() != want {
		t.Errorf("error\n %q\nwant\n %q", err, want)
	}
}

func TestWaitNamesAMissingSecret(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{})
	defer srv.Close()
	w := objectsOn(srv, 300*time.Millisecond)
	w.Secret = "sc-typo-secret"
	m := missing(t, WaitForServiceConnectorObjects(context.Background(), w))
	if m.Kind != KindSecret || m.Name != "sc-typo-secret" {
		t.Errorf("missing %s %q", m.Kind, m.Name)
	}
	if !strings.Contains(m.Error(), "found: none whose name starts with sc-") {
		t.Errorf("error %q", m)
	}
}

func TestWaitFailsAtOnceWhenTheClusterRefusesTheCredentials(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{status: http.StatusForbidden})
	defer srv.Close()
	start := time.Now()
	err := WaitForServiceConnectorObjects(context.Background(), objectsOn(srv, 10*time.Second))
	if err == nil || !strings.Contains(err.Error(), "the cluster refused to read service account demo/sc-account-123") {
		t.Fatalf("got %v", err)
	}
	if time.Since(start) > time.Second {
		t.Error("a refusal was retried until the timeout")
	}
}

func TestWaitReportsAServerErrorWithTheTimeout(t *testing.T) {
	fastPolls(t)
	srv := httptest.NewTLSServer(&fakeAPI{status: http.StatusInternalServerError})
	defer srv.Close()
	m := missing(t, WaitForServiceConnectorObjects(context.Background(), objectsOn(srv, 300*time.Millisecond)))
	if m.LastErr == nil || !strings.Contains(m.Error(), "the last read of the cluster's API failed: ") ||
		!strings.Contains(m.LastErr.Error(), "injected") {
		t.Errorf("a 500 was not reported: %v", m)
	}
}

func TestWaitReportsAnUnreachableClusterWithTheTimeout(t *testing.T) {
	fastPolls(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // a closed port: every connection is refused
	srv := httptest.NewTLSServer(&fakeAPI{})
	defer srv.Close()
	w := objectsOn(srv, 300*time.Millisecond)
	w.Kubeconfig = kubeconfigFor("https://"+addr, srv.Certificate().Raw)
	m := missing(t, WaitForServiceConnectorObjects(context.Background(), w))
	if m.LastErr == nil || !strings.Contains(m.LastErr.Error(), "connection refused") {
		t.Errorf("a refused connection was not reported: %v", m)
	}
}

func TestWaitRejectsABadKubeconfig(t *testing.T) {
	srv := httptest.NewTLSServer(&fakeAPI{})
	defer srv.Close()
	w := objectsOn(srv, time.Second)
	w.Kubeconfig = "{not yaml"
	if err := WaitForServiceConnectorObjects(context.Background(), w); err == nil || !strings.Contains(err.Error(), "kubeconfig") {
		t.Fatalf("got %v", err)
	}
}
