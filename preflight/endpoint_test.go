package preflight

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// answering is an endpoint that answers every read with status, and
// counts the reads.
func answering(t *testing.T, status int, body string) (*httptest.Server, *int, *sync.Mutex) {
	var mu sync.Mutex
	n := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &n, &mu
}

// A 401 or 404 on the first read is the wrong cloud or subscription: an
// error, after that one read, never warnings that let the run pass.
func TestAWrongCloudOrSubscriptionFailsOnTheFirstRead(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   string
	}{
		{401, `{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}`, "another cloud"},
		{404, `{"error":{"code":"SubscriptionNotFound","message":"The subscription 'x' could not be found."}}`, "was not found"},
	} {
		srv, n, mu := answering(t, tc.status, tc.body)
		r := Run(context.Background(), Input{
			Project: "proj", Stack: "dev", Config: devConfig(), Endpoint: srv.URL,
			SubscriptionID: standin.SubscriptionID, Token: "t", Client: srv.Client(), Now: func() time.Time { return now },
		})
		one(t, r.Problems, "config proj:armEndpoint", srv.URL, standin.SubscriptionID, tc.want)
		if len(r.Warnings) != 0 {
			t.Errorf("%d: warnings %q", tc.status, r.Warnings)
		}
		mu.Lock()
		if *n != 1 {
			t.Errorf("%d: %d reads, want only the first", tc.status, *n)
		}
		mu.Unlock()
	}
}

// The first read is the subscription's, so a narrow role's 403 there
// leaves the checks to run and warn, as before.
func TestAForbiddenFirstReadLetsTheChecksRun(t *testing.T) {
	f := newFake(t)
	f.env[standin.EnvForbiddenReads] = "subscription"
	r := f.run(t, devConfig())
	if len(r.Problems) != 0 {
		t.Errorf("problems %q", r.Problems)
	}
	if len(f.calls) < 3 || !strings.HasSuffix(f.calls[0], "/subscriptions/"+standin.SubscriptionID) {
		t.Errorf("reads %q", f.calls)
	}
}
