package standin

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/status"
)

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
