package standin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
)

func TestCheckRejectsWhatAzureRejects(t *testing.T) {
	h := newHarness(t)
	rg := "rg1"
	linker := func(mut func(m map[string]any)) map[string]any {
		w := world{clusterID: "/subscriptions/" + SubscriptionID + "/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c",
			accountID: "/subscriptions/" + SubscriptionID + "/resourceGroups/rg1/providers/Microsoft.CognitiveServices/accounts/a",
			clientID:  "11111111-2222-3333-4444-555555555555"}
		m := linkerInputs(w, "demo")
		mut(m)
		return m
	}
	registry := func(name, sku string, anon bool) map[string]any {
		return map[string]any{"resourceGroupName": rg, "registryName": name, "sku": map[string]any{"name": sku}, "anonymousPullEnabled": anon}
	}
	cases := []struct {
		name, token string
		in          map[string]any
		property    string
		reason      string
	}{
		{"registry name too short", tRegistry, registry("ab1", "Standard", false), "registryName", "5 to 50 letters or digits"},
		{"registry name with dash", tRegistry, registry("scdemo-acr1", "Standard", false), "registryName", "'registryName' is 'scdemo-acr1'"},
		{"registry without sku", tRegistry, map[string]any{"resourceGroupName": rg, "registryName": "scdemoacr1"}, "sku", "missing required property 'sku'"},
		{"anonymous pull on Basic", tRegistry, registry("scdemoacr1", "Basic", true), "anonymousPullEnabled", "Standard or Premium"},
		{"anonymousPullEnabled on the default API", tRegV2, registry("scdemoacr1", "Standard", true), "anonymousPullEnabled", "not a property of this type"},
		{"registry sku unknown", tRegistry, registry("scdemoacr1", "Gold", false), "sku.name", "expected one of"},
		{"cluster identity type is a closed enum", tCluster, func() map[string]any {
			m := clusterInputs(rg)
			m["identity"] = map[string]any{"type": "Automatic"}
			return m
		}(), "identity.type", "'identity.type' is 'Automatic' but expected one of ['SystemAssigned','UserAssigned','None']"},
		{"dnsPrefix too long", tCluster, func() map[string]any {
			m := clusterInputs(rg)
			m["dnsPrefix"] = strings.Repeat("a", 55)
			return m
		}(), "dnsPrefix", "1 to 54"},
		{"dnsPrefix with underscore", tCluster, func() map[string]any {
			m := clusterInputs(rg)
			m["dnsPrefix"] = "scdemo_aks"
			return m
		}(), "dnsPrefix", "letters, digits or '-'"},
		{"agent pool name", tCluster, func() map[string]any {
			m := clusterInputs(rg)
			m["agentPoolProfiles"] = []any{map[string]any{"name": "System-Pool", "mode": "System"}}
			return m
		}(), "agentPoolProfiles[0].name", "lowercase"},
		{"agent pool count type", tCluster, func() map[string]any {
			m := clusterInputs(rg)
			m["agentPoolProfiles"] = []any{map[string]any{"name": "system", "count": "one"}}
			return m
		}(), "agentPoolProfiles[0].count", "must be a whole number"},
		{"subdomain ending in dash", tAccount, accountInputs(rg, "scdemo-oai-"), "properties.customSubDomainName", "starting and ending with a letter or digit"},
		{"deployment without accountName", tDeploy, map[string]any{"resourceGroupName": rg, "deploymentName": "chat"}, "accountName", "missing required property 'accountName'"},
		{"linker authType unknown", tLinker, linker(func(m map[string]any) { m["authInfo"].(map[string]any)["authType"] = "workloadIdentity" }),
			"authInfo.authType", "'authInfo.authType' is 'workloadIdentity' but expected one of"},
		{"linker user identity without clientId", tLinker, linker(func(m map[string]any) { delete(m["authInfo"].(map[string]any), "clientId") }),
			"authInfo.clientId", "needs the identity's clientId and subscriptionId"},
		{"linker user identity without subscription", tLinker, linker(func(m map[string]any) { delete(m["authInfo"].(map[string]any), "subscriptionId") }),
			"authInfo.subscriptionId", "missing required property 'authInfo.subscriptionId'"},
		{"linker target without discriminator", tLinker, linker(func(m map[string]any) { delete(m["targetService"].(map[string]any), "type") }),
			"targetService.type", "discriminator"},
		{"linker target without id", tLinker, linker(func(m map[string]any) { delete(m["targetService"].(map[string]any), "id") }),
			"targetService.id", "missing required property 'targetService.id'"},
		{"linker misspelt property", tLinker, linker(func(m map[string]any) { m["namespace"] = "demo" }), "namespace", "not a property of this type"},
		{"linker name with dash", tLinker, linker(func(m map[string]any) { m["linkerName"] = "openai-conn" }), "linkerName", "letters, digits, '.' or '_'"},
		{"FIC with two audiences", tFIC, map[string]any{"resourceGroupName": rg, "resourceName": "id", "issuer": "https://i/", "subject": "s",
			"audiences": []any{"a", "b"}}, "audiences", "exactly one"},
		{"FIC with http issuer", tFIC, map[string]any{"resourceGroupName": rg, "resourceName": "id", "issuer": "http://i/", "subject": "s",
			"audiences": []any{"api://AzureADTokenExchange"}}, "issuer", "https URL"},
		{"role assignment without principal", tRole, map[string]any{"scope": "/subscriptions/" + SubscriptionID, "roleDefinitionId": "x"}, "principalId", "missing required property 'principalId'"},
		{"role assignment name not a GUID", tRole, map[string]any{"scope": "/subscriptions/" + SubscriptionID, "roleDefinitionId": "x", "principalId": "p", "roleAssignmentName": "mine"},
			"roleAssignmentName", "a GUID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := h.check(tc.token, "res", tc.in, nil)
			var got []string
			for _, f := range resp.GetFailures() {
				got = append(got, f.GetProperty()+": "+f.GetReason())
				if f.GetProperty() == tc.property && strings.Contains(f.GetReason(), tc.reason) {
					return
				}
			}
			t.Errorf("want a failure on %s containing %q; got %q", tc.property, tc.reason, got)
		})
	}
}

