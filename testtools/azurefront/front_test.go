package azurefront

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/dataplane"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// world is a subscription holding an identity and an OpenAI account, with
// its own data plane that logs to its own file.
func world(t *testing.T, f *Front, clientID, subdomain string) string {
	t.Helper()
	dir := t.TempDir()
	st := standin.Store{Dir: filepath.Join(dir, "state")}
	err := st.Update(func(s *standin.State) error {
		s.Put(&standin.Object{ID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + clientID,
			Type: "azure-native:managedidentity:UserAssignedIdentity", Outputs: map[string]any{"clientId": clientID}})
		s.Put(&standin.Object{ID: "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/" + subdomain,
			Type: "azure-native:cognitiveservices:Account", Inputs: map[string]any{"properties": map[string]any{"customSubDomainName": subdomain}}})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "log")
	dp, err := dataplane.StartConfig(dataplane.Config{StateDir: st.Dir, Log: log})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dp.Close() })
	remove, err := f.Add(Backend{URL: dp.URL, CAFile: dp.CAFile, StateDir: st.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	return log
}

// front starts a front with a certificate of its own; the client trusts it.
func front(t *testing.T) (*Front, *http.Client) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	f, err := Start("127.0.0.1:0", certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return f, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

func read(t *testing.T, path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

func TestRequestsReachTheWorldTheyConcern(t *testing.T) {
	f, client := front(t)
	logA := world(t, f, "aaaaaaaa-0000-0000-0000-000000000001", "suba")
	logB := world(t, f, "bbbbbbbb-0000-0000-0000-000000000002", "subb")

	form := url.Values{"client_id": {"aaaaaaaa-0000-0000-0000-000000000001"}, "grant_type": {"client_credentials"}}
	resp, err := client.PostForm(f.URL+"/"+standin.TenantID+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = client.Post(f.URL+"/subb/openai/v1/chat/completions", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if a, b := read(t, logA), read(t, logB); !strings.Contains(a, "/oauth2/v2.0/token") || strings.Contains(b, "/oauth2/v2.0/token") ||
		!strings.Contains(b, "/subb/openai/") || strings.Contains(a, "/subb/openai/") {
		t.Errorf("world A saw:\n%s\nworld B saw:\n%s", a, b)
	}
}

func TestDiscoveryNamesTheFrontNotTheWorld(t *testing.T) {
	f, client := front(t)
	world(t, f, "aaaaaaaa-0000-0000-0000-000000000001", "suba")
	resp, err := client.Get(f.URL + "/" + standin.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"token_endpoint":"`+f.URL+"/"+standin.TenantID+"/oauth2/v2.0/token") {
		t.Errorf("openid-configuration: %s", body)
	}
}
