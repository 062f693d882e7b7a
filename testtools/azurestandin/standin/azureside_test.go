package standin

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// refresh is a Read as the engine sends it in a refresh: the id, the old
// outputs and the old inputs.
func (h *harness) refresh(token, name, id string, oldIn, oldOut resource.PropertyMap) resource.PropertyMap {
	h.t.Helper()
	resp, err := h.p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: urnFor(token, name), Type: token,
		Properties: toStructPM(h.t, oldOut), Inputs: toStructPM(h.t, oldIn)})
	if err != nil {
		h.t.Fatalf("Read %s: %v", name, err)
	}
	return fromStruct(h.t, resp.GetInputs())
}

func TestFoundryUpgradeShowsInARefreshAndIsAnUpdate(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	oldOut := fromState(h.state().Get(w.accountID).Outputs)
	oldIn := fromState(h.state().Get(w.accountID).Inputs)
	// Off by default: nothing changes.
	if in := h.refresh(tAccount, "scdemo-openai", w.accountID, oldIn, oldOut); gets(in, "kind") != "OpenAI" {
		t.Fatalf("kind changed with the knob off: %v", in)
	}
	h.env[EnvAzureChanges] = "foundryUpgrade"
	in := h.refresh(tAccount, "scdemo-openai", w.accountID, oldIn, oldOut)
	acct := h.state().Get(w.accountID)
	if gets(in, "kind") != "AIServices" || acct.Output("kind") != "AIServices" || acct.Output("properties.endpoint") != w.endpoint {
		t.Errorf("after the upgrade: inputs %v, outputs kind %q endpoint %q (want %q)", in, acct.Output("kind"), acct.Output("properties.endpoint"), w.endpoint)
	}
	// Only what Azure changed lands in the inputs.
	if gets(in, "properties.customSubDomainName") != "scdemo-oai-1234abcd" || !getv(in, "properties.endpoint").IsNull() {
		t.Errorf("refreshed inputs %v", in)
	}
	// The program's kind OpenAI against it is an update, never a replacement.
	d, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urnFor(tAccount, "scdemo-openai"), Type: tAccount,
		OldInputs: toStructPM(t, in), News: toStruct(t, accountInputs(w.rg, "scdemo-oai-1234abcd"))})
	if err != nil || len(d.GetReplaces()) != 0 || d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		t.Errorf("kind back to OpenAI: %v %v", d, err)
	}
	// That update is the rollback, accepted once; another kind is refused.
	if err := h.update(tAccount, "scdemo-openai", w.accountID, accountInputs(w.rg, "scdemo-oai-1234abcd")); err != nil {
		t.Fatalf("rollback: %v", err)
	}
	if h.state().Get(w.accountID).Output("kind") != "OpenAI" {
		t.Errorf("not rolled back")
	}
	speech := accountInputs(w.rg, "scdemo-oai-1234abcd")
	speech["kind"] = "SpeechServices"
	wantErr(t, h.update(tAccount, "scdemo-openai", w.accountID, speech), `Status=400 Code="CanNotUpdateKind"`)
	// A subdomain change is an update too, which ARM refuses.
	other := accountInputs(w.rg, "scdemo-oai-1234abcd")
	other["properties"].(map[string]any)["customSubDomainName"] = "elsewhere"
	d, err = h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urnFor(tAccount, "scdemo-openai"), Type: tAccount,
		OldInputs: toStruct(t, accountInputs(w.rg, "scdemo-oai-1234abcd")), News: toStruct(t, other)})
	if err != nil || len(d.GetReplaces()) != 0 {
		t.Errorf("subdomain change: %v %v", d, err)
	}
}

func TestModelUpgradeFollowsTheDeploymentsOption(t *testing.T) {
	for option, want := range map[string]string{
		"OnceNewDefaultVersionAvailable": "2026-09-01",
		"OnceCurrentVersionExpired":      "2026-03-17",
		"NoAutoUpgrade":                  "2026-03-17",
	} {
		t.Run(option, func(t *testing.T) {
			h := newHarness(t)
			w := h.world()
			cat := BuiltinCatalog()
			r := cat.Region("eastus2")
			for i := range r.Models {
				if r.Models[i].Model.Name == "gpt-5.4-mini" {
					r.Models[i].Model.IsDefaultVersion = false
					next := r.Models[i]
					next.Model.Version, next.Model.IsDefaultVersion = "2026-09-01", true
					r.Models = append(r.Models, next)
					break
				}
			}
			writeCatalog(t, h, cat)
			id := w.accountID + "/deployments/chat"
			_ = h.p.Store.Update(func(s *State) error {
				s.Get(id).Inputs["properties"].(map[string]any)["versionUpgradeOption"] = option
				return nil
			})
			h.env[EnvAzureChanges] = "modelUpgrade"
			oldIn, oldOut := fromState(h.state().Get(id).Inputs), fromState(h.state().Get(id).Outputs)
			in := h.refresh(tDeploy, "scdemo-openai-chat", id, oldIn, oldOut)
			if got := gets(in, "properties.model.version"); got != want {
				t.Errorf("version after refresh %q, want %q", got, want)
			}
		})
	}
}

