package mocks

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// computed sets the outputs Azure computes that the program reads, by the
// stand-in's kind (one case for every API version's token). Values are
// stable per name, so a test can pin a wire to them.
func (m *Mocks) computed(md standin.Modeled, out resource.PropertyMap) {
	in, name := md.Inputs, md.Name
	switch md.Kind {
	case "ManagedCluster":
		out["oidcIssuerProfile"] = resource.NewProperty(resource.PropertyMap{
			"enabled":   resource.NewProperty(true),
			"issuerURL": resource.NewProperty("https://eastus2.oic.prod-aks.azure.com/" + TenantID + "/" + name + "/"),
		})
		out["identityProfile"] = resource.NewProperty(resource.PropertyMap{
			"kubeletidentity": resource.NewProperty(resource.PropertyMap{
				"clientId": resource.NewProperty(uuidFor("kubelet-client", name)),
				"objectId": resource.NewProperty(uuidFor("kubelet-object", name)),
			}),
		})
	case "Account":
		props := resource.PropertyMap{}
		if p, ok := in["properties"]; ok && p.IsObject() {
			props = p.ObjectValue().Copy()
		}
		props["endpoint"] = resource.NewProperty("https://" + str(props, "customSubDomainName") + ".openai.azure.com/")
		props["provisioningState"] = resource.NewProperty("Succeeded")
		out["properties"] = resource.NewProperty(props)
	case "Registry":
		out["loginServer"] = resource.NewProperty(strings.ToLower(name) + ".azurecr.io")
	case "TaskRun":
		out["runResult"] = resource.NewProperty(m.runResult(in))
	case "UserAssignedIdentity":
		out["clientId"] = resource.NewProperty(uuidFor("client", name))
		out["principalId"] = resource.NewProperty(uuidFor("principal", name))
		out["tenantId"] = resource.NewProperty(TenantID)
	case "Linker":
		out["provisioningState"] = resource.NewProperty("Succeeded")
	}
}

// ARMID is the ARM id of a resource of the given type in a resource group
// of the mock subscription: what a test hands a component in place of a
// real resource's id.
func ARMID(resourceGroup, armType, name string) string {
	return "/subscriptions/" + SubscriptionID + "/resourceGroups/" + resourceGroup + "/providers/" + armType + "/" + name
}
