package standin

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestLifecycleCreateReadDiffUpdateDelete(t *testing.T) {
	h := newHarness(t)
	rgID, rgOut := h.mustCreate(tRG, "scdemo", map[string]any{"location": "eastus2", "tags": map[string]any{"stack": "dev"}})
	rg := rgOut["name"].StringValue()
	if rgID != "/subscriptions/"+SubscriptionID+"/resourceGroups/"+rg || gets(rgOut, "properties.provisioningState") != "Succeeded" {
		t.Fatalf("group %s %v", rgID, rgOut)
	}
	in := map[string]any{"resourceGroupName": rg, "location": "eastus2", "tags": map[string]any{"stack": "dev"}}
	inputs := h.checked(tIdentity, "scdemo-identity", in)
	created, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tIdentity, "scdemo-identity"), Type: tIdentity, Properties: inputs})
	if err != nil {
		t.Fatal(err)
	}
	id, out := created.GetId(), fromStruct(t, created.GetProperties())
	name := out["name"].StringValue()
	if id != rgID+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"+name || !strings.HasPrefix(name, "scdemo-identity") {
		t.Fatalf("id %s name %s", id, name)
	}
	for _, k := range []string{"clientId", "principalId"} {
		if !guidPattern.MatchString(out[resource.PropertyKey(k)].StringValue()) {
			t.Errorf("%s = %v", k, out[resource.PropertyKey(k)])
		}
	}
	if out["tenantId"].StringValue() != TenantID || out["type"].StringValue() != "Microsoft.ManagedIdentity/userAssignedIdentities" {
		t.Errorf("outputs %v", out)
	}
	if _, has := out["resourceGroupName"]; has {
		t.Error("a path parameter leaked into the outputs")
	}

	read := h.read(tIdentity, "scdemo-identity", id)
	if read.GetId() != id || fromStruct(t, read.GetProperties())["clientId"].StringValue() != out["clientId"].StringValue() {
		t.Fatalf("read %v", read)
	}

	diff := func(news map[string]any) *pulumirpc.DiffResponse {
		t.Helper()
		checkedNews := h.check(tIdentity, "scdemo-identity", news, fromStruct(t, inputs).Mappable()).GetInputs()
		resp, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Id: id, Urn: urnFor(tIdentity, "scdemo-identity"), Type: tIdentity,
			Olds: created.GetProperties(), OldInputs: inputs, News: checkedNews})
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if d := diff(in); d.GetChanges() != pulumirpc.DiffResponse_DIFF_NONE {
		t.Errorf("identical inputs: %v", d)
	}
	retag := map[string]any{"resourceGroupName": rg, "location": "eastus2", "tags": map[string]any{"stack": "prod"}}
	d := diff(retag)
	if d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(d.GetReplaces()) != 0 || d.GetDetailedDiff()["tags.stack"].GetKind() != pulumirpc.PropertyDiff_UPDATE {
		t.Errorf("tag change: %v", d)
	}
	moved := diff(map[string]any{"resourceGroupName": rg, "location": "westus3", "tags": map[string]any{"stack": "dev"}})
	if len(moved.GetReplaces()) != 1 || moved.GetReplaces()[0] != "location" || moved.GetDeleteBeforeReplace() {
		t.Errorf("location change of an auto-named identity: %v", moved)
	}
	unknownRG := h.check(tIdentity, "scdemo-identity", map[string]any{"location": "eastus2", "tags": map[string]any{"stack": "dev"}}, fromStruct(t, inputs).Mappable()).GetInputs()
	pm := fromStruct(t, unknownRG)
	pm["resourceGroupName"] = resource.MakeComputed(resource.NewStringProperty(""))
	unknownStruct := toStructPM(t, pm)
	ud, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Id: id, Urn: urnFor(tIdentity, "scdemo-identity"), Type: tIdentity, OldInputs: inputs, News: unknownStruct})
	if err != nil || len(ud.GetReplaces()) != 1 || ud.GetReplaces()[0] != "resourceGroupName" {
		t.Errorf("unknown group: %v %v", ud, err)
	}

	up, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: urnFor(tIdentity, "scdemo-identity"), Type: tIdentity,
		Olds: created.GetProperties(), OldInputs: inputs, News: h.checked(tIdentity, "scdemo-identity", map[string]any{"resourceGroupName": rg, "resourceName": name, "location": "eastus2", "tags": map[string]any{"stack": "prod"}})})
	if err != nil {
		t.Fatal(err)
	}
	upOut := fromStruct(t, up.GetProperties())
	if upOut["clientId"].StringValue() != out["clientId"].StringValue() || gets(upOut, "tags.stack") != "prod" {
		t.Errorf("update changed the identity or kept the tag: %v", upOut)
	}

	// A fixed name must be deleted before its replacement is created.
	fixedIn := map[string]any{"resourceGroupName": rg, "resourceName": "fixed-identity", "location": "eastus2"}
	fixedInputs := h.checked(tIdentity, "fixed", fixedIn)
	fixedMoved := h.checked(tIdentity, "fixed", map[string]any{"resourceGroupName": rg, "resourceName": "fixed-identity", "location": "westus3"})
	fd, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urnFor(tIdentity, "fixed"), Type: tIdentity, OldInputs: fixedInputs, News: fixedMoved})
	if err != nil || !fd.GetDeleteBeforeReplace() {
		t.Errorf("fixed name: %v %v", fd, err)
	}

	// Creating what exists fails as azure-native does.
	if _, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tIdentity, "dup"), Type: tIdentity,
		Properties: h.checked(tIdentity, "dup", map[string]any{"resourceGroupName": rg, "resourceName": name, "location": "eastus2"})}); err == nil {
		t.Error("created an existing identity twice")
	} else {
		wantErr(t, err, "already existing resource", id)
	}

	// Deleting the group deletes what is in it.
	h.delete(tRG, "scdemo", rgID)
	if got := h.read(tIdentity, "scdemo-identity", id); got.GetId() != "" {
		t.Errorf("identity survived its group: %v", got)
	}
	h.delete(tIdentity, "scdemo-identity", id) // already gone: not an error
	if n := len(h.state().Objects); n != 0 {
		t.Errorf("%d objects left", n)
	}
}

