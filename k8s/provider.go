// Package k8s holds the Kubernetes side of the tutorial: the provider built
// from the cluster's kubeconfig, the namespace, the demo workload, direct
// mode's service account and secret, and the wait for the ones Service
// Connector creates.
package k8s

import (
	"github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// typePrefix starts the type token of every component in this package.
const typePrefix = "aksopenai:k8s:"

// NewProvider is a Kubernetes provider for the cluster behind kubeconfig.
// deleteUnreachable lets `pulumi destroy` finish when the cluster is already
// gone (its resources went with it).
func NewProvider(ctx *pulumi.Context, name string, kubeconfig pulumi.StringOutput, opts ...pulumi.ResourceOption) (*kubernetes.Provider, error) {
	return kubernetes.NewProvider(ctx, name, &kubernetes.ProviderArgs{
		Kubeconfig:        pulumi.ToSecret(kubeconfig).(pulumi.StringOutput),
		DeleteUnreachable: pulumi.Bool(true),
	}, opts...)
}

// NewNamespace creates namespace unless it is "default", which every
// cluster has. It returns nil then.
func NewNamespace(ctx *pulumi.Context, name, namespace string, opts ...pulumi.ResourceOption) (*corev1.Namespace, error) {
	if namespace == "default" {
		return nil, nil
	}
	return corev1.NewNamespace(ctx, name, &corev1.NamespaceArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(namespace)},
	}, opts...)
}
