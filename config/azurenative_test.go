package config

import (
	"strings"
	"testing"
)

func azure(kv ...string) AzureNative {
	a := AzureNative{Set: map[string]bool{}, Strings: map[string]string{}}
	for i := 0; i+1 < len(kv); i += 2 {
		a.Set[kv[i]], a.Strings[kv[i]] = true, kv[i+1]
	}
	return a
}

// The preflight's token goes only to the Resource Manager of the cloud
// azure-native signs in to: its environment's, or its metadataHost.
func TestARMEndpointMustBeTheProvidersCloud(t *testing.T) {
	noEnv(t, map[string]string{})
	cases := []struct {
		endpoint string
		azure    AzureNative
		ok       bool
	}{
		{"https://management.azure.com", azure(), true},
		{"https://management.azure.com/", azure("environment", "public"), true},
		{"https://management.usgovcloudapi.net", azure("environment", "usgovernment"), true},
		{"https://management.chinacloudapi.cn", azure("environment", "china"), true},
		{"https://127.0.0.1:8443", azure("metadataHost", "127.0.0.1:8443"), true},
		{"https://evil.example.com", azure(), false},
		{"https://management.azure.com", azure("environment", "usgovernment"), false},
		{"https://management.usgovcloudapi.net", azure(), false},
		{"https://127.0.0.1:8443", azure("metadataHost", "127.0.0.1:9443"), false},
		{"https://management.azure.com", azure("metadataHost", "management.local.azurestack.external"), false},
	}
	for _, tc := range cases {
		c := valid()
		c.ARMEndpoint, c.Azure = tc.endpoint, tc.azure
		err := validated(c, "proj")
		if tc.ok != (err == nil) {
			t.Errorf("armEndpoint %s with %v: %v", tc.endpoint, tc.azure.Strings, err)
			continue
		}
		if err != nil && (!strings.Contains(err.Error(), "config proj:armEndpoint: \""+tc.endpoint+"\"") || !strings.Contains(err.Error(), "azure-native:")) {
			t.Errorf("the error names neither the key and value nor azure-native's cloud: %v", err)
		}
	}
	// Without preflight no token is sent, so the endpoint is not checked.
	c := valid()
	c.Preflight, c.ARMEndpoint = false, "https://evil.example.com"
	if err := validated(c, "proj"); err != nil {
		t.Errorf("preflight off: %v", err)
	}
}

// azure-native falls back to ARM_ENVIRONMENT and ARM_METADATA_HOSTNAME
// for a key the stack does not set; the check follows it.
func TestTheCloudFollowsAzureNativesEnvironmentVariables(t *testing.T) {
	env := map[string]string{"ARM_ENVIRONMENT": "usgovernment"}
	noEnv(t, env)
	c := valid()
	if err := validated(c, "proj"); err == nil {
		t.Error("public endpoint accepted with ARM_ENVIRONMENT=usgovernment")
	}
	c.ARMEndpoint = "https://management.usgovcloudapi.net"
	if err := validated(c, "proj"); err != nil {
		t.Error(err)
	}
	env["ARM_METADATA_HOSTNAME"] = "127.0.0.1:8443"
	c.ARMEndpoint = "https://127.0.0.1:8443"
	if err := validated(c, "proj"); err != nil {
		t.Error(err)
	}
	// The stack's own setting wins over the variable, as in azure-native.
	c.Azure = azure("metadataHost", "127.0.0.1:9443")
	if err := validated(c, "proj"); err == nil {
		t.Error("the stack's metadataHost did not win over ARM_METADATA_HOSTNAME")
	}
}

// noEnv makes env the only environment azure-native's fallbacks see.
func noEnv(t *testing.T, env map[string]string) {
	old := Getenv
	Getenv = func(k string) string { return env[k] }
	t.Cleanup(func() { Getenv = old })
}
