package standin

import (
	"regexp"
	"testing"
	"time"
)

// A principal created moments ago has not replicated yet: a role
// assignment without principalType cannot find it, one with principalType
// goes through (Learn, "Assign Azure roles using Azure Resource Manager
// templates", new service principal).
func TestANewPrincipalNeedsPrincipalType(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h.p.Now = func() time.Time { return now }
	h.env[EnvPrincipalDelay] = "2m"
	w := h.world()
	role := "/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIUser
	_, _, err := h.create(tRole, "untyped", map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": role})
	wantErr(t, err, `Status=400 Code="PrincipalNotFound"`, "set the role assignment principalType property")
	_, out := h.mustCreate(tRole, "typed", map[string]any{"scope": w.accountID, "principalId": w.principalID, "principalType": "ServicePrincipal", "roleDefinitionId": role})
	if gets(out, "principalType") != "ServicePrincipal" {
		t.Errorf("principalType %q", gets(out, "principalType"))
	}
	// Replicated: found either way.
	now = now.Add(3 * time.Minute)
	contributor := "/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIContributor
	h.mustCreate(tRole, "later", map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": contributor})
}

// runRequest.timeout is bounded as the containerregistry spec bounds it.
func TestTaskRunTimeoutRange(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	run := func(name string, timeout int) error {
		_, _, err := h.create(tTaskRun, name, map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1",
			"runRequest": map[string]any{"type": "EncodedTaskRunRequest", "encodedTaskContent": encodedTask("demo", "t"), "platform": map[string]any{"os": "Linux"}, "timeout": timeout}})
		return err
	}
	for _, bad := range []int{299, 28801} {
		wantErr(t, run("bad", bad), `Status=400`, "from 300 to 28800 seconds")
	}
	for _, good := range []int{300, 28800} {
		if err := run("good", good); err != nil {
			t.Errorf("timeout %d: %v", good, err)
		}
		h.delete(tTaskRun, "good", rgID(w.rg)+"/providers/Microsoft.ContainerRegistry/registries/scdemoacr1/taskRuns/"+h.state().Find("TaskRun", nil)[0].Output("name"))
	}
}

// Run ids are ACR's: two letters and a number counted per registry.
func TestRunIDsAreCountedPerRegistry(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	shape := regexp.MustCompile(`^[a-z]{2}[0-9]+$`)
	for _, reg := range []string{"scdemoacr1", "scdemoacr2"} {
		h.mustCreate(tRegistry, reg, map[string]any{"resourceGroupName": w.rg, "registryName": reg, "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
		_, out := h.mustCreate(tTaskRun, "run-"+reg, map[string]any{"resourceGroupName": w.rg, "registryName": reg,
			"runRequest": map[string]any{"type": "EncodedTaskRunRequest", "encodedTaskContent": encodedTask("demo", "t"), "platform": map[string]any{"os": "Linux"}}})
		if id := gets(out, "runResult.runId"); id != "ca1" || !shape.MatchString(id) {
			t.Errorf("%s: first run id %q, want ca1", reg, id)
		}
	}
}

// kubernetesVersion stays as requested; currentKubernetesVersion is the
// full version running (the AKS spec's ManagedClusterProperties).
func TestKubernetesVersionAsAKSReturnsIt(t *testing.T) {
	h := newHarness(t)
	_, rg := h.mustCreate(tRG, "g", map[string]any{"location": "eastus2"})
	for requested, want := range map[string][2]string{
		"1.33":   {"1.33", "1.33." + latestPatch},
		"1.32.7": {"1.32.7", "1.32.7"},
		"":       {defaultKubernetesVersion, defaultKubernetesVersion},
	} {
		in := clusterInputs(rg["name"].StringValue())
		in["resourceName"] = "c" + regexp.MustCompile(`\D`).ReplaceAllString(requested, "")
		if requested != "" {
			in["kubernetesVersion"] = requested
		}
		_, out := h.mustCreate(tCluster, in["resourceName"].(string), in)
		if gets(out, "kubernetesVersion") != want[0] || gets(out, "currentKubernetesVersion") != want[1] {
			t.Errorf("requested %q: kubernetesVersion %q current %q, want %q %q", requested,
				gets(out, "kubernetesVersion"), gets(out, "currentKubernetesVersion"), want[0], want[1])
		}
		pool := out["agentPoolProfiles"].ArrayValue()[0].ObjectValue()
		if gets(pool, "currentOrchestratorVersion") != want[1] {
			t.Errorf("requested %q: pool runs %q", requested, gets(pool, "currentOrchestratorVersion"))
		}
	}
}
