package dataplane

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

func TestServiceConnectorsFederationGetsATokenThatChats(t *testing.T) {
	f := newFixture(t, 0)
	code, body := f.token(standin.TenantID, f.clientIDs["sc"], f.serviceAccountToken("sc-account-"+f.clientIDs["sc"]))
	if code != 200 || body["token_type"] != "Bearer" || body["expires_in"] == nil {
		t.Fatalf("token: %d %v", code, body)
	}
	code, reply := f.chat(f.subdomain, bearer(body["access_token"].(string)), "chat")
	if code != 200 {
		t.Fatalf("chat: %d %v", code, reply)
	}
	choice := reply["choices"].([]any)[0].(map[string]any)
	msg := choice["message"].(map[string]any)
	if !strings.Contains(msg["content"].(string), "Hello") || msg["role"] != "assistant" || choice["finish_reason"] != "stop" ||
		reply["object"] != "chat.completion" || reply["model"] != "gpt-5.4-mini" {
		t.Errorf("reply %v", reply)
	}
}

func TestTheProgramsOwnCredentialAndGroupRoleWork(t *testing.T) {
	f := newFixture(t, 0)
	if code, reply := f.chat(f.subdomain, bearer(f.accessToken("fic", "mine")), "chat"); code != 200 {
		t.Fatalf("chat: %d %v", code, reply)
	}
}

