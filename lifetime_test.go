package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/kubeclient"
	"aks-openai-workload-identity/testtools/mocks"
)

// What each stack lets Azure change by itself, and what the program keeps
// of Azure's changes (docs/long-lived-stacks.md).
func TestEachStackSetsItsUpgradePolicies(t *testing.T) {
	for stack, want := range map[string][3]string{
		"dev":  {"OnceNewDefaultVersionAvailable", "patch", "NodeImage"},
		"prod": {"OnceCurrentVersionExpired", "patch", "SecurityPatch"},
	} {
		m := &mocks.Mocks{}
		if _, err := runProgram(t, m, stackConfig(t, stack)); err != nil {
			t.Fatal(err)
		}
		dep := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment").Inputs
		if got := dep["properties"].ObjectValue()["versionUpgradeOption"].StringValue(); got != want[0] {
			t.Errorf("%s: versionUpgradeOption %q, want %q", stack, got, want[0])
		}
		cluster := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Inputs
		if got := cluster["autoUpgradeProfile"].ObjectValue()["upgradeChannel"].StringValue(); got != want[1] {
			t.Errorf("%s: upgradeChannel %q, want %q", stack, got, want[1])
		}
		if got := cluster["autoUpgradeProfile"].ObjectValue()["nodeOSUpgradeChannel"].StringValue(); got != want[2] {
			t.Errorf("%s: nodeOSUpgradeChannel %q, want %q", stack, got, want[2])
		}
	}
}

// The link writes under the account only after the deployment did.
func TestLinkWaitsForTheDeployment(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	linker := m.One(t.Fatalf, "azure-native:servicelinker:Linker")
	if !linker.DependsOn("azure-native:cognitiveservices:Deployment", "scdemo-openai-gpt-5.4-mini") {
		t.Errorf("the link does not wait for the deployment: %v", linker.Dependencies)
	}
}

func running(kind, model, version string) map[string]resource.PropertyMap {
	return map[string]resource.PropertyMap{
		"azure-native:cognitiveservices:getAccount": {"kind": resource.NewProperty(kind)},
		"azure-native:cognitiveservices:getDeployment": {"properties": resource.NewProperty(resource.PropertyMap{
			"model": resource.NewProperty(resource.PropertyMap{"name": resource.NewProperty(model), "version": resource.NewProperty(version)}),
		})},
	}
}

// After Microsoft's Foundry upgrade and Azure's model upgrade, the program
// declares what Azure runs; a bump newer than Azure's version is sent.
func TestTheProgramKeepsWhatAzureUpgraded(t *testing.T) {
	cases := []struct {
		name                  string
		live                  map[string]resource.PropertyMap
		stack, modelVersion   string
		wantKind, wantVersion string
	}{
		{"new stack", nil, "dev", "", "OpenAI", "2026-03-17"},
		{"Foundry upgrade, newer default", running("AIServices", "gpt-5.4-mini", "2026-09-01"), "dev", "", "AIServices", "2026-09-01"},
		{"a bump past Azure's version", running("OpenAI", "gpt-5.4-mini", "2026-09-01"), "dev", "2026-11-20", "OpenAI", "2026-11-20"},
		{"another model runs", running("OpenAI", "gpt-5-mini", "2027-01-01"), "dev", "", "OpenAI", "2026-03-17"},
		{"never upgraded: NoAutoUpgrade", running("OpenAI", "gpt-5.4-mini", "2026-09-01"), "noauto", "", "OpenAI", "2026-03-17"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := &mocks.Mocks{Running: tc.live}
			stack := tc.stack
			if stack == "noauto" {
				stack = "dev"
			}
			cfg := stackConfig(t, stack)
			if tc.stack == "noauto" {
				cfg["modelVersionUpgrade"] = "NoAutoUpgrade"
			}
			if tc.modelVersion != "" {
				// A version the preflight's catalog does not offer: this
				// test is about the declaration, not the preflight.
				cfg["modelVersion"], cfg["preflight"] = tc.modelVersion, "false"
			}
			if _, err := runProgram(t, m, cfg); err != nil {
				t.Fatal(err)
			}
			acct := m.One(t.Fatalf, "azure-native:cognitiveservices:Account").Inputs
			if got := acct["kind"].StringValue(); got != tc.wantKind {
				t.Errorf("kind %q, want %q", got, tc.wantKind)
			}
			dep := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment").Inputs
			if got := dep["properties"].ObjectValue()["model"].ObjectValue()["version"].StringValue(); got != tc.wantVersion {
				t.Errorf("model version %q, want %q", got, tc.wantVersion)
			}
		})
	}
}

// A read of what Azure runs that fails for another reason than 404 fails
// the run: declaring the config's values then could roll Azure back.
func TestAFailedReadOfWhatAzureRunsFails(t *testing.T) {
	m := &mocks.Mocks{RunningErr: errors.New(`Status=429 Code="TooManyRequests" Message="throttled"`)}
	cfg := stackConfig(t, "dev")
	cfg["armEndpoint"] = fakeARM().URL
	// The fake ARM is the cloud azure-native is pointed at, so the
	// preflight may send it the token.
	cfg["azure-native:metadataHost"] = strings.TrimPrefix(fakeARM().URL, "https://")
	opts := options{appDir: "demo", armClient: fakeARM().Client(),
		waitForObjects: func(context.Context, kubeclient.ServiceConnectorObjects) error { return nil }}
	// The outputs are not awaited: the run itself must fail.
	err := mocks.Run(m, cfg, func(ctx *pulumi.Context) error { _, err := deploy(ctx, opts); return err })
	if err == nil || !strings.Contains(err.Error(), "reading the OpenAI account") || !strings.Contains(err.Error(), "TooManyRequests") {
		t.Errorf("want the failed read named, got %v", err)
	}
}
