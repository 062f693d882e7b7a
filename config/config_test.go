package config

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/testtools/mocks"
)

func valid() Config {
	return Config{
		Location: "eastus2", NamePrefix: "scdemo", NodeCount: 1, NodeVMSize: "Standard_D2s_v5",
		Model: Model{
			Name: "gpt-5.4-mini", Version: "2026-03-17", Format: "OpenAI",
			DeploymentName: "gpt-5.4-mini", SkuName: "GlobalStandard", Capacity: 10,
			VersionUpgrade: "OnceCurrentVersionExpired",
		},
		AKSUpgradeChannel: "patch", AKSNodeOSUpgradeChannel: "NodeImage",
		Namespace: "default", ConnectionName: "openaiconn", ClientType: "none",
		ConnectorWaitSeconds: 180, DemoDeadlineSeconds: 660,
		ConnectionMode: ModeServiceConnector, RegistryPull: PullAnonymous, ClusterAccess: AccessLocalAccounts,
		Preflight: true, ARMEndpoint: "https://management.azure.com",
	}
}

func TestValidConfigPasses(t *testing.T) {
	c := valid()
	if err := validated(c, "p"); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	c.KubernetesVersion, c.ServiceAccountName, c.SecretName = "1.33", "my-sa", "my.secret"
	c.ConnectionName = "openai.conn2"
	if err := validated(c, "p"); err != nil {
		t.Fatalf("valid overrides rejected: %v", err)
	}
	// Without an upgrade channel a full version stays true.
	c.KubernetesVersion, c.AKSUpgradeChannel = "1.33.2", "none"
	if err := validated(c, "p"); err != nil {
		t.Fatalf("1.33.2 without a channel rejected: %v", err)
	}
	c.KubernetesVersion, c.AKSUpgradeChannel = "1.33", "patch"
	// The tutorial's portal example, with the secret's name given.
	c.ConnectionName, c.SecretName = "openai_conn", "sc-openaiconn-secret"
	if err := validated(c, "p"); err != nil {
		t.Fatalf("openai_conn with secretName rejected: %v", err)
	}
	if got := c.ExpectedSecretName(); got != "sc-openaiconn-secret" {
		t.Errorf("secret %q", got)
	}
	// Direct mode makes its own secret: no name needed.
	c.SecretName, c.ConnectionMode = "", ModeDirect
	if err := validated(c, "p"); err != nil {
		t.Fatalf("openai_conn in direct mode rejected: %v", err)
	}
}

