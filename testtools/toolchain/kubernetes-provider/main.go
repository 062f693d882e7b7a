// Command pulumi-resource-kubernetes is the Kubernetes resource provider
// plugin. It does what provider/v4/cmd/pulumi-resource-kubernetes does, but
// that package embeds schema-embed.json and terraform-mapping-embed.json,
// which are generated files missing from the module zip. ../build.sh runs
// ./genschema to produce them next to a staged copy of this file (in the
// build cache, not in the repo) and builds that copy.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

var providerName = "kubernetes"

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve(providerName, version.Version, pulumiSchema, terraformMapping)
}