func TestTutorialInputsPassCheck(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	resp := h.check(tLinker, "scdemo-connection", linkerInputs(w, "demo"), nil)
	if len(resp.GetFailures()) > 0 {
		t.Fatalf("failures %v", resp.GetFailures())
	}
	reg := h.check(tRegistry, "scdemo-acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1234abcd", "location": "eastus2",
		"sku": map[string]any{"name": "Standard"}, "adminUserEnabled": false, "anonymousPullEnabled": true, "tags": map[string]any{"a": "b"}}, nil)
	if len(reg.GetFailures()) > 0 {
		t.Fatalf("failures %v", reg.GetFailures())
	}
}

func TestAutonamingIsStableAndLikeAzureNative(t *testing.T) {
	h := newHarness(t)
	name := func(resp *pulumirpc.CheckResponse, key string) string {
		return fromStruct(t, resp.GetInputs())[resource.PropertyKey(key)].StringValue()
	}
	first := name(h.check(tRG, "scdemo", map[string]any{"location": "eastus2"}, nil), "resourceGroupName")
	if !regexp.MustCompile(`^scdemo[0-9a-f]{8}$`).MatchString(first) {
		t.Fatalf("auto-name %q", first)
	}
	again := name(h.check(tRG, "scdemo", map[string]any{"location": "westus"}, map[string]any{"location": "eastus2", "resourceGroupName": first}), "resourceGroupName")
	if again != first {
		t.Errorf("update renamed %q to %q", first, again)
	}
	req := &pulumirpc.CheckRequest{Urn: urnFor(tRG, "scdemo"), Type: tRG, News: toStruct(t, map[string]any{"location": "eastus2"}), RandomSeed: []byte("other seed")}
	resp, err := h.p.Check(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if fresh := name(resp, "resourceGroupName"); fresh == first {
		t.Errorf("a new seed kept the name %q", fresh)
	}
	if explicit := name(h.check(tRG, "scdemo", map[string]any{"location": "eastus2", "resourceGroupName": "mine"}, nil), "resourceGroupName"); explicit != "mine" {
		t.Errorf("explicit name became %q", explicit)
	}
	ra := name(h.check(tRole, "ra", map[string]any{"scope": "/subscriptions/" + SubscriptionID, "principalId": "p", "roleDefinitionId": "r"}, nil), "roleAssignmentName")
	if !guidPattern.MatchString(ra) {
		t.Errorf("role assignment auto-name %q", ra)
	}
	// The provider's location fills in a missing one.
	if _, err := h.p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: toStruct(t, map[string]any{"location": "swedencentral"})}); err != nil {
		t.Fatal(err)
	}
	if loc := name(h.check(tIdentity, "id", map[string]any{"resourceGroupName": "g"}, nil), "location"); loc != "swedencentral" {
		t.Errorf("location %q", loc)
	}
}

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

