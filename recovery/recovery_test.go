package main

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const sub = "00000000-0000-0000-0000-00000000aaaa"

// The message the CLI of a DIY backend prints for a locked stack.
const lockedOut = `error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with ` + "`pulumi cancel`" + `.
  file:///tmp/b/.pulumi/locks/organization/aks-openai-workload-identity/dev/1c2d.json: created by root@ci-runner (pid 4242) at 2026-12-03T09:00:00Z`

func TestLocksAreReadFromTheCLIsRefusal(t *testing.T) {
	locks := parseLocks(lockedOut)
	if len(locks) != 1 {
		t.Fatalf("locks %+v", locks)
	}
	l := locks[0]
	if l.PID != 4242 || l.Host != "ci-runner" || l.User != "root" || l.Time != "2026-12-03T09:00:00Z" ||
		!strings.HasSuffix(l.URL, "/dev/1c2d.json") {
		t.Errorf("lock %+v", l)
	}
	if parseLocks("error: update failed") != nil {
		t.Error("an unlocked failure read as a lock")
	}
}

func TestOnlyALockWhoseRunHasEndedIsRemoved(t *testing.T) {
	l := []lock{{User: "root", Host: "here", PID: 4242, Time: "t"}}
	alive := func(int) bool { return true }
	dead := func(int) bool { return false }
	if err := staleLocks(l, "here", dead, false); err != nil {
		t.Errorf("a lock of a gone process on this machine: %v", err)
	}
	for _, force := range []bool{false, true} {
		if err := staleLocks(l, "here", alive, force); err == nil || !strings.Contains(err.Error(), "pulumi (pid 4242, since t) is still running") {
			t.Errorf("a running CLI's lock (force %v): %v", force, err)
		}
	}
	if err := staleLocks(l, "elsewhere", dead, false); err == nil || !strings.Contains(err.Error(), "FORCE=1") {
		t.Errorf("another machine's lock without force: %v", err)
	}
	if err := staleLocks(l, "elsewhere", alive, true); err != nil {
		t.Errorf("another machine's lock with force: %v", err)
	}
}

func TestAPendingCreateNamesItsID(t *testing.T) {
	rg := "/subscriptions/" + sub + "/resourceGroups/scdemo-rg1234abcd"
	cases := []struct {
		typ    string
		inputs map[string]any
		want   string
	}{
		{"azure-native:resources:ResourceGroup", map[string]any{"resourceGroupName": "scdemo-rg1234abcd"}, rg},
		{"azure-native:containerservice:ManagedCluster", map[string]any{"resourceGroupName": "scdemo-rg1234abcd", "resourceName": "aks"},
			rg + "/providers/Microsoft.ContainerService/managedClusters/aks"},
		{"azure-native:containerregistry/v20230101preview:Registry", map[string]any{"resourceGroupName": "scdemo-rg1234abcd", "registryName": "acr1"},
			rg + "/providers/Microsoft.ContainerRegistry/registries/acr1"},
		{"azure-native:cognitiveservices:Deployment", map[string]any{"resourceGroupName": "scdemo-rg1234abcd", "accountName": "oai", "deploymentName": "chat"},
			rg + "/providers/Microsoft.CognitiveServices/accounts/oai/deployments/chat"},
		{"azure-native:authorization:RoleAssignment", map[string]any{"scope": rg + "/providers/Microsoft.ContainerRegistry/registries/acr1", "roleAssignmentName": "g"},
			rg + "/providers/Microsoft.ContainerRegistry/registries/acr1/providers/Microsoft.Authorization/roleAssignments/g"},
		{"azure-native:servicelinker:Linker", map[string]any{"resourceUri": rg + "/providers/Microsoft.ContainerService/managedClusters/aks", "linkerName": "openaiconn"},
			rg + "/providers/Microsoft.ContainerService/managedClusters/aks/providers/Microsoft.ServiceLinker/linkers/openaiconn"},
		{"kubernetes:batch/v1:Job", map[string]any{"metadata": map[string]any{"name": "demo", "namespace": "sc-demo"}}, "sc-demo/demo"},
		{"kubernetes:core/v1:Secret", map[string]any{"metadata": map[string]any{"name": "s"}}, "default/s"},
		{"kubernetes:core/v1:Namespace", map[string]any{"metadata": map[string]any{"name": "sc-demo"}}, "sc-demo"},
	}
	for _, c := range cases {
		got, err := resourceID(pending{URN: "urn:x", Type: c.typ, Inputs: c.inputs}, sub)
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.typ, got, err, c.want)
		}
	}
	for _, bad := range []pending{
		{URN: "urn:a", Type: "azure-native:containerservice:ManagedCluster", Inputs: map[string]any{"resourceGroupName": "rg"}},
		{URN: "urn:b", Type: "azure-native:network:VirtualNetwork", Inputs: map[string]any{}},
		{URN: "urn:c", Type: "random:index:RandomString", Inputs: map[string]any{}},
	} {
		if _, err := resourceID(bad, sub); err == nil {
			t.Errorf("%s: an id for %s", bad.URN, bad.Type)
		}
	}
	if _, err := resourceID(pending{URN: "urn:rg", Type: "azure-native:resources:ResourceGroup", Inputs: map[string]any{"resourceGroupName": "rg"}}, ""); err == nil ||
		!strings.Contains(err.Error(), "ARM_SUBSCRIPTION_ID") {
		t.Errorf("no subscription: %v", err)
	}
}

