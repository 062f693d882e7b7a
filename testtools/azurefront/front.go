// Package azurefront is the local Azure's one public address. The workload
// identity webhook gives every pod the same authority host, and in Azure
// one login host serves every tenant and subscription and every OpenAI
// account has its own host name. Here each e2e world (one subscription:
// its own stand-in state and data plane) runs side by side with others, so
// the front, at the address testtools/cluster/up.sh chose and with its
// certificate, sends each request to the world it concerns:
//
//   - a token request to the world whose directory holds the client id;
//   - an OpenAI call (/{subdomain}/openai/...) to the world that owns the
//     account with that custom subdomain;
//   - anything else (discovery documents, unknown ids) to the newest world,
//     which answers as Azure does for something it does not know.
//
// Responses name the front, not the data plane behind it.
package azurefront

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Backend is one world's data plane.
type Backend struct {
	// URL and CAFile are the data plane's (dataplane.Server).
	URL    string
	CAFile string
	// StateDir is the stand-in state it serves.
	StateDir string
}

type backend struct {
	Backend
	store standin.Store
	proxy *httputil.ReverseProxy
}

// Front is a running front.
type Front struct {
	// URL is https://ADDR, the authority host and the base of account endpoints.
	URL string
	srv *http.Server

	mu       sync.Mutex
	backends []*backend
	// decisions are the AKS guard's (aksguard.go).
	decisions []Decision
	// Now is the guard's clock for token expiry; nil is time.Now.
	Now func() time.Time
}

// Start serves on addr with the certificate in certFile/keyFile.
func Start(addr, certFile, keyFile string) (*Front, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", addr, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, fmt.Errorf("the local Azure's address %s: %w", addr, err)
	}
	f := &Front{URL: "https://" + ln.Addr().(*net.TCPAddr).String()}
	f.srv = &http.Server{Handler: http.HandlerFunc(f.serve), ReadHeaderTimeout: 10 * time.Second}
	go f.srv.Serve(ln) //nolint:errcheck
	return f, nil
}

// Close stops the front.
func (f *Front) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return f.srv.Shutdown(ctx)
}

// Add puts a world behind the front; the returned function takes it away.
func (f *Front) Add(b Backend) (func(), error) {
	target, err := url.Parse(b.URL)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(b.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	be := &backend{Backend: b, store: standin.Store{Dir: b.StateDir}}
	public := []byte(f.URL)
	private := []byte(strings.TrimSuffix(b.URL, "/"))
	be.proxy = &httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			body = bytes.ReplaceAll(body, private, public)
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
	}
	f.mu.Lock()
	f.backends = append(f.backends, be)
	f.mu.Unlock()
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		for i, x := range f.backends {
			if x == be {
				f.backends = append(f.backends[:i], f.backends[i+1:]...)
				return
			}
		}
	}, nil
}

func (f *Front) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	all := append([]*backend(nil), f.backends...)
	f.mu.Unlock()
	if len(all) == 0 {
		http.Error(w, "no Azure behind the local front", http.StatusServiceUnavailable)
		return
	}
	if strings.HasPrefix(r.URL.Path, "/aks-guard/") {
		f.guard(w, r, all)
		return
	}
	pick := all[len(all)-1]
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token"):
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		if b := find(all, "UserAssignedIdentity", "clientId", form.Get("client_id"), true); b != nil {
			pick = b
		}
	case len(parts) > 1 && parts[1] == "openai":
		if b := find(all, "Account", "properties.customSubDomainName", parts[0], false); b != nil {
			pick = b
		}
	}
	pick.proxy.ServeHTTP(w, r)
}

// find is the world holding an object of type whose field equals value.
func find(all []*backend, typ, field, value string, output bool) *backend {
	if value == "" {
		return nil
	}
	for _, b := range all {
		hit := false
		err := b.store.View(func(st *standin.State) error {
			hit = len(st.Find(typ, func(o *standin.Object) bool {
				v := o.Input(field)
				if output {
					v = o.Output(field)
				}
				return strings.EqualFold(v, value)
			})) > 0
			return nil
		})
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			continue
		}
		if hit {
			return b
		}
	}
	return nil
}
