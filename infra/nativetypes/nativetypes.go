// Package nativetypes holds small typed resources for azure-native types
// whose Go SDK modules (pulumi-azure-native-sdk/servicelinker/v2 and
// cognitiveservices/v2) the Go module proxy this project is built against
// does not serve: servicelinker Linker and cognitiveservices Account and
// Deployment. They register by the same type
// tokens, with property names exactly as the azure-native v2.92.0 schema has
// them, so the real azure-native provider serves them like any other.
//
// An args struct is its own element type: the Pulumi SDK then marshals each
// field by its `pulumi` tag and awaits nested inputs, which keeps these types
// free of the generated SDK's Output boilerplate.
package nativetypes

import (
	"reflect"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Type tokens of the azure-native v2 schema.
const (
	LinkerType     = "azure-native:servicelinker:Linker"
	AccountType    = "azure-native:cognitiveservices:Account"
	DeploymentType = "azure-native:cognitiveservices:Deployment"
)

// LinkerArgs are the inputs of azure-native:servicelinker:Linker
// (API 2022-11-01-preview in azure-native 2.92.0).
type LinkerArgs struct {
	// ResourceUri is the ARM id of the source resource (here the cluster).
	ResourceUri   pulumi.StringInput            `pulumi:"resourceUri"`
	LinkerName    pulumi.StringInput            `pulumi:"linkerName"`
	TargetService *AzureResource                `pulumi:"targetService"`
	AuthInfo      *UserAssignedIdentityAuthInfo `pulumi:"authInfo"`
	ClientType    pulumi.StringInput            `pulumi:"clientType"`
	// Scope is the Kubernetes namespace for an AKS source.
	Scope pulumi.StringInput `pulumi:"scope"`
	// PublicNetworkSolution is what Service Connector does to the target's
	// network access.
	PublicNetworkSolution *PublicNetworkSolution `pulumi:"publicNetworkSolution"`
}

// PublicNetworkSolution: action "enable" (Service Connector's default) or
// "optOut".
type PublicNetworkSolution struct {
	Action pulumi.StringInput `pulumi:"action"`
}

// ElementType makes LinkerArgs a pulumi.Input marshalled field by field.
func (LinkerArgs) ElementType() reflect.Type { return reflect.TypeOf(LinkerArgs{}) }

// AzureResource is the targetService variant whose discriminator type is
// "AzureResource".
type AzureResource struct {
	Type pulumi.StringInput `pulumi:"type"`
	Id   pulumi.StringInput `pulumi:"id"`
}

// UserAssignedIdentityAuthInfo is the authInfo variant whose discriminator
// authType is "userAssignedIdentity".
type UserAssignedIdentityAuthInfo struct {
	AuthType       pulumi.StringInput `pulumi:"authType"`
	ClientId       pulumi.StringInput `pulumi:"clientId"`
	SubscriptionId pulumi.StringInput `pulumi:"subscriptionId"`
	// DeleteOrUpdateBehavior is Default or ForcedCleanup: whether Service
	// Connector removes what it set up when the link is updated or deleted.
	DeleteOrUpdateBehavior pulumi.StringInput `pulumi:"deleteOrUpdateBehavior"`
	// Roles are the role definition ids Service Connector assigns the
	// identity on the target, instead of its default.
	Roles pulumi.StringArrayInput `pulumi:"roles"`
}

// Linker is a Service Connector link.
type Linker struct {
	pulumi.CustomResourceState
}

// NewLinker registers a Linker.
func NewLinker(ctx *pulumi.Context, name string, args LinkerArgs, opts ...pulumi.ResourceOption) (*Linker, error) {
	var r Linker
	if err := ctx.RegisterResource(LinkerType, name, args, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}

// AccountArgs are the inputs of azure-native:cognitiveservices:Account
// (API 2023-05-01 in azure-native 2.92.0).
type AccountArgs struct {
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	AccountName       pulumi.StringInput    `pulumi:"accountName"`
	Location          pulumi.StringInput    `pulumi:"location"`
	Kind              pulumi.StringInput    `pulumi:"kind"`
	Sku               *Sku                  `pulumi:"sku"`
	Properties        *AccountProperties    `pulumi:"properties"`
	Tags              pulumi.StringMapInput `pulumi:"tags"`
}

// ElementType makes AccountArgs a pulumi.Input marshalled field by field.
func (AccountArgs) ElementType() reflect.Type { return reflect.TypeOf(AccountArgs{}) }

// Sku is the cognitiveservices Sku type, for accounts and deployments.
type Sku struct {
	Name     pulumi.StringInput `pulumi:"name"`
	Capacity pulumi.IntInput    `pulumi:"capacity"`
}

// AccountProperties is the subset of cognitiveservices AccountProperties
// this program sets.
type AccountProperties struct {
	CustomSubDomainName pulumi.StringInput `pulumi:"customSubDomainName"`
	DisableLocalAuth    pulumi.BoolInput   `pulumi:"disableLocalAuth"`
	PublicNetworkAccess pulumi.StringInput `pulumi:"publicNetworkAccess"`
}

// Account is a Cognitive Services (here: Azure OpenAI) account.
type Account struct {
	pulumi.CustomResourceState

	Name       pulumi.StringOutput             `pulumi:"name"`
	Properties AccountPropertiesResponseOutput `pulumi:"properties"`
}

// AccountPropertiesResponse is the subset of the account's output
// properties this program reads.
type AccountPropertiesResponse struct {
	Endpoint string `pulumi:"endpoint"`
}

// AccountPropertiesResponseOutput is the account's properties as an output.
type AccountPropertiesResponseOutput struct{ *pulumi.OutputState }

// ElementType is the resolved type.
func (AccountPropertiesResponseOutput) ElementType() reflect.Type {
	return reflect.TypeOf(AccountPropertiesResponse{})
}

// Endpoint is the account's endpoint, https://<subdomain>.openai.azure.com/.
func (o AccountPropertiesResponseOutput) Endpoint() pulumi.StringOutput {
	return o.ApplyT(func(v AccountPropertiesResponse) string { return v.Endpoint }).(pulumi.StringOutput)
}

func init() {
	pulumi.RegisterOutputType(AccountPropertiesResponseOutput{})
}

// NewAccount registers an Account.
func NewAccount(ctx *pulumi.Context, name string, args AccountArgs, opts ...pulumi.ResourceOption) (*Account, error) {
	var r Account
	if err := ctx.RegisterResource(AccountType, name, args, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}

// DeploymentArgs are the inputs of azure-native:cognitiveservices:Deployment.
type DeploymentArgs struct {
	ResourceGroupName pulumi.StringInput    `pulumi:"resourceGroupName"`
	AccountName       pulumi.StringInput    `pulumi:"accountName"`
	DeploymentName    pulumi.StringInput    `pulumi:"deploymentName"`
	Sku               *Sku                  `pulumi:"sku"`
	Properties        *DeploymentProperties `pulumi:"properties"`
}

// ElementType makes DeploymentArgs a pulumi.Input marshalled field by field.
func (DeploymentArgs) ElementType() reflect.Type { return reflect.TypeOf(DeploymentArgs{}) }

// DeploymentProperties is the subset of cognitiveservices
// DeploymentProperties this program sets.
type DeploymentProperties struct {
	Model                *DeploymentModel   `pulumi:"model"`
	VersionUpgradeOption pulumi.StringInput `pulumi:"versionUpgradeOption"`
}

// DeploymentModel names the deployed model.
type DeploymentModel struct {
	Format  pulumi.StringInput `pulumi:"format"`
	Name    pulumi.StringInput `pulumi:"name"`
	Version pulumi.StringInput `pulumi:"version"`
}

// Deployment is a model deployment on an Azure OpenAI account.
type Deployment struct {
	pulumi.CustomResourceState

	Name pulumi.StringOutput `pulumi:"name"`
}

// NewDeployment registers a Deployment.
func NewDeployment(ctx *pulumi.Context, name string, args DeploymentArgs, opts ...pulumi.ResourceOption) (*Deployment, error) {
	var r Deployment
	if err := ctx.RegisterResource(DeploymentType, name, args, &r, opts...); err != nil {
		return nil, err
	}
	return &r, nil
}