// Each bad value must produce one error naming the key, the value and
// what is allowed.
func TestBadConfigNamesKeyValueAndAllowed(t *testing.T) {
	cases := []struct {
		key, value, allowed string
		mutate              func(*Config)
	}{
		{"location", "East US", "programmatic name", func(c *Config) { c.Location = "East US" }},
		{"location", "", "programmatic name", func(c *Config) { c.Location = "" }},
		{"namePrefix", "Sc-Demo", "lowercase letters or digits", func(c *Config) { c.NamePrefix = "Sc-Demo" }},
		{"namePrefix", "averyverylongprefix", "2 to 10", func(c *Config) { c.NamePrefix = "averyverylongprefix" }},
		{"nodeCount", "0", "from 1 to 100", func(c *Config) { c.NodeCount = 0 }},
		{"nodeCount", "101", "from 1 to 100", func(c *Config) { c.NodeCount = 101 }},
		{"nodeVmSize", "D2s_v5", "Standard_D2s_v5", func(c *Config) { c.NodeVMSize = "D2s_v5" }},
		{"kubernetesVersion", "latest", "1.33", func(c *Config) { c.KubernetesVersion = "latest" }},
		{"modelName", "GPT 4", "lowercase", func(c *Config) { c.Model.Name = "GPT 4" }},
		{"modelVersionUpgrade", "Always", "one of OnceNewDefaultVersionAvailable, OnceCurrentVersionExpired, NoAutoUpgrade", func(c *Config) { c.Model.VersionUpgrade = "Always" }},
		{"aksUpgradeChannel", "weekly", "one of patch, stable, rapid, node-image, none", func(c *Config) { c.AKSUpgradeChannel = "weekly" }},
		{"aksNodeOSUpgradeChannel", "nodeimage", "one of NodeImage, SecurityPatch, Unmanaged, None", func(c *Config) { c.AKSNodeOSUpgradeChannel = "nodeimage" }},
		{"kubernetesVersion", "1.33.2", "a <major.minor> version such as 1.33 with aksUpgradeChannel patch", func(c *Config) { c.KubernetesVersion = "1.33.2" }},
		{"kubernetesVersion", "1.33", "empty with aksUpgradeChannel stable", func(c *Config) { c.KubernetesVersion, c.AKSUpgradeChannel = "1.33", "stable" }},
		{"kubernetesVersion", "1.34", "empty with aksUpgradeChannel rapid", func(c *Config) { c.KubernetesVersion, c.AKSUpgradeChannel = "1.34", "rapid" }},
		{"modelVersion", "v 1", "2025-04-14", func(c *Config) { c.Model.Version = "v 1" }},
		{"modelFormat", "Llama", "one of OpenAI", func(c *Config) { c.Model.Format = "Llama" }},
		{"deploymentName", "my deployment", "letters, digits", func(c *Config) { c.Model.DeploymentName = "my deployment" }},
		{"deploymentSku", "Premium", "GlobalStandard", func(c *Config) { c.Model.SkuName = "Premium" }},
		{"deploymentCapacity", "0", "from 1 to 10000", func(c *Config) { c.Model.Capacity = 0 }},
		{"namespace", "Demo_NS", "Kubernetes namespace", func(c *Config) { c.Namespace = "Demo_NS" }},
		{"namespace", strings.Repeat("a", 64), "at most 63", func(c *Config) { c.Namespace = strings.Repeat("a", 64) }},
		{"connectionName", "openai conn", "letters, digits, '.' and '_'", func(c *Config) { c.ConnectionName = "openai conn" }},
		{"connectionName", "openai-conn", "letters, digits, '.' and '_'", func(c *Config) { c.ConnectionName = "openai-conn" }},
		{"connectionName", strings.Repeat("a", 62), "at most 61", func(c *Config) { c.ConnectionName = strings.Repeat("a", 62) }},
		// Service Connector accepts these; its secret's name is then unknown.
		{"secretName", "", `secret Service Connector creates for connection "openai_conn"`, func(c *Config) { c.ConnectionName = "openai_conn" }},
		{"secretName", "", `connection "OpenAI"`, func(c *Config) { c.ConnectionName = "OpenAI" }},
		{"secretName", "", `connection "a..b"`, func(c *Config) { c.ConnectionName = "a..b" }},
		{"clientType", "golang", "one of none, dotnet, java, nodejs, python", func(c *Config) { c.ClientType = "golang" }},
		{"clientType", "go", "one of none, dotnet, java, nodejs, python", func(c *Config) { c.ClientType = "go" }},
		{"serviceAccountName", "SC_Account", "Kubernetes name", func(c *Config) { c.ServiceAccountName = "SC_Account" }},
		{"secretName", "-bad", "Kubernetes name", func(c *Config) { c.SecretName = "-bad" }},
		{"connectorWaitSeconds", "5", "from 10 to 1800", func(c *Config) { c.ConnectorWaitSeconds = 5 }},
		{"demoDeadlineSeconds", "30", "from 60 to 3600", func(c *Config) { c.DemoDeadlineSeconds = 30 }},
		{"connectionMode", "linker", "one of serviceConnector, direct", func(c *Config) { c.ConnectionMode = "linker" }},
		{"registryPull", "admin", "one of anonymous, acrPull", func(c *Config) { c.RegistryPull = "admin" }},
		{"registryPull", "anonymous", "unsafe on a production stack", func(c *Config) { c.Production, c.NodeCount, c.ClusterAccess = true, 2, AccessEntra }},
		{"nodeCount", "1", "at least 2", func(c *Config) { c.Production, c.RegistryPull, c.ClusterAccess = true, PullAcrPull, AccessEntra }},
		{"clusterAccess", "localAccounts", "unsafe on a production stack", func(c *Config) { c.Production, c.RegistryPull, c.NodeCount = true, PullAcrPull, 2 }},
		{"clusterAccess", "kubelogin", "one of localAccounts, entra", func(c *Config) { c.ClusterAccess = "kubelogin" }},
		{"demoDeadlineSeconds", "3000", "within 3000 seconds", func(c *Config) { c.ClusterAccess, c.DemoDeadlineSeconds = AccessEntra, 3000 }},
		{"nodeVmSize", "", "Standard_D2s_v5", func(c *Config) { c.NodeVMSize = "" }},
		{"modelName", "", "gpt-4.1-mini", func(c *Config) { c.Model.Name = "" }},
		{"armEndpoint", "http://management.azure.com", "https://management.azure.com", func(c *Config) { c.ARMEndpoint = "http://management.azure.com" }},
		{"armEndpoint", "", "https://management.usgovcloudapi.net", func(c *Config) { c.ARMEndpoint = "" }},
	}
	for _, tc := range cases {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			c := valid()
			tc.mutate(&c)
			err := validated(c, "proj")
			if err == nil {
				t.Fatalf("%s=%q accepted", tc.key, tc.value)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 {
				t.Fatalf("want one error line, got %d: %v", len(lines), err)
			}
			msg := lines[0]
			for _, want := range []string{"config proj:" + tc.key + ":", `"` + tc.value + `"`, tc.allowed} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
		})
	}
}