// encodedTask is a task that unpacks a source with a Dockerfile from its
// env, builds and pushes repo:tag.
func encodedTask(repo, tag string) string {
	return base64.StdEncoding.EncodeToString([]byte(sourceTask(repo, tag, appArchive(nil), 1<<20)))
}

func TestTaskRunReportsTheImageItPushed(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "ScdemoAcr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	task := encodedTask("demo", "0123456789abcdef")
	in := map[string]any{"resourceGroupName": w.rg, "registryName": "ScdemoAcr1", "location": "eastus2", "forceUpdateTag": "0123456789abcdef",
		"runRequest": map[string]any{"type": "EncodedTaskRunRequest", "encodedTaskContent": task, "platform": map[string]any{"os": "Linux", "architecture": "amd64"},
			"timeout": 1200, "isArchiveEnabled": false}}
	inputs := h.checked(tTaskRun, "image", in)
	created, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, Properties: inputs})
	if err != nil {
		t.Fatal(err)
	}
	out := fromStruct(t, created.GetProperties())
	sum := sha256.Sum256([]byte(task + "\nca1"))
	run := out["runResult"].ObjectValue()
	imgs := run["outputImages"].ArrayValue()
	if gets(run, "runId") != "ca1" || gets(run, "status") != "Succeeded" || len(imgs) != 1 || gets(run, "finishTime") == "" || gets(run, "createTime") == "" {
		t.Fatalf("run %v", run)
	}
	img := imgs[0].ObjectValue()
	if gets(img, "registry") != "scdemoacr1.azurecr.io" || gets(img, "repository") != "demo" || gets(img, "tag") != "0123456789abcdef" ||
		gets(img, "digest") != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("image %v", img)
	}
	if !strings.HasSuffix(created.GetId(), "/registries/ScdemoAcr1/taskRuns/"+out["name"].StringValue()) {
		t.Errorf("id %s", created.GetId())
	}

	// A new forceUpdateTag is an update that runs again.
	in["forceUpdateTag"], in["taskRunName"] = "fedcba9876543210", out["name"].StringValue()
	in["runRequest"].(map[string]any)["encodedTaskContent"] = encodedTask("demo", "fedcba9876543210")
	news := h.checked(tTaskRun, "image", in)
	d, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Id: created.GetId(), Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, OldInputs: inputs, News: news})
	if err != nil || d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME || len(d.GetReplaces()) != 0 {
		t.Fatalf("diff %v %v", d, err)
	}
	prev, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: created.GetId(), Urn: urnFor(tTaskRun, "image"), Type: tTaskRun,
		Olds: created.GetProperties(), News: news, Preview: true})
	if err != nil || !fromStruct(t, prev.GetProperties())["runResult"].IsComputed() {
		t.Errorf("preview of a rerun: %v %v", prev, err)
	}
	up, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: created.GetId(), Urn: urnFor(tTaskRun, "image"), Type: tTaskRun,
		Olds: created.GetProperties(), News: news})
	if err != nil {
		t.Fatal(err)
	}
	run2 := fromStruct(t, up.GetProperties())["runResult"].ObjectValue()
	img2 := run2["outputImages"].ArrayValue()[0].ObjectValue()
	if gets(run2, "runId") != "ca2" || gets(img2, "tag") != "fedcba9876543210" || gets(img2, "digest") == gets(img, "digest") {
		t.Errorf("rerun %v", run2)
	}

	// runresult=Failed: the resource succeeds, the run reports failure.
	h.env[EnvFaults] = "TaskRun:runresult:1=Failed"
	_, failedOut, err := h.create(tTaskRun, "image2", map[string]any{"resourceGroupName": w.rg, "registryName": "ScdemoAcr1", "runRequest": in["runRequest"]})
	if err != nil {
		t.Fatal(err)
	}
	fr := failedOut["runResult"].ObjectValue()
	if gets(fr, "status") != "Failed" || gets(fr, "runErrorMessage") == "" || gets(fr, "runId") != "ca3" {
		t.Errorf("failed run %v", fr)
	}

	// run=Failed: the create fails like ARM's, and the resource is kept.
	h.env[EnvFaults] = "TaskRun:run=Failed"
	_, _, err = h.create(tTaskRun, "image3", map[string]any{"resourceGroupName": w.rg, "registryName": "ScdemoAcr1", "runRequest": in["runRequest"]})
	wantErr(t, err, `Status=400 Code="TaskRunFailed"`, "The status for Run ca4 is Failed, please check the log")
	st, _ := status.FromError(err)
	var init *pulumirpc.ErrorResourceInitFailed
	for _, d := range st.Details() {
		if v, ok := d.(*pulumirpc.ErrorResourceInitFailed); ok {
			init = v
		}
	}
	if init == nil || !strings.Contains(init.GetId(), "/taskRuns/image3") || init.GetProperties() == nil {
		t.Fatalf("no partial state in %v", st.Details())
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

func TestClusterOutputs(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	var cluster *Object
	cluster = h.state().Get(w.clusterID)
	for path, want := range map[string]string{
		"oidcIssuerProfile.issuerURL": "https://issuer.example/oidc/",
		"provisioningState":           "Succeeded",
		"identity.tenantId":           TenantID,
	} {
		if got := cluster.Output(path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	for _, path := range []string{"identityProfile.kubeletidentity.clientId", "identityProfile.kubeletidentity.objectId", "identity.principalId"} {
		if !guidPattern.MatchString(cluster.Output(path)) {
			t.Errorf("%s = %q", path, cluster.Output(path))
		}
	}
	if !strings.HasPrefix(cluster.Output("fqdn"), "scdemo-aks-") || !strings.HasSuffix(cluster.Output("fqdn"), ".hcp.eastus2.azmk8s.io") {
		t.Errorf("fqdn %q", cluster.Output("fqdn"))
	}
	noOIDC := clusterInputs(w.rg)
	noOIDC["oidcIssuerProfile"] = map[string]any{"enabled": false}
	_, _, err := h.create(tCluster, "c2", noOIDC)
	wantErr(t, err, `Status=400`, "workload identity requires enabling OIDC issuer")
}

func TestServiceConnectorEmulation(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	id, out := h.mustCreate(tLinker, "scdemo-connection", linkerInputs(w, "demo"))
	if id != w.clusterID+"/providers/Microsoft.ServiceLinker/linkers/openaiconn" || gets(out, "provisioningState") != "Succeeded" ||
		gets(out, "scope") != "demo" || gets(out, "name") != "openaiconn" {
		t.Fatalf("linker %s %v", id, out)
	}
	if !h.p.Wait(5e9) {
		t.Fatal("Service Connector never finished")
	}
	sa := h.kube.serviceAccounts["demo/sc-account-"+w.clientID]
	if sa["azure.workload.identity/client-id"] != w.clientID {
		t.Errorf("service accounts %v", h.kube.serviceAccounts)
	}
	secret := h.kube.secrets["demo/sc-openaiconn-secret"]
	if secret["AZURE_OPENAI_BASE"] != "https://127.0.0.1:4443/scdemo-oai-1234abcd/" || secret["AZURE_OPENAI_CLIENTID"] != w.clientID {
		t.Errorf("secrets %v", h.kube.secrets)
	}
	st := h.state()
	fics := st.Find("FederatedIdentityCredential", nil)
	if len(fics) != 1 || fics[0].Input("issuer") != "https://issuer.example/oidc/" ||
		fics[0].Input("subject") != "system:serviceaccount:demo:sc-account-"+w.clientID || !strings.HasPrefix(fics[0].ID, w.identityID+"/") {
		t.Fatalf("federated credentials %+v", fics)
	}
	ras := st.Find("RoleAssignment", nil)
	if len(ras) != 1 || ras[0].Input("principalId") != w.principalID || ras[0].Input("scope") != w.accountID ||
		!strings.HasSuffix(ras[0].Input("roleDefinitionId"), "/"+RoleOpenAIContributor) {
		t.Fatalf("role assignments %+v", ras)
	}
	if log := readLog(t, h.env[EnvLog]); !strings.Contains(log, "method=ServiceConnector") || !strings.Contains(log, "namespace=demo") {
		t.Errorf("log lacks the Service Connector line:\n%s", log)
	}

	// The program granting the same role again hits ARM's conflict.
	_, _, err := h.create(tRole, "grant", map[string]any{"scope": w.accountID, "principalId": w.principalID, "principalType": "ServicePrincipal",
		"roleDefinitionId": "/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIContributor})
	wantErr(t, err, `Status=409 Code="RoleAssignmentExists"`)

	h.delete(tLinker, "scdemo-connection", id)

	// A target that does not exist fails like ARM.
	in := linkerInputs(w, "demo")
	in["targetService"].(map[string]any)["id"] = w.accountID + "x"
	_, _, err = h.create(tLinker, "bad", in)
	wantErr(t, err, `Status=404 Code="ResourceNotFound"`)
	in = linkerInputs(w, "demo")
	in["authInfo"].(map[string]any)["clientId"] = "99999999-9999-9999-9999-999999999999"
	_, _, err = h.create(tLinker, "bad", in)
	wantErr(t, err, "Status=400", "client id '99999999-9999-9999-9999-999999999999' was not found")

	// kube=skip: the link succeeds, nothing appears in the cluster.
	h.kube.serviceAccounts, h.kube.secrets = map[string]map[string]string{}, map[string]map[string]string{}
	h.env[EnvFaults] = "Linker:kube=skip"
	h.mustCreate(tLinker, "scdemo-connection", linkerInputs(w, "demo"))
	h.p.Wait(5e9)
	if len(h.kube.serviceAccounts)+len(h.kube.secrets) != 0 {
		t.Errorf("kube=skip still applied %v %v", h.kube.serviceAccounts, h.kube.secrets)
	}
}

func TestRoleAssignmentChecksThePrincipal(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	role := "/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIUser
	_, _, err := h.create(tRole, "r1", map[string]any{"scope": w.accountID, "principalId": "12345678-1234-1234-1234-123456789012", "roleDefinitionId": role})
	wantErr(t, err, `Status=400 Code="PrincipalNotFound"`)
	_, _, err = h.create(tRole, "r2", map[string]any{"scope": w.accountID, "principalId": w.principalID, "principalType": "User", "roleDefinitionId": role})
	wantErr(t, err, `Code="UnmatchedPrincipalType"`, "has type 'ServicePrincipal'")
	_, _, err = h.create(tRole, "r3", map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": "Cognitive Services OpenAI User"})
	wantErr(t, err, `Code="InvalidRoleDefinitionId"`)
	id, out := h.mustCreate(tRole, "r4", map[string]any{"scope": w.accountID, "principalId": w.principalID, "principalType": "ServicePrincipal", "roleDefinitionId": role})
	if !strings.HasPrefix(id, w.accountID+"/providers/Microsoft.Authorization/roleAssignments/") || gets(out, "principalType") != "ServicePrincipal" {
		t.Errorf("role assignment %s %v", id, out)
	}
	d, err := h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urnFor(tRole, "r4"), Type: tRole,
		OldInputs: toStruct(t, map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": role, "roleAssignmentName": out["name"].StringValue()}),
		News:      toStruct(t, map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": role, "roleAssignmentName": out["name"].StringValue(), "description": "x"})})
	// azure-native replaces an assignment only on its scope, name and
	// principal; anything else is a PUT, which ARM refuses.
	if err != nil || len(d.GetReplaces()) != 0 || d.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		t.Errorf("a description change is an update: %v %v", d, err)
	}
	other := map[string]any{"scope": w.accountID, "principalId": "87654321-1234-1234-1234-123456789012", "roleDefinitionId": role, "roleAssignmentName": out["name"].StringValue()}
	d, err = h.p.Diff(context.Background(), &pulumirpc.DiffRequest{Urn: urnFor(tRole, "r4"), Type: tRole,
		OldInputs: toStruct(t, map[string]any{"scope": w.accountID, "principalId": w.principalID, "roleDefinitionId": role, "roleAssignmentName": out["name"].StringValue()}),
		News:      toStruct(t, other)})
	if err != nil || len(d.GetReplaces()) != 1 || d.GetReplaces()[0] != "principalId" {
		t.Errorf("a new principal replaces: %v %v", d, err)
	}
	contributor := "/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIContributor
	err = h.update(tRole, "r4", id, map[string]any{"scope": w.accountID, "principalId": w.principalID, "principalType": "ServicePrincipal", "roleDefinitionId": contributor, "roleAssignmentName": out["name"].StringValue()})
	wantErr(t, err, `Status=400 Code="RoleAssignmentUpdateNotPermitted"`, "are not allowed to be updated")
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

// The detailed diff names the changed leaf, as azure-native's does, so a
// program's ReplaceOnChanges on a nested path can match it.
func TestDetailedDiffNamesNestedLeaves(t *testing.T) {
	pool := func(size string, count int) map[string]any {
		return map[string]any{"name": "agentpool", "vmSize": size, "count": count}
	}
	olds := resource.NewPropertyMapFromMap(map[string]any{"agentPoolProfiles": []any{pool("Standard_D2s_v5", 1)}, "dnsPrefix": "a"})
	news := resource.NewPropertyMapFromMap(map[string]any{"agentPoolProfiles": []any{pool("Standard_D4s_v5", 1), pool("Standard_D2s_v5", 2)}, "dnsPrefix": "b"})
	got := detailFor(olds, news, "agentPoolProfiles", false, "agentPoolProfiles")
	if len(got) != 2 || got["agentPoolProfiles[0].vmSize"].GetKind() != pulumirpc.PropertyDiff_UPDATE ||
		got["agentPoolProfiles[1]"].GetKind() != pulumirpc.PropertyDiff_ADD {
		t.Errorf("pool diff %v, want agentPoolProfiles[0].vmSize updated and agentPoolProfiles[1] added", got)
	}
	if d := detailFor(olds, news, "dnsPrefix", true, "dnsPrefix"); d["dnsPrefix"].GetKind() != pulumirpc.PropertyDiff_UPDATE_REPLACE {
		t.Errorf("a replacing key's diff %v, want UPDATE_REPLACE", d)
	}
}
