package k8s

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	batchv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/batch/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DemoJobName is the tutorial's workload name.
const DemoJobName = "sc-demo-openai-identity"

// Keys of Azure's workload identity webhook: it mutates only pods with the
// label, and takes the identity from the service account's annotation.
const (
	LabelUseWorkloadIdentity = "azure.workload.identity/use"
	AnnotationClientID       = "azure.workload.identity/client-id"
)

// DemoArgs configures the demo workload.
type DemoArgs struct {
	Namespace string
	// ServiceAccountName and SecretName are the identity's service account
	// and the connection's secret (Service Connector's or the program's):
	// the pod runs as the one and reads the other.
	ServiceAccountName pulumi.StringInput
	SecretName         string
	// Image is the exact image reference that was built (repo@digest).
	Image          pulumi.StringInput
	Endpoint       pulumi.StringInput
	DeploymentName pulumi.StringInput
	// DependsOn are the custom resources the workload needs first: the
	// Service Connector link itself (not a component wrapping it), or the
	// federated credential, role assignment and Kubernetes objects; and the
	// AcrPull role.
	DependsOn []pulumi.Resource
	// Deadline bounds the whole Job, auth retries included.
	Deadline time.Duration
	// Kubeconfig and Answers read the pods' last words when the Job
	// fails (explainDemoFailure).
	Kubeconfig pulumi.StringInput
	Answers    DemoAnswers
}

// Demo is the Job that proves the connection: it runs once per image or
// setting change, and `pulumi up` succeeds only if it completes.
type Demo struct {
	pulumi.ResourceState

	// LogCommand shows the demo's output.
	LogCommand pulumi.StringOutput
}

// NewDemo runs the demo Job and waits for it to complete.
func NewDemo(ctx *pulumi.Context, name string, args DemoArgs, opts ...pulumi.ResourceOption) (*Demo, error) {
	c := &Demo{}
	if err := ctx.RegisterComponentResource(typePrefix+"Demo", name, c, opts...); err != nil {
		return nil, err
	}
	deadline := int(args.Deadline.Seconds())
	// One pod retries the propagation failures for all of the deadline but
	// a minute (its start and its last attempt). Their windows count from
	// when the objects were made, which only the first pod's clock bounds:
	// a second pod would wait them out again, and double how long a real
	// misconfiguration takes to be reported.
	retry := deadline - 60
	logCommand := fmt.Sprintf("kubectl logs --namespace %s job/%s", args.Namespace, DemoJobName)
	kubeconfig := &latest{}
	if args.Kubeconfig != nil {
		args.Kubeconfig.ToStringOutput().ApplyT(kubeconfig.set)
	}
	// Reported on the component: the Job's URN resolves only when its
	// create ends, which waits for this hook.
	explain, err := ctx.RegisterErrorHook(name+"-answer", explainDemoFailure(func() ([]string, error) {
		if args.Answers == nil {
			return nil, errors.New("no reader of the pods was given")
		}
		readCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return args.Answers(readCtx, kubeconfig.get(), args.Namespace)
	}, logCommand, func(msg string) {
		_ = ctx.Log.Error(msg, &pulumi.LogArgs{Resource: c})
	}))
	if err != nil {
		return nil, err
	}
	job, err := batchv1.NewJob(ctx, name, &batchv1.JobArgs{
		Metadata: &metav1.ObjectMetaArgs{
			Name:      pulumi.String(DemoJobName),
			Namespace: pulumi.String(args.Namespace),
			Labels:    pulumi.StringMap{"app": pulumi.String(DemoJobName)},
			Annotations: pulumi.StringMap{
				// A failed Job is replaced, so the next `up` runs it again.
				"pulumi.com/replaceUnready": pulumi.String("true"),
			},
		},
		Spec: &batchv1.JobSpecArgs{
			BackoffLimit:          pulumi.Int(0),
			ActiveDeadlineSeconds: pulumi.Int(deadline),
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{
					Labels: pulumi.StringMap{
						"app": pulumi.String(DemoJobName),
						// The workload identity webhook injects the token
						// file and AZURE_* variables only into labelled pods.
						LabelUseWorkloadIdentity: pulumi.String("true"),
					},
				},
				Spec: podSpec(args, retry),
			},
		},
	}, pulumi.Parent(c), pulumi.DependsOn(args.DependsOn),
		pulumi.ResourceHooks(&pulumi.ResourceHookBinding{OnError: []*pulumi.ErrorHook{explain}}),
		// The Job fails by itself at its deadline; Pulumi's wait ends then.
		pulumi.Timeouts(&pulumi.CustomTimeouts{Create: fmt.Sprintf("%ds", deadline+60), Update: fmt.Sprintf("%ds", deadline+60)}))
	if err != nil {
		return nil, err
	}
	c.LogCommand = pulumi.Sprintf("kubectl logs --namespace %s job/%s", job.Metadata.Namespace().Elem(), job.Metadata.Name().Elem())
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"logCommand": c.LogCommand})
}

func podSpec(args DemoArgs, retrySeconds int) *corev1.PodSpecArgs {
	return &corev1.PodSpecArgs{
		ServiceAccountName: args.ServiceAccountName,
		RestartPolicy:      pulumi.String("Never"),
		// The webhook mounts its own projected token; the pod needs no
		// Kubernetes API token.
		AutomountServiceAccountToken: pulumi.Bool(false),
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot:   pulumi.Bool(true),
			RunAsUser:      pulumi.Int(65532),
			RunAsGroup:     pulumi.Int(65532),
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		Containers: corev1.ContainerArray{&corev1.ContainerArgs{
			Name:  pulumi.String("demo"),
			Image: args.Image,
			EnvFrom: corev1.EnvFromSourceArray{&corev1.EnvFromSourceArgs{
				SecretRef: &corev1.SecretEnvSourceArgs{Name: pulumi.String(args.SecretName)},
			}},
			Env: corev1.EnvVarArray{
				// Fallback when the secret lacks AZURE_OPENAI_BASE.
				&corev1.EnvVarArgs{Name: pulumi.String("AZURE_OPENAI_ENDPOINT"), Value: args.Endpoint},
				&corev1.EnvVarArgs{Name: pulumi.String("AZURE_OPENAI_DEPLOYMENT"), Value: args.DeploymentName},
				&corev1.EnvVarArgs{Name: pulumi.String("AZURE_OPENAI_RETRY_SECONDS"), Value: pulumi.String(strconv.Itoa(retrySeconds))},
			},
			Resources: &corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("128Mi")},
				Limits:   pulumi.StringMap{"cpu": pulumi.String("250m"), "memory": pulumi.String("256Mi")},
			},
			// The app's last line becomes the pod's termination message,
			// which `up` prints when the Job fails (explainDemoFailure).
			TerminationMessagePolicy: pulumi.String("FallbackToLogsOnError"),
			SecurityContext: &corev1.SecurityContextArgs{
				AllowPrivilegeEscalation: pulumi.Bool(false),
				ReadOnlyRootFilesystem:   pulumi.Bool(true),
				RunAsNonRoot:             pulumi.Bool(true),
				Privileged:               pulumi.Bool(false),
				Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
				SeccompProfile:           &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
			},
		}},
	}
}
