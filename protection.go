package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
)

// announceProtection says, on a production stack, what is protected and
// how to lift it on purpose. Pulumi's own message for a refused
// replacement says to remove the protect flag from the program, which
// here would mean production: false and losing its checks too.
func announceProtection(ctx *pulumi.Context, cfg *config.Config) error {
	if !cfg.Production {
		return nil
	}
	return ctx.Log.Info(fmt.Sprintf("production: the OpenAI account, the cluster and the registry are protected, so a destroy or a change that replaces them (location, namePrefix) fails. To do it on purpose, first `pulumi state unprotect --stack %s --all` (or one resource's URN); the next `pulumi up` protects them again", ctx.Stack()), nil)
}