func TestDependentsNeedTheirParents(t *testing.T) {
	h := newHarness(t)
	_, _, err := h.create(tIdentity, "id", map[string]any{"resourceGroupName": "nope", "location": "eastus2"})
	wantErr(t, err, `Status=404 Code="ResourceGroupNotFound"`, "Resource group 'nope' could not be found.")

	_, rg := h.mustCreate(tRG, "g", map[string]any{"location": "eastus2"})
	name := rg["name"].StringValue()
	_, _, err = h.create(tDeploy, "d", map[string]any{"resourceGroupName": name, "accountName": "missing", "deploymentName": "chat",
		"sku": map[string]any{"name": "GlobalStandard", "capacity": 1}, "properties": map[string]any{"model": map[string]any{"format": "OpenAI", "name": "gpt"}}})
	wantErr(t, err, `Status=404 Code="ParentResourceNotFound"`, "Parent resource 'missing' not found")
	_, _, err = h.create(tTaskRun, "run", map[string]any{"resourceGroupName": name, "registryName": "missingacr", "runRequest": map[string]any{
		"type": "EncodedTaskRunRequest", "encodedTaskContent": "", "platform": map[string]any{"os": "Linux"}}})
	wantErr(t, err, "ParentResourceNotFound", "missingacr")
	_, _, err = h.create(tFIC, "fic", map[string]any{"resourceGroupName": name, "resourceName": "noid", "issuer": "https://i/", "subject": "s", "audiences": []any{"api://AzureADTokenExchange"}})
	wantErr(t, err, "ParentResourceNotFound", "noid")
}

func TestGlobalNamesAndSoftDelete(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	reg := func(logical, rg string) error {
		_, _, err := h.create(tRegistry, logical, map[string]any{"resourceGroupName": rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
		return err
	}
	if err := reg("acr", w.rg); err != nil {
		t.Fatal(err)
	}
	_, other := h.mustCreate(tRG, "other", map[string]any{"location": "eastus2"})
	wantErr(t, reg("acr2", other["name"].StringValue()), `Status=409 Code="AlreadyInUse"`, "scdemoacr1.azurecr.io is already in use")

	_, _, err := h.create(tAccount, "acct2", accountInputs(other["name"].StringValue(), "scdemo-oai-1234abcd"))
	wantErr(t, err, `Code="CustomDomainInUse"`)

	h.delete(tAccount, "scdemo-openai", w.accountID)
	_, _, err = h.create(tAccount, "scdemo-openai", accountInputs(w.rg, "scdemo-oai-1234abcd"))
	wantErr(t, err, `Status=409 Code="FlagMustBeSetForRestore"`, "soft-deleted")
	_, _, err = h.create(tAccount, "acct3", accountInputs(other["name"].StringValue(), "scdemo-oai-1234abcd"))
	wantErr(t, err, `Code="CustomDomainInUse"`, "'scdemo-oai-1234abcd' is not available", "deleted in the last 48 hours")

	h.env[EnvSoftDelete] = "0"
	h.delete(tRG, "other", "/subscriptions/"+SubscriptionID+"/resourceGroups/"+other["name"].StringValue())
	if _, _, err := h.create(tAccount, "acct4", accountInputs(w.rg, "scdemo-oai-ffff0000")); err != nil {
		t.Fatal(err)
	}
}

func TestFaultsCountAcrossPluginProcesses(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvFaults] = "Linker:create:1=409, Registry:delete=500/InternalServerError"
	_, _, err := h.create(tLinker, "conn", linkerInputs(w, "demo"))
	wantErr(t, err, `Status=409 Code="Conflict"`, "Injected fault")
	if h.state().Get(w.clusterID+"/providers/Microsoft.ServiceLinker/linkers/openaiconn") != nil {
		t.Fatal("a failed create left the linker behind")
	}
	h.p = h.provider() // the next `pulumi up` is another plugin process
	if _, _, err := h.create(tLinker, "conn", linkerInputs(w, "demo")); err != nil {
		t.Fatalf("second create: %v", err)
	}
	regID, _ := h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	_, err = h.p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: regID, Urn: urnFor(tRegistry, "acr"), Type: tRegistry})
	wantErr(t, err, `Status=500 Code="InternalServerError"`)
	h.env[EnvFaults] = "Linker:create:x=409"
	resp, _ := h.p.CheckConfig(context.Background(), &pulumirpc.CheckRequest{})
	if len(resp.GetFailures()) != 1 || !strings.Contains(resp.GetFailures()[0].GetReason(), "occurrence") {
		t.Errorf("bad fault spec: %v", resp.GetFailures())
	}
}

