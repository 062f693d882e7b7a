// Command pulumi-resource-azure-native is the local Azure stand-in as a
// Pulumi resource provider plugin: install it as azure-native (any version)
// and point AZURE_STANDIN_STATE at a state directory. See README.md.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

func main() {
	p := standin.New()
	err := provider.Main("azure-native", func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return p, nil
	})
	// Service Connector's cluster work runs after the link is reported; let
	// it finish before the engine's shutdown ends the process.
	p.Wait(2 * time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
