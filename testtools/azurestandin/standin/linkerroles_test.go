package standin

import (
	"context"
	"testing"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// linkRoles are the role definitions Service Connector assigned for the
// link.
func linkRoles(st *State, linkerID string) []string {
	var out []string
	for _, o := range st.Find("RoleAssignment", nil) {
		if key(o.ManagedBy) == key(linkerID) {
			out = append(out, roleGUID(o.Input("roleDefinitionId")))
		}
	}
	return out
}

// Service Connector assigns OpenAI Contributor by default, and the roles
// authInfo.roles names instead when given; a value that is no role
// definition id is refused.
func TestLinkAssignsAuthInfoRoles(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	id, _ := h.mustCreate(tLinker, "default", linkerInputs(w, "demo"))
	if got := linkRoles(h.state(), id); len(got) != 1 || got[0] != RoleOpenAIContributor {
		t.Errorf("default roles %v, want OpenAI Contributor", got)
	}
	h.delete(tLinker, "default", id)

	in := linkerInputs(w, "demo")
	in["authInfo"].(map[string]any)["deleteOrUpdateBehavior"] = "ForcedCleanup"
	in["authInfo"].(map[string]any)["roles"] = []any{"/subscriptions/" + SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/" + RoleOpenAIUser}
	id, _ = h.mustCreate(tLinker, "user", in)
	if got := linkRoles(h.state(), id); len(got) != 1 || got[0] != RoleOpenAIUser {
		t.Errorf("roles %v, want only OpenAI User", got)
	}
	h.delete(tLinker, "user", id)

	in["authInfo"].(map[string]any)["roles"] = []any{"Cognitive Services OpenAI User"}
	_, _, err := h.create(tLinker, "by-name", in)
	wantErr(t, err, "400", "InvalidRoleDefinitionId", "Cognitive Services OpenAI User")
}

// The provider works in the subscription azure-native is configured for,
// and ARM refuses one the sign-in does not reach.
func TestTheProviderWorksInItsConfiguredSubscription(t *testing.T) {
	const other = "00000000-0000-0000-0000-00000000eeee"
	t.Cleanup(func() { setSubscription("") })
	h := newHarness(t)
	h.env[EnvSubscriptions] = SubscriptionID + "," + other
	h.env[EnvCallerRoles] = "Owner@/subscriptions/" + SubscriptionID + ",Owner@/subscriptions/" + other
	configure := func(sub string) {
		t.Helper()
		args := toStruct(t, map[string]any{"location": "eastus2", "subscriptionId": sub})
		if _, err := h.p.Configure(context.Background(), &pulumirpc.ConfigureRequest{Args: args}); err != nil {
			t.Fatal(err)
		}
	}
	configure(other)
	id, _ := h.mustCreate(tRG, "rg", map[string]any{"location": "eastus2"})
	if want := "/subscriptions/" + other + "/resourceGroups/"; len(id) < len(want) || id[:len(want)] != want {
		t.Errorf("group %s, want in subscription %s", id, other)
	}
	cc, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:authorization:getClientConfig", Args: toStruct(t, map[string]any{})})
	if err != nil || gets(fromStruct(t, cc.GetReturn()), "subscriptionId") != other {
		t.Errorf("getClientConfig %v %v", cc, err)
	}

	// Unset, it falls back to ARM_SUBSCRIPTION_ID, then the sign-in's default.
	h.env["ARM_SUBSCRIPTION_ID"] = other
	configure("")
	if Subscription() != other {
		t.Errorf("ARM_SUBSCRIPTION_ID: %s", Subscription())
	}
	delete(h.env, "ARM_SUBSCRIPTION_ID")
	configure("")
	if Subscription() != SubscriptionID {
		t.Errorf("default: %s", Subscription())
	}

	configure("00000000-0000-0000-0000-00000000ffff")
	_, _, err = h.create(tRG, "nowhere", map[string]any{"location": "eastus2"})
	wantErr(t, err, "404", "SubscriptionNotFound", "00000000-0000-0000-0000-00000000ffff")
}