func TestAKSUpgradeChannelAndWhatAKSRefuses(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	cat := BuiltinCatalog()
	r := cat.Region("eastus2")
	for i, raw := range r.KubernetesVersions {
		var v aksVersion
		_ = json.Unmarshal(raw, &v)
		if v.Version == "1.33" {
			r.KubernetesVersions[i] = []byte(`{"version":"1.33","patchVersions":{"1.33.5":{},"1.33.7":{}}}`)
		}
	}
	writeCatalog(t, h, cat)
	in := clusterInputs(w.rg)
	in["kubernetesVersion"] = "1.33"
	in["autoUpgradeProfile"] = map[string]any{"upgradeChannel": "patch"}
	if err := h.update(tCluster, "scdemo-aks", w.clusterID, in); err != nil {
		t.Fatal(err)
	}
	oldIn, oldOut := fromState(h.state().Get(w.clusterID).Inputs), fromState(h.state().Get(w.clusterID).Outputs)
	h.env[EnvAzureChanges] = "aksUpgrade"
	refreshed := h.refresh(tCluster, "scdemo-aks", w.clusterID, oldIn, oldOut)
	c := h.state().Get(w.clusterID)
	if c.Output("currentKubernetesVersion") != "1.33.7" || gets(refreshed, "kubernetesVersion") != "1.33" {
		t.Errorf("patch channel: running %q, refreshed inputs' version %q", c.Output("currentKubernetesVersion"), gets(refreshed, "kubernetesVersion"))
	}
	// The same request again keeps the patch AKS moved to.
	if err := h.update(tCluster, "scdemo-aks", w.clusterID, in); err != nil || h.state().Get(w.clusterID).Output("currentKubernetesVersion") != "1.33.7" {
		t.Errorf("an update went back from 1.33.7: %v %q", err, h.state().Get(w.clusterID).Output("currentKubernetesVersion"))
	}
	old := clusterInputs(w.rg)
	old["kubernetesVersion"] = "1.33.2"
	wantErr(t, h.update(tCluster, "scdemo-aks", w.clusterID, old), `Status=400 Code="OperationNotAllowed"`, "downgrade")
	bigger := clusterInputs(w.rg)
	bigger["agentPoolProfiles"].([]any)[0].(map[string]any)["vmSize"] = "Standard_D4s_v5"
	wantErr(t, h.update(tCluster, "scdemo-aks", w.clusterID, bigger), `Status=400 Code="PropertyChangeNotAllowed"`, `Changing property \"agentPoolProfile.vmSize\" is not allowed`)
}

func TestLinkWritesTheAccountUnlessItOptsOut(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	in := linkerInputs(w, "default")
	in["publicNetworkSolution"] = map[string]any{"action": "optOut"}
	id, _ := h.mustCreate(tLinker, "conn", in)
	if v := h.state().Get(w.accountID).Outputs["properties"].(map[string]any)["networkAcls"]; v != nil {
		t.Errorf("optOut link wrote the account: %v", v)
	}
	h.delete(tLinker, "conn", id)
	h.mustCreate(tLinker, "conn2", linkerInputs(w, "default"))
	if v := h.state().Get(w.accountID).Output("properties.networkAcls.defaultAction"); v != "Allow" {
		t.Errorf("default link left the account's network alone: %q", v)
	}
}

func TestReplacementDeletesFirstUnlessTheNameWasRandom(t *testing.T) {
	h := newHarness(t)
	if !h.p.deleteBeforeReplace(urnFor(tDeploy, "named"), "chat") {
		t.Error("a named resource is replaced create-first")
	}
	inputs := h.checked(tRG, "scdemo", map[string]any{"location": "eastus2"})
	name := gets(fromStruct(t, inputs), "resourceGroupName")
	if h.p.deleteBeforeReplace(urnFor(tRG, "scdemo"), name) {
		t.Error("an auto-named resource is replaced delete-first")
	}
}

func TestGetAccountAndDeploymentReadWhatAzureRuns(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvAzureChanges] = "foundryUpgrade"
	args := map[string]any{"resourceGroupName": w.rg, "accountName": "scdemo-oai-1234abcd"}
	resp, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:cognitiveservices:getAccount", Args: toStruct(t, args)})
	if err != nil || gets(fromStruct(t, resp.GetReturn()), "kind") != "AIServices" {
		t.Errorf("getAccount after the upgrade: %v %v", resp, err)
	}
	args["deploymentName"] = "chat"
	resp, err = h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:cognitiveservices:getDeployment", Args: toStruct(t, args)})
	if err != nil || gets(fromStruct(t, resp.GetReturn()), "properties.model.version") != "2026-03-17" {
		t.Errorf("getDeployment: %v %v", resp, err)
	}
	args["deploymentName"] = "other"
	_, err = h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:cognitiveservices:getDeployment", Args: toStruct(t, args)})
	wantErr(t, err, "Status=404")
}
