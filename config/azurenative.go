package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AzureNative is the stack's azure-native:* config. Pulumi hands stack
// config only to default providers, never to an explicit one
// (pulumi/pulumi-aws#1307, #3259), so the program reads it here and
// forwards it to its one explicit provider: otherwise a prod stack's
// pinned subscription or OIDC sign-in would be silently ignored. The keys
// are the inputs of azure-native's ProviderArgs (SDK v2.92.0); a key left
// unset is not sent, and the provider then falls back to its ARM_*
// environment variables as before.
type AzureNative struct {
	// Set holds the keys the stack sets, without the namespace.
	Set map[string]bool
	// Strings: every string input, by key.
	Strings map[string]string
	// Bools: disablePulumiPartnerId, useMsi, useOidc.
	Bools map[string]bool
	// AuxiliaryTenantIDs is auxiliaryTenantIds, a JSON list.
	AuxiliaryTenantIDs []string
}

// Namespace of the provider's config keys.
const AzureNativeNamespace = "azure-native"

// The azure-native ProviderArgs inputs (SDK v2.92.0, provider.go), by kind.
var (
	AzureNativeStringKeys = []string{
		"clientCertificatePassword", "clientCertificatePath", "clientId", "clientSecret",
		"environment", "location", "metadataHost", "msiEndpoint", "oidcRequestToken",
		"oidcRequestUrl", "oidcToken", "partnerId", "subscriptionId", "tenantId",
	}
	AzureNativeBoolKeys = []string{"disablePulumiPartnerId", "useMsi", "useOidc"}
	// AzureNativeSecretKeys are credentials: forwarded as secrets, so the
	// provider's inputs in the state never hold them in plain text.
	AzureNativeSecretKeys = map[string]bool{
		"clientCertificatePassword": true, "clientSecret": true, "oidcRequestToken": true, "oidcToken": true,
	}
	// azureNativeUnforwardable are keys azure-native reads that its
	// ProviderArgs cannot carry: the value would be ignored, so it is
	// refused, with what works instead.
	azureNativeUnforwardable = map[string]string{
		"oidcTokenFilePath": "the ARM_OIDC_TOKEN_FILE_PATH environment variable, which the provider reads itself",
	}
)

// Azure clouds azure-native's environment names, and their Resource
// Manager endpoints (azure-native's config description: public,
// usgovernment, china; endpoints from each cloud's Azure CLI
// `az cloud show --query endpoints.resourceManager`).
var armEndpoints = map[string]string{
	"public":       "https://management.azure.com",
	"usgovernment": "https://management.usgovcloudapi.net",
	"china":        "https://management.chinacloudapi.cn",
}

// Getenv reads the environment variables azure-native falls back to for a
// key the stack does not set; tests replace it.
var Getenv = os.Getenv

func loadAzureNative(ctx *pulumi.Context, errs *[]error) AzureNative {
	get := func(key string) (string, bool) { return ctx.GetConfig(AzureNativeNamespace + ":" + key) }
	a := AzureNative{Set: map[string]bool{}, Strings: map[string]string{}, Bools: map[string]bool{}}
	fail := func(key, value, allowed string) {
		*errs = append(*errs, fmt.Errorf("config %s:%s: %q is not allowed; use %s", AzureNativeNamespace, key, value, allowed))
	}
	for _, key := range AzureNativeStringKeys {
		if v, ok := get(key); ok {
			a.Set[key], a.Strings[key] = true, v
		}
	}
	for _, key := range AzureNativeBoolKeys {
		if raw, ok := get(key); ok {
			b, err := strconv.ParseBool(raw)
			if err != nil {
				fail(key, raw, "true or false")
				continue
			}
			a.Set[key], a.Bools[key] = true, b
		}
	}
	if raw, ok := get("auxiliaryTenantIds"); ok {
		if err := json.Unmarshal([]byte(raw), &a.AuxiliaryTenantIDs); err != nil {
			fail("auxiliaryTenantIds", raw, `a JSON list of tenant ids, such as ["<tenant id>"]`)
		} else {
			a.Set["auxiliaryTenantIds"] = true
		}
	}
	for key, instead := range azureNativeUnforwardable {
		if v, ok := get(key); ok {
			*errs = append(*errs, fmt.Errorf("config %s:%s: %q cannot be passed to the program's explicit azure-native provider (its ProviderArgs has no such input), so it would be ignored; remove it and use %s", AzureNativeNamespace, key, v, instead))
		}
	}
	return a
}

// setting is a key's value in the stack's config, else in the environment
// variable azure-native falls back to.
func (a AzureNative) setting(key, env string) string {
	if a.Set[key] {
		return a.Strings[key]
	}
	return Getenv(env)
}

// ARMEndpoint is the Resource Manager endpoint of the cloud azure-native
// is configured for, and how that cloud was named: the metadataHost's
// (azure-native then reads the cloud's endpoints from
// https://<metadataHost>/metadata/endpoints, which Azure Stack serves on
// its management host), else the environment's. ok is false for an
// environment azure-native does not name.
func (a AzureNative) ARMEndpoint() (endpoint, cloud string, ok bool) {
	if host := a.setting("metadataHost", "ARM_METADATA_HOSTNAME"); host != "" {
		return "https://" + host, "azure-native:metadataHost " + strconv.Quote(host), true
	}
	env := a.setting("environment", "ARM_ENVIRONMENT")
	if env == "" {
		env = "public"
	}
	endpoint, ok = armEndpoints[strings.ToLower(env)]
	return endpoint, "azure-native:environment " + strconv.Quote(env), ok
}

// validateAzure checks that the preflight's token can only go to the
// provider's own cloud, and that the provider's settings agree with the
// program's.
func (c *Config) validateAzure(v *validator) {
	if loc := c.Azure.Strings["location"]; c.Azure.Set["location"] && loc != c.Location {
		v.errs = append(v.errs, fmt.Errorf("config %s:location: %q differs from %s:location %q, which the program deploys to; remove %s:location or set it to %q",
			AzureNativeNamespace, loc, v.project, c.Location, AzureNativeNamespace, c.Location))
	}
	want, cloud, ok := c.Azure.ARMEndpoint()
	if !ok {
		env := c.Azure.setting("environment", "ARM_ENVIRONMENT")
		v.errs = append(v.errs, fmt.Errorf("config %s:environment: %q is not allowed; use public, usgovernment or china, or set %s:metadataHost for Azure Stack",
			AzureNativeNamespace, env, AzureNativeNamespace))
		return
	}
	if !c.Preflight || !armEndpointPattern.MatchString(c.ARMEndpoint) {
		return
	}
	if !sameEndpoint(c.ARMEndpoint, want) {
		v.fail("armEndpoint", c.ARMEndpoint, fmt.Sprintf("%s, the Resource Manager endpoint of the cloud azure-native is configured for (%s): the preflight sends the provider's ARM token only there. Set armEndpoint to it, or point azure-native at the cloud you mean (%s:environment, %s:metadataHost)",
			want, cloud, AzureNativeNamespace, AzureNativeNamespace))
	}
}

// sameEndpoint compares two https base URLs by host (and port).
func sameEndpoint(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	return errA == nil && errB == nil && strings.EqualFold(ua.Host, ub.Host)
}
