package standin

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Model refuses what the provider's Check refuses, names it, and auto-names
// and identifies what it accepts the same way every time.
func TestModelIsTheProvidersCheck(t *testing.T) {
	identity := func(in map[string]any) (Modeled, error) {
		return Model("azure-native:managedidentity:UserAssignedIdentity", "app-id", []byte("app-id"), resource.NewPropertyMapFromMap(in))
	}
	for _, c := range []struct {
		name string
		in   map[string]any
		want string
	}{
		{"required input missing", map[string]any{"location": "eastus2"}, "missing required property 'resourceGroupName'"},
		{"name rule broken", map[string]any{"resourceGroupName": "rg", "resourceName": "a"}, "'resourceName' is 'a' but must be 3 to 128"},
		{"unknown property", map[string]any{"resourceGroupName": "rg", "locaton": "eastus2"}, "'locaton' is not a property of this type"},
	} {
		if _, err := identity(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Model("azure-native:network:VirtualNetwork", "vnet", nil, resource.PropertyMap{}); err == nil || !strings.Contains(err.Error(), "does not support resource type") {
		t.Errorf("a type with no kind: %v", err)
	}
	a, err := identity(map[string]any{"resourceGroupName": "rg"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := identity(map[string]any{"resourceGroupName": "rg"})
	if a.Name != b.Name || !strings.HasPrefix(a.Name, "app-id") || len(a.Name) != len("app-id")+8 {
		t.Errorf("auto-names %q and %q: want the logical name and the same 8 characters", a.Name, b.Name)
	}
	if want := "/subscriptions/" + Subscription() + "/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + a.Name; a.ID != want {
		t.Errorf("id %q, want %q", a.ID, want)
	}
	if a.Kind != "UserAssignedIdentity" || a.ARMType != "Microsoft.ManagedIdentity/userAssignedIdentities" {
		t.Errorf("kind %q, type %q", a.Kind, a.ARMType)
	}
}
