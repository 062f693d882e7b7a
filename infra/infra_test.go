package infra

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/testtools/mocks"
)

// prop walks a property map by keys.
func prop(m resource.PropertyMap, path ...string) resource.PropertyValue {
	var v resource.PropertyValue = resource.NewProperty(m)
	for _, k := range path {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.PropertyValue{}
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}

func propStr(m resource.PropertyMap, path ...string) string {
	v := prop(m, path...)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func runInfra(t *testing.T, m *mocks.Mocks, body func(ctx *pulumi.Context, rg *ResourceGroup) error) error {
	t.Helper()
	return mocks.Run(m, nil, func(ctx *pulumi.Context) error {
		rg, err := NewResourceGroup(ctx, "scdemo", ResourceGroupArgs{Location: "eastus2", Tags: map[string]string{"stack": "dev"}})
		if err != nil {
			return err
		}
		return body(ctx, rg)
	})
}

func TestGlobalNamesDeriveFromTheGroupsGeneratedName(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		if _, err := NewRegistry(ctx, "scdemo-acr", RegistryArgs{ResourceGroup: rg, NamePrefix: "scdemo", AnonymousPull: true}); err != nil {
			return err
		}
		_, err := NewOpenAI(ctx, "scdemo-openai", OpenAIArgs{ResourceGroup: rg, NamePrefix: "scdemo", Model: testModel})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rgName := propStr(m.One(t.Fatalf, "azure-native:resources:ResourceGroup").Outputs, "name")
	suffix := uniqueSuffix(rgName)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(suffix) {
		t.Fatalf("suffix %q", suffix)
	}
	reg := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry")
	if got := propStr(reg.Inputs, "registryName"); got != "scdemoacr"+suffix || !regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`).MatchString(got) {
		t.Errorf("registry name %q", got)
	}
	acct := m.One(t.Fatalf, "azure-native:cognitiveservices:Account")
	if got := propStr(acct.Inputs, "properties", "customSubDomainName"); got != "scdemo-oai-"+suffix || got != propStr(acct.Inputs, "accountName") {
		t.Errorf("subdomain %q, account %q", got, propStr(acct.Inputs, "accountName"))
	}
	// A new group (after destroy, or another stack) gets new names.
	if uniqueSuffix(rgName+"x") == suffix || uniqueSuffix(rgName) != suffix {
		t.Error("suffix is not a stable function of the group's name")
	}
}

var testModel = config.Model{Name: "gpt-5.4-mini", Version: "2026-03-17", Format: "OpenAI", DeploymentName: "chat", SkuName: "GlobalStandard", Capacity: 7, VersionUpgrade: "OnceCurrentVersionExpired"}

func TestClusterEnablesWorkloadIdentityAndReturnsASecretKubeconfig(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		c, err := NewCluster(ctx, "scdemo-aks", ClusterArgs{ResourceGroup: rg, NodeCount: 3, NodeVMSize: "Standard_D4s_v5", KubernetesVersion: "1.33", UpgradeChannel: "patch"})
		if err != nil {
			return err
		}
		kc := mocks.Await(t, ctx, c.Kubeconfig)
		if kc.Value != mocks.Kubeconfig || !kc.Secret {
			t.Errorf("kubeconfig %q secret=%v", kc.Value, kc.Secret)
		}
		if iss := mocks.Await(t, ctx, c.OIDCIssuerURL); !strings.HasPrefix(iss.Value.(string), "https://") {
			t.Errorf("issuer %v", iss.Value)
		}
		if obj := mocks.Await(t, ctx, c.KubeletObjectID); obj.Value == "" {
			t.Error("no kubelet object id")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	in := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Inputs
	checks := map[string]any{
		"identity.type": "SystemAssigned", "oidcIssuerProfile.enabled": true,
		"securityProfile.workloadIdentity.enabled": true, "kubernetesVersion": "1.33", "enableRBAC": true,
		"autoUpgradeProfile.upgradeChannel": "patch",
	}
	for path, want := range checks {
		if got := prop(in, strings.Split(path, ".")...).V; got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if roc := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").ReplaceOnChanges; len(roc) != 1 || roc[0] != "agentPoolProfiles[*].vmSize" {
		t.Errorf("replaceOnChanges %v, want the pools' VM size (AKS refuses it in place)", roc)
	}
	pools := in["agentPoolProfiles"].ArrayValue()
	if len(pools) != 1 {
		t.Fatalf("pools %v", pools)
	}
	pool := pools[0].ObjectValue()
	if pool["count"].NumberValue() != 3 || pool["vmSize"].StringValue() != "Standard_D4s_v5" || pool["mode"].StringValue() != "System" {
		t.Errorf("pool %v", pool)
	}
	// The stand-in's auto-name: the logical name and 8 hex digits.
	name := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Outputs["name"].StringValue()
	if !regexp.MustCompile(`^scdemo-aks[0-9a-f]{8}$`).MatchString(name) {
		t.Errorf("cluster auto-named %q", name)
	}
	var listed bool
	for _, c := range m.Calls() {
		if c.Token == "azure-native:containerservice/v20240901:listManagedClusterUserCredentials" {
			listed = c.Args["resourceName"].StringValue() == name
		}
	}
	if !listed {
		t.Error("kubeconfig not listed for the cluster")
	}
}

func TestDecodeKubeconfigErrors(t *testing.T) {
	if _, err := decodeKubeconfig(nil); err == nil || !strings.Contains(err.Error(), "no user kubeconfig") {
		t.Errorf("empty: %v", err)
	}
}

func TestOpenAIIsKeylessWithTheConfiguredDeployment(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		o, err := NewOpenAI(ctx, "scdemo-openai", OpenAIArgs{ResourceGroup: rg, NamePrefix: "scdemo", Model: testModel})
		if err != nil {
			return err
		}
		ep := mocks.Await(t, ctx, o.Endpoint).Value.(string)
		if !regexp.MustCompile(`^https://scdemo-oai-[0-9a-f]{8}\.openai\.azure\.com/$`).MatchString(ep) {
			t.Errorf("endpoint %q", ep)
		}
		if d := mocks.Await(t, ctx, o.DeploymentName).Value; d != "chat" {
			t.Errorf("deployment %v", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	acct := m.One(t.Fatalf, "azure-native:cognitiveservices:Account").Inputs
	if propStr(acct, "kind") != "OpenAI" || propStr(acct, "sku", "name") != "S0" ||
		prop(acct, "properties", "disableLocalAuth").V != true || propStr(acct, "location") != "eastus2" {
		t.Errorf("account %v", acct)
	}
	dep := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment")
	want := map[string]any{
		"deploymentName": "chat", "sku.name": "GlobalStandard", "sku.capacity": 7.0,
		"properties.model.format": "OpenAI", "properties.model.name": "gpt-5.4-mini",
		"properties.model.version": "2026-03-17", "properties.versionUpgradeOption": "OnceCurrentVersionExpired",
	}
	for path, w := range want {
		if got := prop(dep.Inputs, strings.Split(path, ".")...).V; got != w {
			t.Errorf("deployment %s = %v, want %v", path, got, w)
		}
	}
	if propStr(dep.Inputs, "accountName") != propStr(acct, "accountName") {
		t.Error("deployment is not on the account")
	}
	// Cognitive Services refuses a write under an account while another
	// runs (409 RequestConflict): the deployment waits for the account's
	// write, and Pulumi deletes it before the account.
	if !dep.DependsOn("azure-native:cognitiveservices:Account", "scdemo-openai") {
		t.Errorf("the deployment does not depend on the account: %v", dep.Dependencies)
	}
}

func TestRegistryIsStandardWithoutAdminUser(t *testing.T) {
	for _, anonymous := range []bool{true, false} {
		m := &mocks.Mocks{}
		err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
			_, err := NewRegistry(ctx, "scdemo-acr", RegistryArgs{ResourceGroup: rg, NamePrefix: "scdemo", AnonymousPull: anonymous})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		in := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry").Inputs
		if propStr(in, "sku", "name") != "Standard" || in["adminUserEnabled"].V != false || in["anonymousPullEnabled"].V != anonymous {
			t.Errorf("anonymous=%v: registry %v", anonymous, in)
		}
	}
}

func TestIdentityExposesItsIDs(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		id, err := NewIdentity(ctx, "scdemo-identity", IdentityArgs{ResourceGroup: rg})
		if err != nil {
			return err
		}
		for _, o := range []pulumi.StringOutput{id.ClientID, id.PrincipalID} {
			if v := mocks.Await(t, ctx, o).Value; !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(v.(string)) {
				t.Errorf("id %v", v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if propStr(m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity").Inputs, "location") != "eastus2" {
		t.Error("identity not in the group's region")
	}
}

func TestServiceConnectorLinkIsTheTutorialsLinker(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		id, err := NewIdentity(ctx, "scdemo-identity", IdentityArgs{ResourceGroup: rg})
		if err != nil {
			return err
		}
		_, err = NewServiceConnectorLink(ctx, "scdemo-connection", ServiceConnectorLinkArgs{
			ClusterID:        pulumi.String("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c"),
			TargetID:         pulumi.String("/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a"),
			IdentityClientID: id.ClientID,
			ConnectionName:   "openaiconn",
			Namespace:        "demo",
			ClientType:       "none",
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clientID := propStr(m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity").Outputs, "clientId")
	l := m.One(t.Fatalf, "azure-native:servicelinker:Linker")
	want := map[string]any{
		"resourceUri":             "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c",
		"linkerName":              "openaiconn",
		"targetService.type":      "AzureResource",
		"targetService.id":        "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
		"authInfo.authType":       "userAssignedIdentity",
		"authInfo.clientId":       clientID,
		"authInfo.subscriptionId": mocks.SubscriptionID,
		// Service Connector then removes its credential and grant with the link.
		"authInfo.deleteOrUpdateBehavior": "ForcedCleanup",
		"clientType":                      "none",
		"scope":                           "demo",
		// Service Connector must not write the account's network settings.
		"publicNetworkSolution.action": "optOut",
	}
	for path, w := range want {
		if got := prop(l.Inputs, strings.Split(path, ".")...).V; got != w {
			t.Errorf("linker %s = %v, want %v", path, got, w)
		}
	}
	if len(l.Inputs) != 7 {
		t.Errorf("linker sends more than the tutorial and the network opt-out: %v", l.Inputs)
	}
}