func TestTokenExchangeRejectsWhatEntraRejects(t *testing.T) {
	f := newFixture(t, 0)
	sc := f.clientIDs["sc"]
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	right := "system:serviceaccount:demo:sc-account-" + sc
	cases := []struct {
		name, tenant, clientID, assertion string
		code                              int
		want                              []string
	}{
		{"subject mismatch", standin.TenantID, sc, f.serviceAccountToken("default"), 400,
			[]string{"AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:demo:default'"}},
		{"subject differs only in case", standin.TenantID, sc, f.mint(f.key, issuer, strings.ToUpper(right), []string{audience}, f.clock().Add(time.Hour)), 400,
			[]string{"AADSTS7002138", "matches with case-insensitive comparison, but not with case-sensitive comparison"}},
		{"issuer mismatch", standin.TenantID, sc, f.mint(f.key, "https://other/", right, []string{audience}, f.clock().Add(time.Hour)), 400,
			[]string{"AADSTS700211", "assertion issuer 'https://other/'"}},
		{"audience mismatch", standin.TenantID, sc, f.mint(f.key, issuer, right, []string{"https://kubernetes.default.svc"}, f.clock().Add(time.Hour)), 400,
			[]string{"AADSTS700212", "assertion audience 'https://kubernetes.default.svc'"}},
		{"expired", standin.TenantID, sc, f.mint(f.key, issuer, right, []string{audience}, f.clock().Add(-time.Hour)), 400,
			[]string{"AADSTS700024", "not within its valid time range"}},
		{"signed by another key", standin.TenantID, sc, f.mint(other, issuer, right, []string{audience}, f.clock().Add(time.Hour)), 400,
			[]string{"AADSTS700027", "signature validation"}},
		{"not a JWT", standin.TenantID, sc, "abc", 400, []string{"AADSTS50027"}},
		{"unknown client", standin.TenantID, "99999999-9999-9999-9999-999999999999", f.serviceAccountToken("x"), 400, []string{"AADSTS700016"}},
		{"wrong tenant", "11111111-1111-1111-1111-111111111111", sc, f.serviceAccountToken("x"), 400, []string{"AADSTS90002"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, body := f.token(tc.tenant, tc.clientID, tc.assertion)
			desc, _ := body["error_description"].(string)
			if code != tc.code || body["error"] == nil || !strings.Contains(desc, "Trace ID:") {
				t.Errorf("got %d %v", code, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(desc, w) {
					t.Errorf("description %q lacks %q", desc, w)
				}
			}
		})
	}
}

func TestChatEnforcesRBACDeploymentsAndKeylessAuth(t *testing.T) {
	f := newFixture(t, 0)
	code, body := f.chat(f.subdomain, bearer(f.accessToken("norole", "norole")), "chat")
	if code != 401 || !strings.Contains(fmt.Sprint(body), "PermissionDenied") || !strings.Contains(fmt.Sprint(body), "lacks the required data action") {
		t.Errorf("no role: %d %v", code, body)
	}
	tok := f.accessToken("sc", "sc-account-"+f.clientIDs["sc"])
	if code, body := f.chat(f.subdomain, bearer(tok), "gpt-4o"); code != 404 || !strings.Contains(fmt.Sprint(body), "DeploymentNotFound") {
		t.Errorf("wrong deployment: %d %v", code, body)
	}
	if code, body := f.chat(f.subdomain, bearer("standin.forged"), "chat"); code != 401 {
		t.Errorf("unknown token: %d %v", code, body)
	}
	if code, body := f.chat(f.subdomain, http.Header{}, "chat"); code != 401 {
		t.Errorf("no token: %d %v", code, body)
	}
	if code, body := f.chat(f.subdomain, http.Header{"Api-Key": {"0123456789abcdef"}}, "chat"); code != 403 || !strings.Contains(fmt.Sprint(body), "AuthenticationTypeDisabled") {
		t.Errorf("API key on a keyless account: %d %v", code, body)
	}
	if code, body := f.chat("nosuchaccount", bearer(tok), "chat"); code != 404 {
		t.Errorf("unknown account: %d %v", code, body)
	}
	f.advance(2 * time.Hour)
	if code, body := f.chat(f.subdomain, bearer(tok), "chat"); code != 401 {
		t.Errorf("expired token: %d %v", code, body)
	}
}

func TestRoleAssignmentsTakeTimeToApply(t *testing.T) {
	f := newFixture(t, 90*time.Second)
	tok := f.accessToken("sc", "sc-account-"+f.clientIDs["sc"])
	if code, body := f.chat(f.subdomain, bearer(tok), "chat"); code != 401 || !strings.Contains(fmt.Sprint(body), "PermissionDenied") {
		t.Errorf("before propagation: %d %v", code, body)
	}
	f.advance(2 * time.Minute)
	if code, body := f.chat(f.subdomain, bearer(tok), "chat"); code != 200 {
		t.Errorf("after propagation: %d %v", code, body)
	}
}

// Entra's "Time for federated credential changes to propagate": a token
// request soon after the credential is created fails with AADSTS70021.
func TestFederatedCredentialsTakeTimeToApply(t *testing.T) {
	f := newFixtureDelays(t, 0, 90*time.Second)
	assertion := f.serviceAccountToken("sc-account-" + f.clientIDs["sc"])
	code, body := f.token(standin.TenantID, f.clientIDs["sc"], assertion)
	if desc, _ := body["error_description"].(string); code != 400 || body["error"] != "invalid_client" ||
		!strings.HasPrefix(desc, "AADSTS70021: No matching federated identity record found for presented assertion.") {
		t.Errorf("before propagation: %d %v", code, body)
	}
	// A wrong subject is still its own, permanent error.
	if _, body := f.token(standin.TenantID, f.clientIDs["sc"], f.serviceAccountToken("default")); !strings.Contains(fmt.Sprint(body), "AADSTS700213") {
		t.Errorf("wrong subject during propagation: %v", body)
	}
	f.advance(2 * time.Minute)
	if code, body := f.token(standin.TenantID, f.clientIDs["sc"], f.serviceAccountToken("sc-account-"+f.clientIDs["sc"])); code != 200 {
		t.Errorf("after propagation: %d %v", code, body)
	}
}

func TestDiscoveryPointsAtItself(t *testing.T) {
	f := newFixture(t, 0)
	resp, err := f.client.Get(f.srv.URL + "/" + standin.TenantID + "/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	code, cfg := decode(t, resp)
	if code != 200 || cfg["issuer"] != f.srv.URL+"/"+standin.TenantID+"/v2.0" ||
		cfg["token_endpoint"] != f.srv.URL+"/"+standin.TenantID+"/oauth2/v2.0/token" || cfg["authorization_endpoint"] == nil {
		t.Errorf("openid configuration %d %v", code, cfg)
	}
	q := url.Values{"api-version": {"1.1"}, "authorization_endpoint": {f.srv.URL + "/" + standin.TenantID + "/oauth2/v2.0/authorize"}}
	resp, err = f.client.Get(f.srv.URL + "/common/discovery/instance?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	code, inst := decode(t, resp)
	if code != 200 || inst["tenant_discovery_endpoint"] != f.srv.URL+"/"+standin.TenantID+"/v2.0/.well-known/openid-configuration" {
		t.Errorf("instance discovery %d %v", code, inst)
	}
}
