package main

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	azurenative "github.com/pulumi/pulumi-azure-native-sdk/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/preflight"
)

// runPreflight checks the config against Azure before any Azure resource
// is declared, with the provider's own credentials: its subscription
// (getClientConfig) and an ARM token (getClientToken), which work with
// `az login`, OIDC in CI and a managed identity alike. Problems fail the
// run, all at once; skipped checks are warnings.
func runPreflight(ctx *pulumi.Context, cfg *config.Config, azure *azurenative.Provider, client *http.Client) error {
	if !cfg.Preflight {
		return nil
	}
	start := time.Now()
	inAzure := pulumi.Provider(azure)
	whoami, err := authorization.GetClientConfig(ctx, inAzure)
	if err != nil {
		return ctx.Log.Warn("preflight: skipped every check: the provider's subscription could not be read: "+err.Error(), nil)
	}
	token, err := authorization.GetClientToken(ctx, &authorization.GetClientTokenArgs{}, inAzure)
	if err != nil {
		return ctx.Log.Warn("preflight: skipped every check: the provider could not get an Azure Resource Manager token: "+err.Error(), nil)
	}
	res := preflight.Run(ctx.Context(), preflight.Input{
		Project: ctx.Project(), Stack: ctx.Stack(), Config: cfg,
		Endpoint: cfg.ARMEndpoint, SubscriptionID: whoami.SubscriptionId, Token: token.Token,
		Client: client,
	})
	for _, w := range res.Warnings {
		_ = ctx.Log.Warn(w, nil)
	}
	if err := res.Err(); err != nil {
		return err
	}
	return ctx.Log.Info(fmt.Sprintf("preflight: region, model, quota, versions, VM size and resource providers checked against %s in %s", cfg.ARMEndpoint, time.Since(start).Round(time.Millisecond)), nil)
}
