package mocks

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

const (
	// ARMToken is what getClientToken returns: one the stand-in's ARM
	// read API (azurestandin/arm) accepts.
	ARMToken = standin.ARMTokenPrefix + "mocks"
	// AKSToken is what getClientToken returns for AKS's server application.
	AKSToken = standin.AKSTokenPrefix + "mocks"
)

// clientToken answers getClientToken for the endpoint it asks for.
func clientToken(args resource.PropertyMap) resource.PropertyMap {
	if str(args, "endpoint") == standin.AKSServerAppID {
		return resource.PropertyMap{"token": resource.NewProperty(AKSToken)}
	}
	return resource.PropertyMap{"token": resource.NewProperty(ARMToken)}
}
