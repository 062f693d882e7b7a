package standin

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func checkLinker(in resource.PropertyMap) []Failure {
	var fs []Failure
	if gets(in, "authInfo.authType") == "userAssignedIdentity" {
		for _, k := range []string{"clientId", "subscriptionId"} {
			if getv(in, "authInfo."+k).IsNull() {
				fs = append(fs, Failure{"authInfo." + k, fmt.Sprintf("missing required property 'authInfo.%s' (authType userAssignedIdentity needs the identity's clientId and subscriptionId)", k)})
			}
		}
		if v := getv(in, "authInfo.clientId"); v.IsString() && !guidPattern.MatchString(v.StringValue()) {
			fs = append(fs, Failure{"authInfo.clientId", fmt.Sprintf("'authInfo.clientId' is '%s' but must be a GUID", v.StringValue())})
		}
	}
	if gets(in, "targetService.type") == "AzureResource" && getv(in, "targetService.id").IsNull() {
		fs = append(fs, Failure{"targetService.id", "missing required property 'targetService.id' (the target resource's ARM id)"})
	}
	if v := getv(in, "resourceUri"); v.IsString() && !strings.HasPrefix(v.StringValue(), "/subscriptions/") {
		fs = append(fs, Failure{"resourceUri", fmt.Sprintf("'resourceUri' is '%s' but must be the source resource's ARM id", v.StringValue())})
	}
	return fs
}
