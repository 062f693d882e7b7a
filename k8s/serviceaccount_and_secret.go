package k8s

import (
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ServiceAccountAndSecretArgs configures ServiceAccountAndSecret.
type ServiceAccountAndSecretArgs struct {
	Namespace          string
	ServiceAccountName string
	SecretName         string
	// ClientID is the managed identity the service account stands for.
	ClientID pulumi.StringInput
	// Endpoint is the Azure OpenAI endpoint.
	Endpoint pulumi.StringInput
	// DependsOn are custom resources both objects wait on (the namespace).
	DependsOn []pulumi.Resource
}

// ServiceAccountAndSecret is what Service Connector creates in the cluster, made
// by the program instead (direct mode): a service account annotated with
// the identity's client id, and a secret with the same keys as Service
// Connector's, so the demo workload is the same in both modes.
type ServiceAccountAndSecret struct {
	pulumi.ResourceState

	ServiceAccount *corev1.ServiceAccount
	Secret         *corev1.Secret
}

// NewServiceAccountAndSecret creates the service account and the secret.
func NewServiceAccountAndSecret(ctx *pulumi.Context, name string, args ServiceAccountAndSecretArgs, opts ...pulumi.ResourceOption) (*ServiceAccountAndSecret, error) {
	c := &ServiceAccountAndSecret{}
	// The alias keeps stacks deployed before the rename from replacing both.
	opts = append(opts, pulumi.Aliases([]pulumi.Alias{{Type: pulumi.String(typePrefix + "WorkloadIdentity")}}))
	if err := ctx.RegisterComponentResource(typePrefix+"ServiceAccountAndSecret", name, c, opts...); err != nil {
		return nil, err
	}
	sa, err := corev1.NewServiceAccount(ctx, name, &corev1.ServiceAccountArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:        pulumi.String(args.ServiceAccountName),
			Namespace:   pulumi.String(args.Namespace),
			Annotations: pulumi.StringMap{AnnotationClientID: args.ClientID},
		},
		// The pod's only token is the webhook's projected one.
		AutomountServiceAccountToken: pulumi.Bool(false),
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, err
	}
	secret, err := corev1.NewSecret(ctx, name, &corev1.SecretArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(args.SecretName),
			Namespace: pulumi.String(args.Namespace),
		},
		StringData: pulumi.StringMap{
			"AZURE_OPENAI_BASE":     args.Endpoint,
			"AZURE_OPENAI_CLIENTID": args.ClientID,
		},
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn))
	if err != nil {
		return nil, err
	}
	c.ServiceAccount, c.Secret = sa, secret
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{
		"serviceAccountName": sa.Metadata.Name(), "secretName": secret.Metadata.Name(),
	})
}
