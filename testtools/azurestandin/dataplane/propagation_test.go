package dataplane

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// With FICCode 700213, a credential still propagating gets
// exactly what a wrong subject gets, as users meet it
// (Azure/azure-workload-identity#1200), until it has propagated.
func TestPropagatingCredentialCanAnswer700213(t *testing.T) {
	f := newFixtureDelays(t, 0, 90*time.Second)
	if err := f.srv.SetPropagation(FICCodeSubject, 0); err != nil {
		t.Fatal(err)
	}
	sub := "sc-account-" + f.clientIDs["sc"]
	code, body := f.token(standin.TenantID, f.clientIDs["sc"], f.serviceAccountToken(sub))
	want := "AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:demo:" + sub + "'. Check your federated identity credential Subject, Audience and Issuer"
	if desc, _ := body["error_description"].(string); code != 400 || body["error"] != "invalid_client" || !strings.HasPrefix(desc, want) {
		t.Errorf("before propagation: %d %v", code, body)
	}
	if codes, _ := body["error_codes"].([]any); len(codes) != 1 || fmt.Sprint(codes[0]) != "700213" {
		t.Errorf("error_codes %v", body["error_codes"])
	}
	f.advance(2 * time.Minute)
	if code, body := f.token(standin.TenantID, f.clientIDs["sc"], f.serviceAccountToken(sub)); code != 200 {
		t.Errorf("after propagation: %d %v", code, body)
	}
}

// DeploymentDelay: a new deployment answers Azure OpenAI's
// 404 DeploymentNotFound, with its own advice to wait, until it is out.
func TestNewDeploymentIsNotFoundAtFirst(t *testing.T) {
	f := newFixture(t, 0)
	if err := f.srv.SetPropagation("", 90*time.Second); err != nil {
		t.Fatal(err)
	}
	tok := f.accessToken("sc", "sc-account-"+f.clientIDs["sc"])
	code, body := f.chat(f.subdomain, bearer(tok), "chat")
	e, _ := body["error"].(map[string]any)
	if code != 404 || e["code"] != "DeploymentNotFound" ||
		e["message"] != "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again." {
		t.Errorf("before propagation: %d %v", code, body)
	}
	f.advance(2 * time.Minute)
	if code, body := f.chat(f.subdomain, bearer(tok), "chat"); code != 200 {
		t.Errorf("after propagation: %d %v", code, body)
	}
}

func TestAnUnknownFICCodeIsRefused(t *testing.T) {
	if _, err := StartConfig(Config{StateDir: t.TempDir(), FICCode: "50000"}); err == nil || !strings.Contains(err.Error(), "50000") {
		t.Errorf("StartConfig took an answer Entra does not give for a propagating credential: %v", err)
	}
}
