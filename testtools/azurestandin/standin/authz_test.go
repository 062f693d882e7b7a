package standin

import (
	"context"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestActionMatchingIsARMs(t *testing.T) {
	for _, c := range []struct {
		pattern, action string
		want            bool
	}{
		{"*", "Microsoft.Resources/subscriptions/resourceGroups/write", true},
		{"*/read", "Microsoft.ContainerService/managedClusters/read", true},
		{"*/read", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", false},
		{"Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", true},
		{"Microsoft.Authorization/*", "Microsoft.Authorization/roleAssignments/delete", true},
		{"Microsoft.CognitiveServices/*/read", "Microsoft.CognitiveServices/accounts/deployments/read", true},
		{"Microsoft.CognitiveServices/*/read", "Microsoft.CognitiveServices/accounts/deployments/write", false},
		{"microsoft.containerregistry/registries/taskruns/write", "Microsoft.ContainerRegistry/registries/taskRuns/write", true},
		{"Microsoft.ContainerRegistry/registries/pull/read", "Microsoft.ContainerRegistry/registries/read", false},
	} {
		if got := actionMatches(c.pattern, c.action); got != c.want {
			t.Errorf("%q matches %q = %v, want %v", c.pattern, c.action, got, c.want)
		}
	}
}

func TestBuiltInRolesFromTheDataFile(t *testing.T) {
	for name, want := range map[string]string{
		"Owner": "8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
		"Reader": "acdd72a7-3385-48ef-bd42-f606fba81ae7", "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
		"Azure Kubernetes Service Cluster User Role": "4abbcc35-e782-43d8-92c5-2d3f1bd2253f", "AcrPull": "7f951dda-4ed3-4680-a7ca-43fe172d538d",
		"Cognitive Services OpenAI User": RoleOpenAIUser, "Cognitive Services OpenAI Contributor": RoleOpenAIContributor,
	} {
		r := BuiltInRoles[strings.ToLower(name)]
		if r == nil || r.ID != want || !strings.Contains(r.Source, "built-in-roles/") {
			t.Errorf("role %s: %+v", name, r)
		}
	}
	for _, c := range []struct {
		role, action string
		want         bool
	}{
		// NotActions subtract: Contributor may not assign roles.
		{"Contributor", "Microsoft.Authorization/roleAssignments/write", false},
		{"Contributor", "Microsoft.Authorization/roleAssignments/delete", false},
		{"Contributor", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", true},
		{"Reader", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", false},
		{"Reader", "Microsoft.ContainerRegistry/registries/taskRuns/read", true},
		{"Reader", "Microsoft.CognitiveServices/accounts/deployments/write", false},
		{"Azure Kubernetes Service Cluster User Role", "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", true},
		{"Azure Kubernetes Service Cluster User Role", "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action", false},
		{"Role Based Access Control Administrator", "Microsoft.Authorization/roleAssignments/write", true},
		{"Role Based Access Control Administrator", "Microsoft.Resources/subscriptions/resourceGroups/write", false},
	} {
		if got := BuiltInRoles[strings.ToLower(c.role)].permits(c.action); got != c.want {
			t.Errorf("%s permits %s = %v, want %v", c.role, c.action, got, c.want)
		}
	}
}

func TestCallerRolesKnob(t *testing.T) {
	g, err := parseCallerRoles("")
	if err != nil || len(g) != 1 || g[0].Role.Name != "Owner" || g[0].Scope != "/subscriptions/"+SubscriptionID {
		t.Errorf("default caller %+v %v", g, err)
	}
	g, err = parseCallerRoles("Reader@/subscriptions/s, Azure Kubernetes Service Cluster User Role@/subscriptions/s/resourceGroups/rg ," +
		"Role Based Access Control Administrator(AcrPull|Cognitive Services OpenAI User)@/subscriptions/s/")
	if err != nil || len(g) != 3 || g[1].Scope != "/subscriptions/s/resourceGroups/rg" || g[2].Scope != "/subscriptions/s" ||
		len(g[2].Assignable) != 2 || g[2].Assignable[1] != RoleOpenAIUser || g[0].Assignable != nil {
		t.Errorf("caller %+v %v", g, err)
	}
	for _, bad := range []string{"Reader", "Reader@subscriptions/s", "Readr@/subscriptions/s", "Role Based Access Control Administrator(Ownr)@/"} {
		if _, err := parseCallerRoles(bad); err == nil || !strings.Contains(err.Error(), EnvCallerRoles) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestAuthorizationFailedIsARMs403(t *testing.T) {
	sub := "/subscriptions/" + SubscriptionID
	cluster := sub + "/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks"
	grants, _ := parseCallerRoles("Reader@" + sub)
	err := authorize(grants, "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", cluster, "")
	want := `Status=403 Code="AuthorizationFailed" Message="The client '` + ClientID + `' with object id '` + ObjectID +
		`' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action' over scope '` +
		cluster + `' or the scope is invalid. If access was recently granted, please refresh your credentials."`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if err := authorize(grants, "Microsoft.ContainerService/managedClusters/read", cluster, ""); err != nil {
		t.Errorf("Reader reads: %v", err)
	}
	// Scope: an assignment covers its scope and below, not beside.
	grants, _ = parseCallerRoles("Azure Kubernetes Service Cluster User Role@" + sub + "/resourceGroups/rg")
	if err := authorize(grants, "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", cluster, ""); err != nil {
		t.Errorf("user role on the group: %v", err)
	}
	if err := authorize(grants, "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", sub+"/resourceGroups/rg2/providers/Microsoft.ContainerService/managedClusters/aks", ""); err == nil {
		t.Error("an assignment on rg covered rg2")
	}

	// The condition limits which roles may be assigned, and only that.
	grants, _ = parseCallerRoles("Contributor@" + sub + ",Role Based Access Control Administrator(AcrPull|Cognitive Services OpenAI User)@" + sub)
	ra := sub + "/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/r/providers/Microsoft.Authorization/roleAssignments/g"
	if err := authorize(grants, actionRoleAssignmentWrite, ra, "7f951dda-4ed3-4680-a7ca-43fe172d538d"); err != nil {
		t.Errorf("AcrPull refused: %v", err)
	}
	if err := authorize(grants, actionRoleAssignmentDelete, ra, RoleOpenAIUser); err != nil {
		t.Errorf("deleting OpenAI User refused: %v", err)
	}
	err = authorize(grants, actionRoleAssignmentWrite, ra, "8e3af657-a8ff-443c-a75c-2fe8c4bcb635")
	wantErr(t, err, `Status=403 Code="AuthorizationFailed"`, "has an authorization with ABAC condition that is not fulfilled to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '"+ra+"'")
	if err := authorize(grants, "Microsoft.Resources/subscriptions/resourceGroups/write", sub+"/resourceGroups/rg", ""); err != nil {
		t.Errorf("Contributor creates groups: %v", err)
	}
}

// The provider checks each operation's action; a refused one changes
// nothing.
func TestOperationsAreAuthorized(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	_, clusterName, _ := describeID(w.clusterID)
	sub := "/subscriptions/" + SubscriptionID
	h.env[EnvCallerRoles] = "Reader@" + sub
	_, _, err := h.create(tIdentity, "id2", map[string]any{"resourceGroupName": w.rg, "location": "eastus2"})
	wantErr(t, err, "Status=403", "perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/write' over scope '"+sub+"/resourceGroups/"+w.rg+"/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id2")
	_, err = h.p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: w.clusterID, Urn: urnFor(tCluster, "scdemo-aks"), Type: tCluster})
	wantErr(t, err, "Status=403", "'Microsoft.ContainerService/managedClusters/delete'")
	if h.state().Get(w.clusterID) == nil {
		t.Error("a refused delete removed the cluster")
	}
	_, err = h.p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: sub + "/resourceGroups/" + w.rg, Urn: urnFor(tRG, "scdemo"), Type: tRG})
	wantErr(t, err, "Status=403", "'Microsoft.Resources/subscriptions/resourceGroups/delete'")
	// An update (ARM PUT) needs write; a preview of it makes no call.
	_, idOut := h.mustCreateAs(t, "scdemo-identity2", w.rg)
	news := h.checked(tIdentity, "scdemo-identity2", map[string]any{"resourceGroupName": w.rg, "resourceName": gets(idOut, "name"), "location": "eastus2", "tags": map[string]any{"x": "y"}})
	upd := &pulumirpc.UpdateRequest{Id: sub + "/resourceGroups/" + w.rg + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + gets(idOut, "name"),
		Urn: urnFor(tIdentity, "scdemo-identity2"), Type: tIdentity, Olds: toStructPM(t, idOut), News: news}
	h.env[EnvCallerRoles] = "Reader@" + sub
	_, err = h.p.Update(context.Background(), upd)
	wantErr(t, err, "Status=403", "'Microsoft.ManagedIdentity/userAssignedIdentities/write'")
	upd.Preview = true
	if _, err := h.p.Update(context.Background(), upd); err != nil {
		t.Errorf("a preview of an update was checked: %v", err)
	}
	if resp := h.read(tCluster, "scdemo-aks", w.clusterID); resp.GetId() != w.clusterID {
		t.Errorf("Reader cannot read: %v", resp)
	}
	creds := &pulumirpc.InvokeRequest{Tok: "azure-native:containerservice:listManagedClusterUserCredentials",
		Args: toStruct(t, map[string]any{"resourceGroupName": w.rg, "resourceName": clusterName})}
	_, err = h.p.Invoke(context.Background(), creds)
	wantErr(t, err, "Status=403", "'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action' over scope '"+w.clusterID+"'")
	// Reader plus the AKS user role is what a preview of a deployed stack needs.
	h.env[EnvCallerRoles] = "Reader@" + sub + ",Azure Kubernetes Service Cluster User Role@" + sub
	_, err = h.p.Invoke(context.Background(), creds)
	wantErr(t, err, EnvKubeconfig+" is not set") // past authorization
	cc, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:authorization:getClientConfig", Args: toStruct(t, nil)})
	if err != nil || cc.GetReturn() == nil {
		t.Errorf("getClientConfig is no ARM call: %v", err)
	}
	if resp, err := h.p.CheckConfig(context.Background(), &pulumirpc.CheckRequest{}); err != nil || len(resp.GetFailures()) != 0 {
		t.Errorf("CheckConfig %v %v", resp, err)
	}
	h.env[EnvCallerRoles] = "Nobody@/"
	if resp, _ := h.p.CheckConfig(context.Background(), &pulumirpc.CheckRequest{}); len(resp.GetFailures()) != 1 {
		t.Errorf("a bad caller passed CheckConfig: %v", resp)
	}
}

// Service Connector writes its credential and role with the caller's
// rights: a caller whose condition omits the role it assigns is refused,
// and nothing of the link is left.
func TestServiceConnectorActsOnBehalfOfTheCaller(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	sub := "/subscriptions/" + SubscriptionID
	h.env[EnvCallerRoles] = "Contributor@" + sub + ",Role Based Access Control Administrator(AcrPull|Cognitive Services OpenAI User)@" + sub
	_, _, err := h.create(tLinker, "scdemo-connection", linkerInputs(w, "demo"))
	wantErr(t, err, "Status=403", "ABAC condition that is not fulfilled to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '"+w.accountID+"/providers/Microsoft.Authorization/roleAssignments/")
	st := h.state()
	if len(st.Find("Linker", nil))+len(st.Find("FederatedIdentityCredential", nil))+len(st.Find("RoleAssignment", nil)) != 0 {
		t.Error("a refused link left objects behind")
	}
	h.env[EnvCallerRoles] = "Contributor@" + sub + ",Role Based Access Control Administrator(AcrPull|Cognitive Services OpenAI User|Cognitive Services OpenAI Contributor)@" + sub
	h.mustCreate(tLinker, "scdemo-connection", linkerInputs(w, "demo"))
	h.p.Wait(5e9)
}

// mustCreateAs creates an identity as the default caller (Owner).
func (h *harness) mustCreateAs(t *testing.T, name, rg string) (string, resource.PropertyMap) {
	t.Helper()
	saved := h.env[EnvCallerRoles]
	delete(h.env, EnvCallerRoles)
	defer func() { h.env[EnvCallerRoles] = saved }()
	return h.mustCreate(tIdentity, name, map[string]any{"resourceGroupName": rg, "location": "eastus2"})
}
