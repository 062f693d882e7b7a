package mocks

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"
)

// Project and Stack the mocked runs use.
const (
	Project = "aks-openai-workload-identity"
	Stack   = "dev"
)

// Run runs body under the mocks with the given config (keys without the
// project prefix) and returns the error the program would end with.
func Run(m *Mocks, config map[string]string, body pulumi.RunFunc) error {
	full := map[string]string{}
	// A key with a namespace (azure-native:subscriptionId) is a
	// provider's; the others are the project's.
	for k, v := range config {
		if strings.Contains(k, ":") {
			full[k] = v
			continue
		}
		full[Project+":"+k] = v
	}
	return pulumi.RunErr(body, pulumi.WithMocks(Project, Stack, m), func(info *pulumi.RunInfo) {
		info.Config = full
	})
}

// Await resolves an output inside a mocked run.
func Await(t testing.TB, ctx *pulumi.Context, o pulumi.Output) internals.UnsafeAwaitOutputResult {
	t.Helper()
	r, err := internals.UnsafeAwaitOutput(ctx.Context(), o)
	if err != nil {
		t.Errorf("awaiting output: %v", err)
	}
	return r
}
