package standin

import (
	"strings"
	"testing"
	"time"
)

// The REST specs mark none of these required, and azure-native's Check
// reports only what the spec requires.
func TestSpecOptionalPropertiesPassCheck(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	account := accountInputs(w.rg, "scdemo-oai-5678")
	delete(account, "kind")
	delete(account, "sku")
	linker := linkerInputs(w, "demo")
	delete(linker, "authInfo")
	delete(linker, "targetService")
	long := linkerInputs(w, "demo")
	long["linkerName"] = strings.Repeat("a", 80)
	for _, c := range []struct {
		name, token string
		in          map[string]any
	}{
		{"account without kind and sku", tAccount, account},
		{"deployment without sku", tDeploy, map[string]any{"resourceGroupName": w.rg, "accountName": "a", "deploymentName": "chat",
			"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt"}}}},
		{"linker without authInfo and targetService", tLinker, linker},
		{"linker name of 80 characters", tLinker, long},
	} {
		if f := h.check(c.token, "res", c.in, nil).GetFailures(); len(f) > 0 {
			t.Errorf("%s: Check failed: %v", c.name, f)
		}
	}
}

// A new account stays Accepted to a deployment under it for
// AZURE_STANDIN_ACCOUNT_ACCEPTED, though its own create ended Succeeded.
func TestDeploymentIsRefusedWhileItsAccountIsAccepted(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	h.p.Now = func() time.Time { return now }
	h.env[EnvAccountAccepted] = "30s"
	id, acct := h.mustCreate(tAccount, "second", accountInputs(w.rg, "scdemo-oai-5678"))
	if s := gets(acct, "properties.provisioningState"); s != "Succeeded" {
		t.Errorf("the account's create returned provisioningState %q, want Succeeded (azure-native polls it to the end)", s)
	}
	deployment := map[string]any{
		"resourceGroupName": w.rg, "accountName": "scdemo-oai-5678", "deploymentName": "chat",
		"sku":        map[string]any{"name": "GlobalStandard", "capacity": 1},
		"properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"}},
	}
	now = now.Add(29 * time.Second)
	_, _, err := h.create(tDeploy, "second-chat", deployment)
	wantErr(t, err, `Status=400 Code="AccountProvisioningStateInvalid"`, "Call to Microsoft.CognitiveServices/accounts failed", "Account "+id+" in state Accepted")
	now = now.Add(time.Second)
	h.mustCreate(tDeploy, "second-chat", deployment)
}

// The first link on a cluster installs Service Connector's extension: its
// create lasts the install; later links do not wait for it.
func TestFirstLinkWaitsForTheExtensionInstall(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvSCExtensionInstall] = "400ms"
	start := time.Now()
	h.mustCreate(tLinker, "first", linkerInputs(w, "demo"))
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("the first link took %s, want the extension's install (400ms) at least", took)
	}
	if ext := h.state().Get(scExtensionID(w.clusterID)); ext == nil || ext.Output("provisioningState") != "Succeeded" {
		t.Fatalf("sc-extension after the first link: %+v", ext)
	}
	second := linkerInputs(w, "other")
	second["linkerName"] = "second"
	start = time.Now()
	h.mustCreate(tLinker, "second", second)
	if took := time.Since(start); took >= 400*time.Millisecond {
		t.Errorf("the second link took %s: it installed the extension again", took)
	}
}

// The extension's job fails (Azure/AKS#5493): the link's create fails with
// its error after the install's time, stores nothing of the link, and the
// next create installs again.
func TestLinkFailsWithTheExtensionJobsError(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvSCExtensionInstall] = "200ms"
	h.env[EnvFaults] = "Linker:extension:1=401"
	start := time.Now()
	_, _, err := h.create(tLinker, "link", linkerInputs(w, "demo"))
	wantErr(t, err, `Status=400 Code="ExtensionOperationFailed"`, "job sc-job in namespace sc-system failed", "scaksextension.azurecr.io", "401 Unauthorized")
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("the failed link took %s, want the install's 200ms", took)
	}
	st := h.state()
	if ext := st.Get(scExtensionID(w.clusterID)); ext == nil || ext.Output("provisioningState") != "Failed" {
		t.Errorf("sc-extension after the failed job: %+v", ext)
	}
	if n := len(st.Find("Linker", nil)); n != 0 {
		t.Errorf("%d links stored after the failed install", n)
	}
	h.mustCreate(tLinker, "link", linkerInputs(w, "demo"))
	if ext := h.state().Get(scExtensionID(w.clusterID)); ext.Output("provisioningState") != "Succeeded" {
		t.Errorf("sc-extension after the retry: %v", ext.Output("provisioningState"))
	}
}