func TestInvokes(t *testing.T) {
	h := newHarness(t)
	kubeconfig := filepath.Join(h.dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, []byte("apiVersion: v1\nkind: Config\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.env[EnvKubeconfig] = kubeconfig
	cc, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:authorization:getClientConfig", Args: toStruct(t, nil)})
	if err != nil {
		t.Fatal(err)
	}
	ret := fromStruct(t, cc.GetReturn())
	if gets(ret, "subscriptionId") != SubscriptionID || gets(ret, "tenantId") != TenantID || gets(ret, "objectId") != ObjectID || gets(ret, "clientId") != ClientID {
		t.Errorf("client config %v", ret)
	}
	tok, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:authorization:getClientToken", Args: toStruct(t, map[string]any{"endpoint": "https://management.azure.com/"})})
	if err != nil {
		t.Fatal(err)
	}
	if token := gets(fromStruct(t, tok.GetReturn()), "token"); !strings.HasPrefix(token, ARMTokenPrefix) {
		t.Errorf("client token %q", token)
	}
	creds := func(rg, name string) (*pulumirpc.InvokeResponse, error) {
		return h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials",
			Args: toStruct(t, map[string]any{"resourceGroupName": rg, "resourceName": name})})
	}
	_, err = creds("nope", "c")
	wantErr(t, err, `Status=404 Code="ResourceGroupNotFound"`)
	w := h.world()
	_, err = creds(w.rg, "other")
	wantErr(t, err, `Status=404 Code="ResourceNotFound"`, "Microsoft.ContainerService/managedClusters/other")
	_, clusterName, _ := describeID(w.clusterID)
	resp, err := creds(w.rg, clusterName)
	if err != nil {
		t.Fatal(err)
	}
	kcs := fromStruct(t, resp.GetReturn())["kubeconfigs"].ArrayValue()
	raw, _ := base64.StdEncoding.DecodeString(gets(kcs[0].ObjectValue(), "value"))
	if len(kcs) != 1 || gets(kcs[0].ObjectValue(), "name") != "clusterUser" || string(raw) != "apiVersion: v1\nkind: Config\n" {
		t.Errorf("kubeconfigs %v", kcs)
	}
	bad, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials", Args: toStruct(t, map[string]any{"resourceName": "x"})})
	if err != nil || len(bad.GetFailures()) != 1 {
		t.Errorf("missing group: %v %v", bad, err)
	}
}

func TestPreviewAndLogAndPluginInfo(t *testing.T) {
	h := newHarness(t)
	pm := resource.PropertyMap{
		"resourceGroupName": resource.MakeComputed(resource.NewStringProperty("")),
		"accountName":       resource.NewStringProperty("abc12"),
		"kind":              resource.NewStringProperty("OpenAI"),
		"properties":        resource.NewObjectProperty(resource.PropertyMap{"customSubDomainName": resource.NewStringProperty("abc12")}),
	}
	resp, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tAccount, "acct"), Type: tAccount, Properties: toStructPM(t, pm), Preview: true})
	if err != nil {
		t.Fatal(err)
	}
	out := fromStruct(t, resp.GetProperties())
	if resp.GetId() != "" || !getv(out, "properties.endpoint").IsComputed() || gets(out, "properties.customSubDomainName") != "abc12" || gets(out, "name") != "abc12" {
		t.Errorf("preview %v", out)
	}
	if len(h.state().Objects) != 0 {
		t.Error("a preview changed the state")
	}
	info, _ := h.p.GetPluginInfo(context.Background(), &emptypb.Empty{})
	if info.GetVersion() != "2.92.0" {
		t.Errorf("version %q", info.GetVersion())
	}
	log := readLog(t, h.env[EnvLog])
	if !regexp.MustCompile(`(?m)^\S+ version=2\.92\.0 pid=\d+ method=Create\(preview\) type=azure-native:cognitiveservices:Account name=acct dur=\S+ result=ok$`).MatchString(log) {
		t.Errorf("log:\n%s", log)
	}
}
