package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/k8s"
	"aks-openai-workload-identity/kubeclient"
)

// connectArgs is what step 6 builds on.
type connectArgs struct {
	prefix             string
	rg                 *infra.ResourceGroup
	cluster            *infra.Cluster
	openai             *infra.OpenAI
	identity           *infra.Identity
	namespace          *corev1.Namespace // nil for "default"
	inAzure, inCluster pulumi.ResourceOption
	// kubeconfig is the one the Kubernetes provider uses.
	kubeconfig pulumi.StringOutput
	// waitForObjects waits for Service Connector's objects in the cluster.
	waitForObjects kubeclient.ObjectWait
}

// workloadAccess is what the workload needs from step 6, made either way:
// the service account it runs as, and what it must wait on.
type workloadAccess struct {
	serviceAccount pulumi.StringOutput
	// waitOn are the custom resources the workload must wait on.
	waitOn  []pulumi.Resource
	outputs pulumi.Map
}

// connectWorkload gives the workload its identity and its access to the
// model: through Service Connector (the tutorial), or directly, with every
// object in this program's state. Switching a stack between the two
// replaces one set with the other in a single `pulumi up`.
func connectWorkload(ctx *pulumi.Context, cfg *config.Config, a connectArgs) (*workloadAccess, error) {
	var inNamespace []pulumi.Resource
	if a.namespace != nil {
		inNamespace = []pulumi.Resource{a.namespace}
	}
	if cfg.ConnectionMode == config.ModeDirect {
		return connectDirectly(ctx, cfg, a, inNamespace)
	}

	link, err := infra.NewServiceConnectorLink(ctx, a.prefix+"-connection", infra.ServiceConnectorLinkArgs{
		ClusterID:        a.cluster.ID.ToStringOutput(),
		TargetID:         a.openai.ID.ToStringOutput(),
		IdentityClientID: a.identity.ClientID,
		ConnectionName:   cfg.ConnectionName,
		Namespace:        cfg.Namespace,
		ClientType:       cfg.ClientType,
		// Service Connector creates its objects in the namespace, and
		// writes under the account only after the deployment's write ended.
		DependsOn: append(inNamespace, a.openai.Deployment),
	}, a.inAzure)
	if err != nil {
		return nil, err
	}
	return &workloadAccess{
		serviceAccount: awaitServiceConnectorObjects(ctx, cfg, link, a.kubeconfig, a.identity.ClientID, a.waitForObjects),
		waitOn:         []pulumi.Resource{link.Linker},
		outputs:        pulumi.Map{"connectionId": link.Linker.ID()},
	}, nil
}

// awaitServiceConnectorObjects is the service account's name once Service
// Connector's service account and secret exist. The wait starts when the
// link has been created (its id is an input), so connectorWaitSeconds
// measures Service Connector's work in the cluster, not the link's create,
// which takes minutes on the first link while its cluster extension
// installs.
func awaitServiceConnectorObjects(ctx *pulumi.Context, cfg *config.Config, link *infra.ServiceConnectorLink,
	kubeconfig, clientID pulumi.StringOutput, waitFor kubeclient.ObjectWait) pulumi.StringOutput {
	timeout := time.Duration(cfg.ConnectorWaitSeconds) * time.Second
	name := pulumi.All(link.Linker.ID(), kubeconfig, clientID).ApplyTWithContext(ctx.Context(),
		func(goctx context.Context, v []any) (string, error) {
			sa := cfg.ExpectedServiceAccountName(v[2].(string))
			if ctx.DryRun() {
				return sa, nil
			}
			err := waitFor(goctx, kubeclient.ServiceConnectorObjects{
				Kubeconfig: v[1].(string), Namespace: cfg.Namespace,
				ServiceAccount: sa, Secret: cfg.ExpectedSecretName(), Timeout: timeout,
			})
			return sa, withOverrideAdvice(err, ctx.Project())
		})
	// The kubeconfig made the result secret; a name is not.
	return pulumi.Unsecret(name).(pulumi.StringOutput)
}

// withOverrideAdvice tells the user which setting fixes a missing object.
func withOverrideAdvice(err error, project string) error {
	var missing *kubeclient.MissingObjectError
	if !errors.As(err, &missing) {
		return err
	}
	key := "serviceAccountName"
	if missing.Kind == kubeclient.KindSecret {
		key = "secretName"
	}
	err = fmt.Errorf("%w. The name is Service Connector's observed convention, not a contract: "+
		"if it created the %s under another name, run `pulumi config set %s:%s <name>`; "+
		"if it is slow, raise %s:connectorWaitSeconds; check the connection with `az aks connection list`",
		err, missing.Kind, project, key, project)
	if len(missing.Found) == 0 {
		// Nothing of Service Connector's is there at all: its cluster
		// extension did not run, rather than chose another name.
		err = fmt.Errorf("%w. Service Connector created nothing in this namespace: its cluster extension sc-extension "+
			"creates these objects with the job sc-job in namespace sc-system; see why with %s (both names are stack outputs)",
			err, infra.SCExtensionLogCommands("<clusterName>", "<resourceGroupName>"))
	}
	return err
}

// connectDirectly declares what Service Connector would create: the
// federated credential and role in Azure, the service account and secret in
// the cluster.
func connectDirectly(ctx *pulumi.Context, cfg *config.Config, a connectArgs, inNamespace []pulumi.Resource) (*workloadAccess, error) {
	sa := cfg.ExpectedServiceAccountName("")
	access, err := infra.NewFederatedCredentialAndRole(ctx, a.prefix+"-direct", infra.FederatedCredentialAndRoleArgs{
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
	objects, err := k8s.NewServiceAccountAndSecret(ctx, a.prefix+"-workload-identity", k8s.ServiceAccountAndSecretArgs{
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
	return &workloadAccess{
		serviceAccount: objects.ServiceAccount.Metadata.Name().Elem(),
		waitOn:         []pulumi.Resource{access.FederatedCredential, access.RoleAssignment, objects.ServiceAccount, objects.Secret},
		outputs: pulumi.Map{
			"federatedCredentialId": access.FederatedCredential.ID(),
			"roleAssignmentId":      access.RoleAssignment.ID(),
		},
	}, nil
}