func TestProductionAcceptsTheSecureVariants(t *testing.T) {
	c := valid()
	c.Production, c.RegistryPull, c.NodeCount, c.ConnectionMode, c.ClusterAccess = true, PullAcrPull, 3, ModeDirect, AccessEntra
	if err := validated(c, "p"); err != nil {
		t.Fatalf("secure production config rejected: %v", err)
	}
	// The same values without the flag are a dev stack: fine.
	c = valid()
	if err := validated(c, "p"); err != nil {
		t.Fatal(err)
	}
}

func TestSeveralBadValuesAreAllReported(t *testing.T) {
	c := valid()
	c.Location, c.NodeCount, c.ClientType = "East US", -1, "x"
	err := validated(c, "p")
	if err == nil || len(strings.Split(err.Error(), "\n")) != 3 {
		t.Fatalf("want three errors, got %v", err)
	}
}

func TestConnectorNames(t *testing.T) {
	c := valid()
	if got := c.ExpectedSecretName(); got != "sc-openaiconn-secret" {
		t.Errorf("secret = %q", got)
	}
	if got := c.ExpectedServiceAccountName("abc-123"); got != "sc-account-abc-123" {
		t.Errorf("service account = %q", got)
	}
	c.ConnectionMode = ModeDirect
	if c.ExpectedSecretName() != DirectSecretName || c.ExpectedServiceAccountName("abc") != DirectServiceAccountName {
		t.Errorf("direct mode names %q %q", c.ExpectedSecretName(), c.ExpectedServiceAccountName("abc"))
	}
	c.SecretName, c.ServiceAccountName = "mine", "my-sa"
	if c.ExpectedSecretName() != "mine" || c.ExpectedServiceAccountName("abc") != "my-sa" {
		t.Errorf("overrides ignored: %q %q", c.ExpectedSecretName(), c.ExpectedServiceAccountName("abc"))
	}
}

func load(t *testing.T, values map[string]string) (*Config, error) {
	t.Helper()
	full := map[string]string{}
	for k, v := range values {
		full["proj:"+k] = v
	}
	var cfg *Config
	var loadErr error
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		cfg, loadErr = Load(ctx)
		return nil
	}, pulumi.WithMocks("proj", "dev", &mocks.Mocks{}), func(info *pulumi.RunInfo) { info.Config = full })
	if err != nil {
		t.Fatal(err)
	}
	return cfg, loadErr
}

func allKeys() map[string]string {
	return map[string]string{
		"location": "eastus2", "namePrefix": "scdemo", "nodeCount": "2", "nodeVmSize": "Standard_D2s_v5",
		"modelName": "gpt-5.4-mini", "modelVersion": "2026-03-17", "modelFormat": "OpenAI",
		"deploymentName": "chat", "deploymentSku": "GlobalStandard", "deploymentCapacity": "10",
		"namespace": "demo", "connectionName": "openaiconn", "clientType": "python",
		"connectorWaitSeconds": "60", "demoDeadlineSeconds": "300",
		"connectionMode": "direct", "registryPull": "acrPull", "production": "false",
		"preflight": "true", "armEndpoint": "https://management.azure.com",
		"modelVersionUpgrade": "NoAutoUpgrade", "aksUpgradeChannel": "stable",
		"aksNodeOSUpgradeChannel": "SecurityPatch", "clusterAccess": "entra",
	}
}

