package main

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"aks-openai-workload-identity/testtools/mocks"
)

// The prod stack protects what a mistake would cost most to lose: the
// OpenAI account, the cluster and the registry; nothing else, and nothing
// on dev.
func TestProductionProtectsTheAccountClusterAndRegistry(t *testing.T) {
	protected := map[string]bool{
		"azure-native:cognitiveservices:Account":                   true,
		"azure-native:containerservice/v20240901:ManagedCluster":   true,
		"azure-native:containerregistry/v20230101preview:Registry": true,
	}
	for _, stack := range []string{"dev", "prod"} {
		m := &mocks.Mocks{}
		if _, err := runProgram(t, m, stackConfig(t, stack)); err != nil {
			t.Fatal(err)
		}
		for _, r := range m.Registrations() {
			if want := stack == "prod" && protected[r.Type]; r.Protect != want {
				t.Errorf("%s: %s %s protect = %v, want %v", stack, r.Type, r.Name, r.Protect, want)
			}
		}
	}
}

// Service Connector assigns OpenAI User, what the demo needs, not its
// default OpenAI Contributor.
func TestTheLinkAsksForOpenAIUser(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	linker := resource.NewProperty(m.One(t.Fatalf, "azure-native:servicelinker:Linker").Inputs)
	roles := mocks.At(linker, "authInfo", "roles").ArrayValue()
	want := "/subscriptions/" + mocks.SubscriptionID + "/providers/Microsoft.Authorization/roleDefinitions/5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
	if len(roles) != 1 || roles[0].StringValue() != want {
		t.Errorf("authInfo.roles = %v, want [%s]", roles, want)
	}
}

// Every azure-native:* key a stack sets reaches the explicit provider,
// credentials as secrets; keys not set are not sent.
func TestTheStacksAzureNativeConfigReachesTheProvider(t *testing.T) {
	set := map[string]string{
		"auxiliaryTenantIds":        `["aux-1","aux-2"]`,
		"clientCertificatePassword": "cert-password",
		"clientCertificatePath":     "/cert.pfx",
		"clientId":                  "client-id",
		"clientSecret":              "client-secret",
		"disablePulumiPartnerId":    "true",
		"environment":               "public",
		"msiEndpoint":               "http://msi",
		"oidcRequestToken":          "request-token",
		"oidcRequestUrl":            "https://oidc-request",
		"oidcToken":                 "oidc-token",
		"partnerId":                 "partner-id",
		"subscriptionId":            "sub-prod",
		"tenantId":                  "tenant-prod",
		"useMsi":                    "false",
		"useOidc":                   "true",
	}
	cfg := stackConfig(t, "dev")
	for k, v := range set {
		cfg["azure-native:"+k] = v
	}
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, cfg); err != nil {
		t.Fatal(err)
	}
	in := resource.NewProperty(m.One(t.Fatalf, "pulumi:providers:azure-native").Inputs)
	secret := map[string]bool{"clientCertificatePassword": true, "clientSecret": true, "oidcRequestToken": true, "oidcToken": true, "clientId": true}
	for k, want := range set {
		v := mocks.At(in, k)
		if secret[k] != v.ContainsSecrets() {
			t.Errorf("provider input %s secret = %v, want %v", k, v.ContainsSecrets(), secret[k])
		}
		for v.IsSecret() {
			v = v.SecretValue().Element
		}
		got := ""
		switch {
		case v.IsArray():
			var ids []string
			for _, e := range v.ArrayValue() {
				ids = append(ids, `"`+e.StringValue()+`"`)
			}
			got = "[" + strings.Join(ids, ",") + "]"
		case v.IsBool():
			got = map[bool]string{true: "true", false: "false"}[v.BoolValue()]
		case v.IsString():
			got = v.StringValue()
		}
		if got != want {
			t.Errorf("provider input %s = %q, want %q", k, got, want)
		}
	}
	if loc := mocks.At(in, "location"); loc.StringValue() != cfg["location"] {
		t.Errorf("provider location = %v", loc)
	}

	// A stack that sets nothing sends nothing but the location (and the
	// SDK's default environment; metadataHost is the harness's, for the
	// stand-in's ARM).
	m = &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	for k := range m.One(t.Fatalf, "pulumi:providers:azure-native").Inputs {
		if k != "location" && k != "environment" && k != "version" && k != "metadataHost" {
			t.Errorf("provider input %s sent though the stack does not set it", k)
		}
	}
}

// What the provider cannot take, or would contradict the program, is a
// config error before any resource.
func TestAzureNativeConfigTheProgramCannotHonourFails(t *testing.T) {
	for key, value := range map[string]string{
		"oidcTokenFilePath": "/token",
		"location":          "westeurope",
		"useOidc":           "maybe",
		"environment":       "mars",
	} {
		cfg := stackConfig(t, "dev")
		cfg["azure-native:"+key] = value
		if key == "environment" {
			// The cloud is then the environment's, not the harness's
			// metadataHost.
			cfg["azure-native:metadataHost"] = ""
		}
		m := &mocks.Mocks{}
		_, err := runProgram(t, m, cfg)
		if err == nil || !strings.Contains(err.Error(), "azure-native:"+key) || !strings.Contains(err.Error(), value) {
			t.Errorf("azure-native:%s=%s: %v", key, value, err)
		}
		if n := len(m.Registrations()); n > 1 {
			t.Errorf("azure-native:%s=%s: %d resources declared", key, value, n)
		}
	}
}
