package infra

import (
	"github.com/pulumi/pulumi-azure-native-sdk/authorization/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Built-in Azure role definitions this program grants, least privilege for
// each job.
const (
	// RoleAcrPull pulls images from a registry.
	RoleAcrPull = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
	// RoleOpenAIUser calls an Azure OpenAI account's inference APIs.
	RoleOpenAIUser = "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"
)

// grant assigns a built-in role on scope to a managed identity's principal.
// The principal type is given because a new identity's principal can take
// a while to replicate in Entra ID, and without it ARM fails the
// assignment with PrincipalNotFound.
func grant(ctx *pulumi.Context, name string, role string, scope, principalID pulumi.StringInput, parent pulumi.Resource) (*authorization.RoleAssignment, error) {
	client := authorization.GetClientConfigOutput(ctx, pulumi.Parent(parent))
	roleID := roleDefinitionID(client.SubscriptionId(), role)
	return authorization.NewRoleAssignment(ctx, name, &authorization.RoleAssignmentArgs{
		PrincipalId:      principalID,
		PrincipalType:    pulumi.String("ServicePrincipal"),
		RoleDefinitionId: roleID,
		Scope:            scope,
	}, pulumi.Parent(parent))
}

// roleDefinitionID is a built-in role's definition id in the subscription.
func roleDefinitionID(subscription pulumi.StringInput, role string) pulumi.StringOutput {
	return pulumi.Sprintf("/subscriptions/%s/providers/Microsoft.Authorization/roleDefinitions/%s", subscription, role)
}