func TestLoadReadsEveryKey(t *testing.T) {
	values := allKeys()
	values["secretName"] = "override"
	cfg, err := load(t, values)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.NodeCount != 2 || cfg.Model.DeploymentName != "chat" || cfg.Namespace != "demo" ||
		cfg.ClientType != "python" || cfg.SecretName != "override" || cfg.ServiceAccountName != "" ||
		cfg.ConnectorWaitSeconds != 60 || cfg.DemoDeadlineSeconds != 300 || cfg.Model.Capacity != 10 ||
		cfg.ConnectionMode != ModeDirect || cfg.RegistryPull != PullAcrPull || cfg.Production ||
		cfg.Model.VersionUpgrade != "NoAutoUpgrade" || cfg.AKSUpgradeChannel != "stable" ||
		cfg.AKSNodeOSUpgradeChannel != "SecurityPatch" || cfg.ClusterAccess != AccessEntra {
		t.Fatalf("loaded %+v", cfg)
	}
}

// Every config error has one form, whatever its kind: a value of the
// wrong type, an empty or missing value, a bad value.
func TestLoadReportsEveryKindOfErrorInOneForm(t *testing.T) {
	values := allKeys()
	delete(values, "location")
	values["nodeCount"] = "abc"
	values["production"] = "maybe"
	values["nodeVmSize"] = ""
	values["deploymentCapacity"] = "1.5"
	values["clientType"] = "cobol"
	_, err := load(t, values)
	if err == nil {
		t.Fatal("accepted")
	}
	lines := strings.Split(err.Error(), "\n")
	wants := []string{
		`config proj:location: "" is not allowed; use an Azure region's programmatic name`,
		`config proj:nodeCount: "abc" is not allowed; use a whole number from 1 to 100`,
		`config proj:production: "maybe" is not allowed; use true or false`,
		`config proj:nodeVmSize: "" is not allowed; use an Azure VM size such as Standard_D2s_v5`,
		`config proj:deploymentCapacity: "1.5" is not allowed; use a whole number from 1 to 10000`,
		`config proj:clientType: "cobol" is not allowed; use one of none, dotnet, java, nodejs, python`,
	}
	for _, want := range wants {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%s", want, err)
		}
	}
	if len(lines) != len(wants) {
		t.Errorf("%d lines, want %d (one per key, none twice):\n%s", len(lines), len(wants), err)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "config proj:") || !strings.Contains(l, "; use ") || strings.Contains(l, "edited") {
			t.Errorf("line not in the common form: %q", l)
		}
	}
}

func TestPreflightKeys(t *testing.T) {
	values := allKeys()
	cfg, err := load(t, values)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Preflight || cfg.ARMEndpoint != "https://management.azure.com" {
		t.Errorf("preflight %v endpoint %q", cfg.Preflight, cfg.ARMEndpoint)
	}
	values["preflight"], values["armEndpoint"] = "false", "https://127.0.0.1:8443"
	if cfg, err = load(t, values); err != nil || cfg.Preflight || cfg.ARMEndpoint != "https://127.0.0.1:8443" {
		t.Errorf("preflight %v endpoint %q err %v", cfg.Preflight, cfg.ARMEndpoint, err)
	}
}

func TestLoadValidates(t *testing.T) {
	values := allKeys()
	values["clientType"] = "cobol"
	if _, err := load(t, values); err == nil || !strings.Contains(err.Error(), "config proj:clientType") {
		t.Fatalf("got %v", err)
	}
}

// validated is c's validation alone, as Load runs it: every bad value
// reported as "config <project>:<key>: <value> ... <what is allowed>".
func validated(c Config, project string) error {
	v := validator{project: project}
	c.validate(&v)
	return errors.Join(v.errs...)
}
