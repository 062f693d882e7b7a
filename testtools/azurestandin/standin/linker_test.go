package standin

import (
	"context"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// update is an Update of a stored resource to new inputs.
func (h *harness) update(token, name, id string, news map[string]any) error {
	h.t.Helper()
	olds := toStructPM(h.t, fromState(h.state().Get(id).Outputs))
	_, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: urnFor(token, name), Type: token, Olds: olds, News: h.checked(token, name, news)})
	return err
}

// madeBy counts the credentials and role assignments Service Connector
// made for a link that are still in Azure.
func madeBy(st *State, linkerID string) (fics, roles int) {
	for _, o := range st.Objects {
		if o.ManagedBy == "" || key(o.ManagedBy) != key(linkerID) {
			continue
		}
		switch ShortType(o.Type) {
		case "FederatedIdentityCredential":
			fics++
		case "RoleAssignment":
			roles++
		}
	}
	return fics, roles
}

// By default Service Connector keeps the federated credential and the role
// assignment it made when its link is updated or deleted; ForcedCleanup
// removes them.
func TestLinkCleanupFollowsDeleteOrUpdateBehavior(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	_, other := h.mustCreate(tIdentity, "other-identity", map[string]any{"resourceGroupName": w.rg, "location": "eastus2"})

	// Default: moving the link to another identity keeps the first
	// identity's credential and grant; deleting it keeps all of them.
	id, _ := h.mustCreate(tLinker, "link", linkerInputs(w, "demo"))
	moved := linkerInputs(w, "demo")
	moved["authInfo"].(map[string]any)["clientId"] = gets(other, "clientId")
	if err := h.update(tLinker, "link", id, moved); err != nil {
		t.Fatal(err)
	}
	if fics, roles := madeBy(h.state(), id); fics != 2 || roles != 2 {
		t.Errorf("Default update: %d credentials and %d role assignments, want both identities' (2, 2)", fics, roles)
	}
	h.delete(tLinker, "link", id)
	if fics, roles := madeBy(h.state(), id); fics != 2 || roles != 2 {
		t.Errorf("Default delete: %d credentials and %d role assignments left, want all (2, 2)", fics, roles)
	}
	h.p.Wait(5 * time.Second)

	// ForcedCleanup: an update replaces what the link made, a delete
	// removes it.
	h2 := newHarness(t)
	w2 := h2.world()
	_, other2 := h2.mustCreate(tIdentity, "other-identity", map[string]any{"resourceGroupName": w2.rg, "location": "eastus2"})
	forced := linkerInputs(w2, "demo")
	forced["authInfo"].(map[string]any)["deleteOrUpdateBehavior"] = "ForcedCleanup"
	id2, _ := h2.mustCreate(tLinker, "link", forced)
	forced["authInfo"].(map[string]any)["clientId"] = gets(other2, "clientId")
	if err := h2.update(tLinker, "link", id2, forced); err != nil {
		t.Fatal(err)
	}
	st := h2.state()
	if fics, roles := madeBy(st, id2); fics != 1 || roles != 1 {
		t.Errorf("ForcedCleanup update: %d credentials and %d role assignments, want only the new identity's (1, 1)", fics, roles)
	}
	for _, o := range st.Find("RoleAssignment", nil) {
		if o.Input("principalId") != gets(other2, "principalId") {
			t.Errorf("the first identity's grant survived the update: %v", o.Inputs)
		}
	}
	h2.delete(tLinker, "link", id2)
	if fics, roles := madeBy(h2.state(), id2); fics+roles != 0 {
		t.Errorf("ForcedCleanup delete left %d credentials and %d role assignments", fics, roles)
	}
	h2.p.Wait(5 * time.Second)
}

// Service Connector installs its cluster extension through
// Microsoft.KubernetesConfiguration: a subscription not registered with it
// gets ARM's MissingSubscriptionRegistration on the link.
func TestLinkOnAClusterNeedsKubernetesConfigurationRegistered(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvUnregisteredProviders] = "Microsoft.Storage, microsoft.kubernetesconfiguration"
	_, _, err := h.create(tLinker, "link", linkerInputs(w, "demo"))
	wantErr(t, err, `Status=409 Code="MissingSubscriptionRegistration"`,
		"The subscription is not registered to use namespace 'Microsoft.KubernetesConfiguration'. See https://aka.ms/rps-not-found")
	if n := len(h.state().Find("Linker", nil)) + len(h.state().Find("FederatedIdentityCredential", nil)); n != 0 {
		t.Errorf("a refused link left %d objects", n)
	}
	h.env[EnvUnregisteredProviders] = "Microsoft.Storage"
	h.mustCreate(tLinker, "link", linkerInputs(w, "demo"))
	h.p.Wait(5 * time.Second)
}

// While AKS runs another operation on the cluster, a link (and a cluster
// update) gets AKS's 409 OperationNotAllowed; once it ends, both go through.
func TestLinkWhileTheClusterIsBusy(t *testing.T) {
	h := newHarness(t)
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	h.p.Now = func() time.Time { return now }
	h.env[EnvClusterBusy] = "90s"
	w := h.world()
	_, _, err := h.create(tLinker, "link", linkerInputs(w, "demo"))
	wantErr(t, err, `Status=409 Code="OperationNotAllowed"`, "Another operation (Updating) is in progress", "https://aka.ms/aks-pending-operation")
	err = h.update(tCluster, "scdemo-aks", w.clusterID, clusterInputs(w.rg))
	wantErr(t, err, `Status=409 Code="OperationNotAllowed"`)

	now = now.Add(91 * time.Second)
	h.env[EnvClusterBusy] = ""
	h.mustCreate(tLinker, "link", linkerInputs(w, "demo"))
	if err := h.update(tCluster, "scdemo-aks", w.clusterID, clusterInputs(w.rg)); err != nil {
		t.Errorf("cluster update after the operation ended: %v", err)
	}
	h.p.Wait(5 * time.Second)
}
