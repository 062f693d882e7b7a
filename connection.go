package main

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/k8s"
)

// connectArgs is what step 6 builds on.
type connectArgs struct {
	base               string
	rg                 *infra.ResourceGroup
	cluster            *infra.Cluster
	openai             *infra.OpenAI
	identity           *infra.Identity
	namespace          *corev1.Namespace // nil for "default"
	inAzure, inCluster pulumi.ResourceOption
}

// connection is what the workload needs from step 6, made either way.
type connection struct {
	serviceAccount pulumi.StringOutput
	// waitOn are the custom resources the workload must wait on.
	waitOn  []pulumi.Resource
	outputs pulumi.Map
}

// connect makes the workload's identity and access: through Service
// Connector (the tutorial), or directly, with every object in this
// program's state. Switching a stack between the two replaces one set with
// the other in a single `pulumi up`.
func connect(ctx *pulumi.Context, cfg *config.Config, a connectArgs) (*connection, error) {
	var inNamespace []pulumi.Resource
	if a.namespace != nil {
		inNamespace = []pulumi.Resource{a.namespace}
	}
	if cfg.ConnectionMode == config.ModeDirect {
		sa := cfg.ExpectedServiceAccountName("")
		access, err := infra.NewDirectAccess(ctx, a.base+"-direct", infra.DirectAccessArgs{
			ResourceGroup:      a.rg,
			Identity:           a.identity,
			IssuerURL:          a.cluster.OIDCIssuerURL,
			Namespace:          cfg.Namespace,
			ServiceAccountName: sa,
			AccountID:          a.openai.ID.ToStringOutput(),
		}, a.inAzure)
		if err != nil {
			return nil, err
		}
		objects, err := k8s.NewWorkloadIdentity(ctx, a.base+"-workload-identity", k8s.WorkloadIdentityArgs{
			Namespace:          cfg.Namespace,
			ServiceAccountName: sa,
			SecretName:         cfg.ExpectedSecretName(),
			ClientID:           a.identity.ClientID,
			Endpoint:           a.openai.Endpoint,
			DependsOn:          inNamespace,
		}, a.inCluster)
		if err != nil {
			return nil, err
		}
		return &connection{
			serviceAccount: objects.ServiceAccount.Metadata.Name().Elem(),
			waitOn:         []pulumi.Resource{access.FederatedCredential, access.RoleAssignment, objects.ServiceAccount, objects.Secret},
			outputs: pulumi.Map{
				"federatedCredentialId": access.FederatedCredential.ID(),
				"roleAssignmentId":      access.RoleAssignment.ID(),
			},
		}, nil
	}

	link, err := infra.NewConnection(ctx, a.base+"-connection", infra.ConnectionArgs{
		ClusterID:        a.cluster.ID.ToStringOutput(),
		TargetID:         a.openai.ID.ToStringOutput(),
		IdentityClientID: a.identity.ClientID,
		ConnectionName:   cfg.ConnectionName,
		Namespace:        cfg.Namespace,
		ClientType:       cfg.ClientType,
		// Service Connector creates its objects in the namespace.
		DependsOn: inNamespace,
	}, a.inAzure)
	if err != nil {
		return nil, err
	}
	return &connection{
		serviceAccount: a.identity.ClientID.ApplyT(cfg.ExpectedServiceAccountName).(pulumi.StringOutput),
		waitOn:         []pulumi.Resource{link.Linker},
		outputs:        pulumi.Map{"connectionId": link.ID},
	}, nil
}
