package standin

import (
	"fmt"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Service Connector's cluster extension: installed on a cluster by the first
// link made on it, with a job (sc-job) in namespace sc-system. Learn, "Use
// Service Connector in AKS": "A Kubernetes extension named sc-extension is
// added to the cluster the first time a service connection is created".
const (
	scExtensionName = "sc-extension"
	scExtensionType = "azure-native:kubernetesconfiguration:Extension"
)

// scExtensionFailures are job errors users met, by the AZURE_STANDIN_FAULTS
// value that picks them (Linker:extension[:n]=<value>); any other value is
// taken as the job's error itself.
var scExtensionFailures = map[string]string{
	// Azure/AKS#5493: the job's image pull is refused (open since 2025-12).
	"401": `Failed to pull image "scaksextension.azurecr.io/prod/image/sc-operator:20251013.1": failed to pull and unpack image "scaksextension.azurecr.io/prod/image/sc-operator:20251013.1": failed to resolve reference "scaksextension.azurecr.io/prod/image/sc-operator:20251013.1": failed to authorize: failed to fetch anonymous token: unexpected status from GET request to https://scaksextension.azurecr.io/oauth2/token?scope=repository%3Aprod%2Fimage%2Fsc-operator%3Apull&service=scaksextension.azurecr.io: 401 Unauthorized`,
	// Azure/AKS#5276: the job's image is gone from the registry.
	"notfound": `Failed to pull image "scaksextension.azurecr.io/prod/image/sc-operator:20250417.1": rpc error: code = NotFound desc = failed to pull and unpack image "scaksextension.azurecr.io/prod/image/sc-operator:20250417.1": failed to resolve reference "scaksextension.azurecr.io/prod/image/sc-operator:20250417.1": scaksextension.azurecr.io/prod/image/sc-operator:20250417.1: not found`,
}

func scExtensionID(clusterID string) string {
	return strings.TrimSuffix(clusterID, "/") + "/providers/Microsoft.KubernetesConfiguration/extensions/" + scExtensionName
}

// prepare is what a PUT waits for before ARM writes the resource: for a link
// on an AKS cluster without Service Connector's extension, the extension's
// install. It runs outside the state lock, since it takes minutes in Azure.
func (p *Provider) prepare(k *kind, in resource.PropertyMap) error {
	if k.short != "Linker" {
		return nil
	}
	return p.installSCExtension(gets(in, "resourceUri"))
}

// installSCExtension installs sc-extension on the cluster unless it is
// installed: the link's create lasts AZURE_STANDIN_SC_EXTENSION_INSTALL, and
// fails with the job's error when a Linker:extension fault hits. A failed
// install is tried again by the next link.
func (p *Provider) installSCExtension(clusterID string) error {
	var cluster *Object
	installed := false
	err := p.Store.View(func(s *State) error {
		cluster = s.Get(clusterID)
		if ext := s.Get(scExtensionID(clusterID)); ext != nil {
			installed = ext.Output("provisioningState") == "Succeeded"
		}
		return nil
	})
	if err != nil || cluster == nil || ShortType(cluster.Type) != "ManagedCluster" || installed {
		return err
	}
	// What refuses the link outright comes before the install.
	if err := p.aksAllowsLink(nil, cluster); err != nil {
		return err
	}
	start := p.now()
	jobErr := ""
	err = p.Store.Update(func(s *State) error {
		if v, hit := faultFor(p.faults(), s, "Linker", "extension"); hit {
			jobErr = v
			if known, ok := scExtensionFailures[v]; ok {
				jobErr = known
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	// A failing job is retried in the cluster until the install gives up,
	// so a failure takes as long as a success (Azure/AKS#5493: "fails after
	// a timeout").
	time.Sleep(p.durationKnob(EnvSCExtensionInstall))
	state := "Succeeded"
	if jobErr != "" {
		state = "Failed"
	}
	err = p.Store.Update(func(s *State) error {
		now := p.now()
		s.Put(&Object{
			ID: scExtensionID(clusterID), Type: scExtensionType, Created: now, Updated: now,
			Inputs: map[string]any{"extensionType": "microsoft.servicelinker.connection"},
			Outputs: map[string]any{
				"name": scExtensionName, "type": "Microsoft.KubernetesConfiguration/extensions",
				"provisioningState": state, "releaseNamespace": "sc-system",
			},
		})
		return nil
	})
	if err != nil {
		return err
	}
	p.log("ServiceConnector", scExtensionType, scExtensionName, p.now().Sub(start), "install "+strings.ToLower(state))
	if jobErr != "" {
		return scExtensionFailed(jobErr)
	}
	return nil
}

// scExtensionFailed is the link's error when its extension's job failed, in
// the form the cluster extension service reports a failed install
// (hashicorp/terraform-provider-azurerm#24547).
func scExtensionFailed(jobErr string) *ARMError {
	return armErr(400, "ExtensionOperationFailed", "%s", fmt.Sprintf(
		"The extension operation failed with the following error:  Error: [ InnerError: [job sc-job in namespace sc-system failed: %s]] "+
			"occurred while doing the operation : [Create] on the config, For general troubleshooting visit: https://aka.ms/k8s-extensions-TSG", jobErr))
}
