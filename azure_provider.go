package main

import (
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
)

// newAzureProvider is the one explicit azure-native provider. Pulumi does
// not pass stack config to an explicit provider (pulumi/pulumi-aws#1307,
// #3259), so every azure-native:* key the stack sets is forwarded here:
// without it a pinned subscription, tenant, cloud or OIDC sign-in would be
// silently ignored, and prod would deploy wherever the CLI login points.
func newAzureProvider(ctx *pulumi.Context, cfg *config.Config) (*azurenative.Provider, error) {
	a := cfg.Azure
	str := func(key string) pulumi.StringPtrInput {
		if !a.Set[key] {
			return nil
		}
		v := pulumi.StringPtr(a.Strings[key])
		if config.AzureNativeSecretKeys[key] {
			return pulumi.ToSecret(v).(pulumi.StringPtrInput)
		}
		return v
	}
	boolean := func(key string) pulumi.BoolPtrInput {
		if !a.Set[key] {
			return nil
		}
		return pulumi.BoolPtr(a.Bools[key])
	}
	var aux pulumi.StringArrayInput
	if a.Set["auxiliaryTenantIds"] {
		aux = pulumi.ToStringArray(a.AuxiliaryTenantIDs)
	}
	return azurenative.NewProvider(ctx, "azure", &azurenative.ProviderArgs{
		// The program's own location key; config refuses an
		// azure-native:location that differs from it.
		Location:                  pulumi.String(cfg.Location),
		AuxiliaryTenantIds:        aux,
		ClientCertificatePassword: str("clientCertificatePassword"),
		ClientCertificatePath:     str("clientCertificatePath"),
		ClientId:                  str("clientId"),
		ClientSecret:              str("clientSecret"),
		DisablePulumiPartnerId:    boolean("disablePulumiPartnerId"),
		Environment:               str("environment"),
		MetadataHost:              str("metadataHost"),
		MsiEndpoint:               str("msiEndpoint"),
		OidcRequestToken:          str("oidcRequestToken"),
		OidcRequestUrl:            str("oidcRequestUrl"),
		OidcToken:                 str("oidcToken"),
		PartnerId:                 str("partnerId"),
		SubscriptionId:            str("subscriptionId"),
		TenantId:                  str("tenantId"),
		UseMsi:                    boolean("useMsi"),
		UseOidc:                   boolean("useOidc"),
	}, pulumi.Version(azureNativeVersion))
}
