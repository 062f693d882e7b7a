package dataplane

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

const (
	issuer   = "https://issuer.example/oidc/"
	audience = "api://AzureADTokenExchange"
)

type nopKube struct{}

func (nopKube) ApplyServiceAccount(context.Context, string, string, map[string]string) error {
	return nil
}
func (nopKube) ApplySecret(context.Context, string, string, map[string]string) error { return nil }

// fixture is a data plane over a state the provider built, with a signing
// key standing in for the API server's service account key.
type fixture struct {
	t      *testing.T
	srv    *Server
	p      *standin.Provider
	key    *rsa.PrivateKey
	client *http.Client
	now    time.Time
	mu     sync.Mutex
	// identities by role in the test: "sc" (Service Connector's link),
	// "fic" (the program's own credential and role), "norole".
	clientIDs map[string]string
	subdomain string
}

func (f *fixture) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// fixtureStart is the fixture's clock at the start: a fixed day, so no test
// reads today's date (the catalog's dates follow the stand-in's calendar).
var fixtureStart = time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)

func newFixture(t *testing.T, rbacDelay time.Duration) *fixture {
	t.Helper()
	return newFixtureDelays(t, rbacDelay, 0)
}

func newFixtureDelays(t *testing.T, rbacDelay, ficDelay time.Duration) *fixture {
	t.Helper()
	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, key: key, now: fixtureStart, clientIDs: map[string]string{}, subdomain: "scdemo-oai-1234abcd"}
	jwks := func(context.Context) ([]byte, error) {
		return json.Marshal(map[string]any{"keys": []any{map[string]any{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	}
	f.srv, err = StartConfig(Config{StateDir: filepath.Join(dir, "state"), JWKS: jwks, RBACDelay: rbacDelay, FICDelay: ficDelay, Now: f.clock, Log: filepath.Join(dir, "calls.log")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.srv.Close() })
	f.client = f.srv.Client()
	env := map[string]string{
		standin.EnvOIDCIssuer: issuer, standin.EnvDataplaneURL: f.srv.URL, standin.EnvSCDelay: "0s",
	}
	f.p = &standin.Provider{
		Store: standin.Store{Dir: filepath.Join(dir, "state")}, Version: "2.92.0",
		Getenv:  func(k string) string { return env[k] },
		NewKube: func() (standin.Kube, error) { return nopKube{}, nil },
		Now:     f.clock,
	}
	f.build()
	return f
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func (f *fixture) create(token, name string, in map[string]any) (string, resource.PropertyMap) {
	f.t.Helper()
	urn := "urn:pulumi:dev::proj::" + token + "::" + name
	news, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(in), plugin.MarshalOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	chk, err := f.p.Check(context.Background(), &pulumirpc.CheckRequest{Urn: urn, Type: token, News: news})
	if err != nil || len(chk.GetFailures()) > 0 {
		f.t.Fatalf("Check %s: %v %v", name, err, chk.GetFailures())
	}
	resp, err := f.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urn, Type: token, Properties: chk.GetInputs()})
	if err != nil {
		f.t.Fatalf("Create %s: %v", name, err)
	}
	out, err := plugin.UnmarshalProperties(resp.GetProperties(), plugin.MarshalOptions{})
	if err != nil {
		f.t.Fatal(err)
	}
	return resp.GetId(), out
}

// build creates the tutorial's resources and two more identities.
func (f *fixture) build() {
	_, rg := f.create("azure-native:resources:ResourceGroup", "scdemo", map[string]any{"location": "eastus2"})
	rgName := rg["name"].StringValue()
	clusterID, _ := f.create("azure-native:containerservice:ManagedCluster", "aks", map[string]any{
		"resourceGroupName": rgName, "location": "eastus2", "dnsPrefix": "aks",
		"agentPoolProfiles": []any{map[string]any{"name": "system", "mode": "System", "count": 1, "vmSize": "Standard_D2s_v5"}},
		"oidcIssuerProfile": map[string]any{"enabled": true},
		"securityProfile":   map[string]any{"workloadIdentity": map[string]any{"enabled": true}},
	})
	accountID, _ := f.create("azure-native:cognitiveservices:Account", "openai", map[string]any{
		"resourceGroupName": rgName, "accountName": f.subdomain, "location": "eastus2", "kind": "OpenAI", "sku": map[string]any{"name": "S0"},
		"properties": map[string]any{"customSubDomainName": f.subdomain, "disableLocalAuth": true, "publicNetworkAccess": "Enabled"},
	})
	f.create("azure-native:cognitiveservices:Deployment", "chat", map[string]any{
		"resourceGroupName": rgName, "accountName": f.subdomain, "deploymentName": "chat",
		"sku":        map[string]any{"name": "GlobalStandard", "capacity": 10},
		"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}},
	})
	identity := func(name string) (string, string, string) {
		id, out := f.create("azure-native:managedidentity:UserAssignedIdentity", name, map[string]any{"resourceGroupName": rgName, "location": "eastus2"})
		return id, out["clientId"].StringValue(), out["principalId"].StringValue()
	}
	_, f.clientIDs["sc"], _ = identity("sc")
	f.create("azure-native:servicelinker:Linker", "conn", map[string]any{
		"resourceUri": clusterID, "linkerName": "openaiconn", "clientType": "none", "scope": "demo",
		"targetService": map[string]any{"type": "AzureResource", "id": accountID},
		"authInfo":      map[string]any{"authType": "userAssignedIdentity", "clientId": f.clientIDs["sc"], "subscriptionId": standin.SubscriptionID},
	})
	f.p.Wait(5 * time.Second)

	var principal string
	var ficIdentity resource.PropertyMap
	_, f.clientIDs["fic"], principal = identity("fic")
	_, ficIdentity = f.create("azure-native:managedidentity:FederatedIdentityCredential", "fic-cred", map[string]any{
		"resourceGroupName": rgName, "resourceName": nameOf(f, "fic"), "issuer": issuer,
		"subject": "system:serviceaccount:demo:mine", "audiences": []any{audience},
	})
	_ = ficIdentity
	f.create("azure-native:authorization:RoleAssignment", "grant", map[string]any{
		"scope": "/subscriptions/" + standin.SubscriptionID + "/resourceGroups/" + rgName, "principalId": principal, "principalType": "ServicePrincipal",
		"roleDefinitionId": "/subscriptions/" + standin.SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + standin.RoleOpenAIUser,
	})

	_, f.clientIDs["norole"], _ = identity("norole")
	f.create("azure-native:managedidentity:FederatedIdentityCredential", "norole-cred", map[string]any{
		"resourceGroupName": rgName, "resourceName": nameOf(f, "norole"), "issuer": issuer,
		"subject": "system:serviceaccount:demo:norole", "audiences": []any{audience},
	})
}

// nameOf is the auto-generated name of the identity with logical name n.
func nameOf(f *fixture, n string) string {
	var name string
	_ = f.p.Store.View(func(s *standin.State) error {
		for _, o := range s.Find("UserAssignedIdentity", nil) {
			if strings.HasSuffix(o.URN, "::"+n) {
				name = o.Output("name")
			}
		}
		return nil
	})
	return name
}

// mint signs a service account token as the API server would.
func (f *fixture) mint(key *rsa.PrivateKey, iss, sub string, aud []string, exp time.Time) string {
	header := b64([]byte(`{"alg":"RS256","kid":"k1"}`))
	payload, _ := json.Marshal(map[string]any{
		"iss": iss, "sub": sub, "aud": aud, "exp": exp.Unix(), "nbf": f.clock().Add(-time.Minute).Unix(), "iat": f.clock().Unix(),
		"kubernetes.io": map[string]any{"namespace": "demo"},
	})
	signed := header + "." + b64(payload)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		f.t.Fatal(err)
	}
	return signed + "." + b64(sig)
}

func (f *fixture) serviceAccountToken(sub string) string {
	return f.mint(f.key, issuer, "system:serviceaccount:demo:"+sub, []string{audience}, f.clock().Add(time.Hour))
}

// token posts the request azidentity's WorkloadIdentityCredential (MSAL)
// sends and returns the status and decoded body.
func (f *fixture) token(tenant, clientID, assertion string) (int, map[string]any) {
	f.t.Helper()
	form := url.Values{
		"client_id":             {clientID},
		"grant_type":            {"client_credentials"},
		"scope":                 {"https://cognitiveservices.azure.com/.default"},
		"client_assertion_type": {jwtBearer},
		"client_assertion":      {assertion},
		"client_info":           {"1"},
	}
	resp, err := f.client.PostForm(f.srv.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		f.t.Fatal(err)
	}
	return decode(f.t, resp)
}

func decode(t *testing.T, resp *http.Response) (int, map[string]any) {
	t.Helper()
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("HTTP %d, body not JSON: %s", resp.StatusCode, body)
	}
	return resp.StatusCode, m
}

// chat posts what openai-go sends for the demo's request.
func (f *fixture) chat(subdomain string, header http.Header, model string) (int, map[string]any) {
	f.t.Helper()
	body := fmt.Sprintf(`{"messages":[{"content":"Hello, OpenAI!","role":"user"}],"model":%q}`, model)
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/"+subdomain+"/openai/v1/chat/completions", strings.NewReader(body))
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	return decode(f.t, resp)
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func (f *fixture) accessToken(kind, sub string) string {
	f.t.Helper()
	code, body := f.token(standin.TenantID, f.clientIDs[kind], f.serviceAccountToken(sub))
	if code != 200 {
		f.t.Fatalf("token for %s: %d %v", kind, code, body)
	}
	return body["access_token"].(string)
}
