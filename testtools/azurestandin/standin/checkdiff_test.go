package standin

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
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
