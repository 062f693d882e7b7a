package standin

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func rgID(rg string) string {
	return "/subscriptions/" + Subscription() + "/resourceGroups/" + rg
}

func inRG(armType, nameKey string) func(resource.PropertyMap) string {
	return func(in resource.PropertyMap) string {
		return rgID(gets(in, "resourceGroupName")) + "/providers/" + armType + "/" + gets(in, nameKey)
	}
}

func notFound(id string) *ARMError {
	typ, name, rg := describeID(id)
	return armErr(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name, rg)
}

func parentNotFound(id string) *ARMError {
	_, name, _ := describeID(id)
	return armErr(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", name)
}

// describeID splits an ARM id into "Provider/type", name and resource group.
func describeID(id string) (typ, name, rg string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			rg = parts[i+1]
		}
		if strings.EqualFold(parts[i], "providers") && i+3 < len(parts) {
			typ = parts[i+1] + "/" + parts[i+2]
		}
	}
	if len(parts) > 0 {
		name = parts[len(parts)-1]
	}
	return typ, name, rg
}
