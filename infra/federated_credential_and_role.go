package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi-azure-native-sdk/managedidentity/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// TokenExchangeAudience is the audience of the service account tokens
// Entra ID exchanges for the identity's tokens.
const TokenExchangeAudience = "api://AzureADTokenExchange"

// FederatedCredentialAndRoleArgs configures FederatedCredentialAndRole.
type FederatedCredentialAndRoleArgs struct {
	ResourceGroup *ResourceGroup
	Identity      *Identity
	// IssuerURL is the cluster's OIDC issuer.
	IssuerURL pulumi.StringInput
	// Namespace and ServiceAccountName name the Kubernetes service account
	// whose tokens the identity trusts.
	Namespace          string
	ServiceAccountName string
	// AccountID is the Azure OpenAI account the identity may call.
	AccountID pulumi.StringInput
}

// FederatedCredentialAndRole is what Service Connector would otherwise create outside
// the program's state: the identity's federated credential for the
// workload's service account, and an OpenAI role on the account.
type FederatedCredentialAndRole struct {
	pulumi.ResourceState

	FederatedCredential *managedidentity.FederatedIdentityCredential
	RoleAssignment      *authorization.RoleAssignment
}

// NewFederatedCredentialAndRole creates the federated credential and the role assignment.
// It is the identity's only federated credential, so nothing writes to the
// identity concurrently (Azure rejects that); the role can take minutes to
// apply, which the demo's bounded retries absorb.
func NewFederatedCredentialAndRole(ctx *pulumi.Context, name string, args FederatedCredentialAndRoleArgs, opts ...pulumi.ResourceOption) (*FederatedCredentialAndRole, error) {
	c := &FederatedCredentialAndRole{}
	// The alias keeps stacks deployed before the rename from replacing both.
	opts = append(opts, pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(typePrefix + "DirectAccess")}}))
	if err := ctx.RegisterComponentResource(typePrefix+"FederatedCredentialAndRole", name, c, opts...); err != nil {
		return nil, err
	}
	fic, err := managedidentity.NewFederatedIdentityCredential(ctx, name+"-fic", &managedidentity.FederatedIdentityCredentialArgs{
		ResourceGroupName: args.ResourceGroup.Name,
		ResourceName:      args.Identity.Name,
		Issuer:            args.IssuerURL,
		Subject:           pulumi.String("system:serviceaccount:" + args.Namespace + ":" + args.ServiceAccountName),
		Audiences:         pulumi.StringArray{pulumi.String(TokenExchangeAudience)},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	role, err := grant(ctx, name+"-openai-user", RoleOpenAIUser, args.AccountID, args.Identity.PrincipalID, c)
	if err != nil {
		return nil, err
	}
	c.FederatedCredential, c.RoleAssignment = fic, role
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"federatedCredentialId": fic.ID(), "roleAssignmentId": role.ID(),
	})
}
