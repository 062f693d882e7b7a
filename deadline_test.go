package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"aks-openai-workload-identity/testtools/mocks"
)

// Pulumi.yaml's default deadline comes from the longest propagation the
// demo waits for: a role assignment takes up to 10 minutes to take effect
// (Learn, "Troubleshoot Azure RBAC"), so the demo retries for 600 s, in a
// Job of 660 s that Pulumi waits on for a minute more.
func TestTheDefaultDeadlineWaitsOutARoleAssignment(t *testing.T) {
	m := &mocks.Mocks{}
	if _, err := runProgram(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	in := resource.NewProperty(job.Inputs)
	expect(t, []check{
		{"the demo's retry budget", envOf(mocks.At(in, "spec", "template", "spec", "containers", 0))["AZURE_OPENAI_RETRY_SECONDS"], "600"},
		{"activeDeadlineSeconds", mocks.At(in, "spec", "activeDeadlineSeconds").V, 660.0},
		{"Pulumi's create timeout", job.CreateTimeout, "720s"},
	})
}
