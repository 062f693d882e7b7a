// Package dataplane is the stand-in's Azure data plane: a TLS server on
// 127.0.0.1 that plays Microsoft Entra ID (workload identity federation:
// a Kubernetes service account token for an access token) and Azure OpenAI
// (chat completions with Entra RBAC), reading the Azure resources from the
// stand-in's state. See ../README.md.
package dataplane

import (
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/arm"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// Scope resources the emulated Azure OpenAI accepts tokens for.
const cognitiveServices = "https://cognitiveservices.azure.com"

// Config configures a data plane server.
type Config struct {
	// StateDir is the stand-in's state directory (AZURE_STANDIN_STATE).
	StateDir string
	// KubeAPIServerURL serves /openid/v1/jwks, the keys that sign service
	// account tokens. KubeCAFile is its CA (PEM); Kubeconfig, when set,
	// supplies credentials (and the CA) for that request.
	KubeAPIServerURL string
	KubeCAFile       string
	Kubeconfig       string
	// JWKS replaces the fetch from the API server (tests).
	JWKS func(ctx context.Context) ([]byte, error)
	// RBACDelay: a role assignment works only this long after its creation.
	RBACDelay time.Duration
	// FICDelay: a federated identity credential matches only this long
	// after its creation; before, Entra answers FICCode (AADSTS70021 if
	// empty). DeploymentDelay: the same for a model deployment and Azure
	// OpenAI's 404 DeploymentNotFound. See propagation.go.
	FICDelay, DeploymentDelay time.Duration
	FICCode                   string
	// Log is the file to append a line per request to (AZURE_STANDIN_LOG).
	Log string
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// Getenv reads the ARM API's catalog knobs (AZURE_STANDIN_CATALOG,
	// AZURE_STANDIN_UNREGISTERED_PROVIDERS, AZURE_STANDIN_FORBIDDEN_READS);
	// nil reads none.
	Getenv func(string) string
}

// Server is a running data plane.
type Server struct {
	// URL is https://127.0.0.1:PORT, the base of every endpoint: the
	// authority host (AZURE_AUTHORITY_HOST) and, via
	// AZURE_STANDIN_DATAPLANE_URL, each OpenAI account's endpoint
	// URL/<subdomain>/.
	URL string
	// CAFile is the PEM file of the CA that signed the server's
	// certificate; clients trust it (SSL_CERT_FILE).
	CAFile string

	cfg   Config
	store standin.Store
	srv   *http.Server
	ln    net.Listener

	mu     sync.Mutex
	tokens map[string]accessToken
	// fic, rbac and deployment are the propagation delays.
	fic, rbac, deployment time.Duration
	ficCode               string
	jwks                  map[string]any // kid -> public key
}

type accessToken struct {
	clientID, principalID, resource string
	expires                         time.Time
}

// StartConfig starts a data plane.
func StartConfig(cfg Config) (*Server, error) {
	if cfg.StateDir == "" {
		return nil, errors.New("dataplane: no state directory")
	}
	if err := checkFICCode(cmp.Or(cfg.FICCode, FICCodePropagating)); err != nil {
		return nil, err
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.StateDir, 0o755); err != nil {
		return nil, err
	}
	caPEM, cert, err := selfSigned()
	if err != nil {
		return nil, err
	}
	caFile := filepath.Join(cfg.StateDir, "dataplane-ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		return nil, err
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	s := &Server{
		URL: "https://" + ln.Addr().String(), CAFile: caFile,
		cfg: cfg, store: standin.Store{Dir: cfg.StateDir}, ln: ln,
		tokens: map[string]accessToken{},
		fic:    cfg.FICDelay, rbac: cfg.RBACDelay, deployment: cfg.DeploymentDelay, ficCode: cfg.FICCode,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.openIDConfiguration)
	mux.HandleFunc("GET /{tenant}/discovery/instance", s.instanceDiscovery)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.token)
	mux.HandleFunc("POST /{subdomain}/openai/v1/chat/completions", s.chat)
	mux.HandleFunc("POST /{subdomain}/openai/deployments/{deployment}/chat/completions", s.chat)
	// Azure Resource Manager's reads, for a preflight (ARM endpoint = URL),
	// under /subscriptions/, which no tenant or account is named.
	armAPI := &arm.Handler{Store: s.store, Getenv: cfg.Getenv}
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/subscriptions/") {
			armAPI.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	s.srv = &http.Server{Handler: s.logged(root), ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln) //nolint:errcheck
	return s, nil
}

// propagating tells whether an object created at created is still
// propagating: not yet seen by Entra (a credential) or by Azure OpenAI's
// authorization (a role assignment, rbac).
func (s *Server) propagating(created time.Time, rbac bool) bool {
	s.mu.Lock()
	delay := s.fic
	if rbac {
		delay = s.rbac
	}
	s.mu.Unlock()
	return s.cfg.Now().Before(created.Add(delay))
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Client is an HTTP client that trusts the server's CA.
func (s *Server) Client() *http.Client {
	pool := x509.NewCertPool()
	if data, err := os.ReadFile(s.CAFile); err == nil {
		pool.AppendCertsFromPEM(data)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}, Timeout: 30 * time.Second}
}

// selfSigned makes a CA and a certificate it signs for 127.0.0.1 and
// localhost.
func selfSigned() ([]byte, tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Azure stand-in data plane CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, tls.Certificate{}, err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	return caPEM, tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key}, nil
}