func TestTheExportNamesWhatWasInFlight(t *testing.T) {
	st, err := parseExport([]byte(`{"version":3,"deployment":{"resources":[
		{"urn":"urn:rg","id":"/subscriptions/` + sub + `/resourceGroups/rg1","type":"azure-native:resources:ResourceGroup"}],
		"pending_operations":[{"resource":{"urn":"urn:aks","type":"azure-native:containerservice:ManagedCluster",
		"inputs":{"resourceGroupName":"rg1","resourceName":"aks"}},"type":"creating"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if st.subscription() != sub || st.IDs["urn:rg"] == "" || len(st.Pending) != 1 || st.Pending[0].Op != "creating" ||
		st.Pending[0].Inputs["resourceName"] != "aks" {
		t.Errorf("state %+v", st)
	}
}

func TestAdoptingMakesAPendingCreateAResourceWithItsID(t *testing.T) {
	export := []byte(`{"version":3,"deployment":{"manifest":{"time":"t"},"resources":[{"urn":"urn:rg","id":"rg-id","custom":true}],
		"pending_operations":[
		{"resource":{"urn":"urn:aks","custom":true,"type":"azure-native:containerservice:ManagedCluster","inputs":{"resourceName":"aks"}},"type":"creating"},
		{"resource":{"urn":"urn:acr","custom":true,"id":"acr-id"},"type":"updating"},
		{"resource":{"urn":"urn:component","custom":false,"type":"aksopenai:infra:Cluster"},"type":"creating"}]}}`)
	out, err := adopt(export, map[string]string{"urn:aks": "aks-id", "urn:component": ""})
	if err != nil {
		t.Fatal(err)
	}
	st, err := parseExport(out)
	if err != nil {
		t.Fatal(err)
	}
	if id, in := st.IDs["urn:component"]; st.IDs["urn:aks"] != "aks-id" || st.IDs["urn:rg"] != "rg-id" || !in || id != "" ||
		len(st.Pending) != 1 || st.Pending[0].URN != "urn:acr" {
		t.Errorf("adopted %s", out)
	}
	if !strings.Contains(string(out), `"manifest"`) || !strings.Contains(string(out), `"resourceName": "aks"`) {
		t.Errorf("adopting lost the rest of the state: %s", out)
	}
}

// What a refresh left on the adopted cluster: every property Azure returns
// copied into its inputs, the v2 checkpoint's `__inputs` encrypted.
const refreshedExport = `{"version": 3, "deployment": {"resources": [
  {"urn": "urn:pulumi:dev::p::azure-native:containerservice:ManagedCluster::aks", "custom": true, "id": "/x/aks",
   "inputs": {"resourceName": "aks", "nodeResourceGroup": "MC_rg_aks_eastus2", "kubernetesVersion": "1.33.5"},
   "outputs": {"name": "aks", "kubernetesVersion": "1.33.5",
     "__inputs": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "ciphertext": "v1:abc"}}},
  {"urn": "urn:pulumi:dev::p::azure-native:resources:ResourceGroup::rg", "custom": true, "id": "/x",
   "inputs": {"resourceGroupName": "rg", "tags": {"a": "b"}}, "outputs": {"name": "rg"}}
]}}`

func TestAnAdoptedResourceGetsBackTheInputsItsCreateSent(t *testing.T) {
	aks := "urn:pulumi:dev::p::azure-native:containerservice:ManagedCluster::aks"
	sent := map[string]any{"resourceName": "aks", "dnsPrefix": "aks"}
	out, err := sentInputs([]byte(refreshedExport), map[string]map[string]any{aks: sent})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Deployment struct {
			Resources []struct {
				URN     string         `json:"urn"`
				Inputs  map[string]any `json:"inputs"`
				Outputs map[string]any `json:"outputs"`
			} `json:"resources"`
		} `json:"deployment"`
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	cluster, rg := doc.Deployment.Resources[0], doc.Deployment.Resources[1]
	if !reflect.DeepEqual(cluster.Inputs, sent) {
		t.Errorf("the adopted cluster's inputs %v, want what its create sent %v", cluster.Inputs, sent)
	}
	checkpoint, _ := cluster.Outputs["__inputs"].(map[string]any)
	if got, _ := checkpoint["plaintext"].(string); got != `{"dnsPrefix":"aks","resourceName":"aks"}` {
		t.Errorf("the checkpoint's __inputs %v, want the sent inputs as a plaintext secret", checkpoint)
	}
	if cluster.Outputs["kubernetesVersion"] != "1.33.5" {
		t.Errorf("the outputs Azure returned were changed: %v", cluster.Outputs)
	}
	if rg.Inputs["tags"] == nil || len(rg.Inputs) != 2 {
		t.Errorf("a resource that was not adopted lost its inputs: %v", rg.Inputs)
	}
}
