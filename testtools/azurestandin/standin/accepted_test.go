package standin

import (
	"context"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// An accepted write is in Azure while the client still waits for it: a
// plugin killed then leaves the cluster created, and a delete done.
func TestAnAcceptedWriteIsStoredBeforeTheClientsWaitEnds(t *testing.T) {
	h := newHarness(t)
	_, rg := h.mustCreate(tRG, "scdemo", map[string]any{"location": "eastus2"})
	h.env[EnvLatency] = "ManagedCluster=1500ms"
	other := h.provider() // another process, reading the same Azure

	done := make(chan error, 1)
	var id string
	start := time.Now()
	go func() {
		var err error
		id, _, err = h.create(tCluster, "scdemo-aks", clusterInputs(rg["name"].StringValue()))
		done <- err
	}()
	seen := waitFor(t, func() bool { return len(stateOf(t, other).Find("ManagedCluster", nil)) == 1 })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); seen > 500*time.Millisecond || took < 1500*time.Millisecond {
		t.Errorf("the cluster was stored after %s of a create that took %s; want it stored at once", seen, took)
	}

	start = time.Now()
	go func() {
		_, err := h.p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: urnFor(tCluster, "scdemo-aks"), Type: tCluster})
		done <- err
	}()
	seen = waitFor(t, func() bool { return stateOf(t, other).Get(id) == nil })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); seen > 500*time.Millisecond || took < 1500*time.Millisecond {
		t.Errorf("the cluster was removed after %s of a delete that took %s; want it removed at once", seen, took)
	}
}

// azure-native reads the id before a create: what exists is refused
// without a PUT, and a read the caller may not make is wrapped.
func TestCreateReadsTheIDFirstAsAzureNativeDoes(t *testing.T) {
	h := newHarness(t)
	_, rg := h.mustCreate(tRG, "scdemo", map[string]any{"location": "eastus2"})
	in := map[string]any{"resourceGroupName": rg["name"].StringValue(), "resourceName": "scdemo-identity", "location": "eastus2"}
	id, _ := h.mustCreate(tIdentity, "scdemo-identity", in)

	in["tags"] = map[string]any{"changed": "yes"}
	_, _, err := h.create(tIdentity, "scdemo-identity", in)
	if err == nil || err.Error() != "cannot create already existing resource '"+id+"'" {
		t.Errorf("second create: %v", err)
	}
	if tags := h.state().Get(id).Inputs["tags"]; tags != nil {
		t.Errorf("the refused create wrote the identity: tags %v", tags)
	}

	// A caller that may not read there: azure-native's read comes first.
	h.env[EnvCallerRoles] = "Managed Identity Contributor@/subscriptions/" + SubscriptionID + "/resourceGroups/none"
	in["resourceName"] = "scdemo-identity2"
	_, _, err = h.create(tIdentity, "scdemo-identity2", in)
	id2 := strings.Replace(id, "scdemo-identity", "scdemo-identity2", 1)
	want := "cannot check existence of resource '" + id2 + "': status code 403, " +
		`{"error":{"code":"AuthorizationFailed","message":"The client '` + ClientID + `' with object id '` + ObjectID +
		`' does not have authorization to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/read' over scope '` + id2 +
		`' or the scope is invalid. If access was recently granted, please refresh your credentials."}}`
	if err == nil || err.Error() != want {
		t.Errorf("create without read:\n got %v\nwant %s", err, want)
	}
}

// waitFor polls cond for up to 5 s and returns how long it took.
func waitFor(t *testing.T, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > 5*time.Second {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

func stateOf(t *testing.T, p *Provider) *State {
	t.Helper()
	var st *State
	if err := p.Store.View(func(s *State) error { st = s; return nil }); err != nil {
		t.Fatal(err)
	}
	return st
}
