package kubeclient

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
)

// coreV1 is the core API group, version v1, where both objects live.
var coreV1 = schema.GroupVersion{Version: "v1"}

// ServiceConnectorObjects names what Service Connector is expected to
// create in the cluster for one link.
type ServiceConnectorObjects struct {
	Kubeconfig     string
	Namespace      string
	ServiceAccount string
	Secret         string
	// Timeout bounds the whole wait.
	Timeout time.Duration
}

// ObjectWait waits until Service Connector's objects exist. The program
// uses WaitForServiceConnectorObjects; tests record the call instead.
type ObjectWait func(ctx context.Context, want ServiceConnectorObjects) error

// Kinds a MissingObjectError names.
const (
	KindServiceAccount = "service account"
	KindSecret         = "secret"
)

// MissingObjectError is a Service Connector object that did not appear in
// time. It says what was expected and what exists; the caller, who knows
// the configuration, says which setting to change.
type MissingObjectError struct {
	Kind, Name, Namespace string
	Waited                time.Duration
	// Found are the objects of Kind whose names start with "sc-".
	Found []string
	// LastErr is the last failed read of the API server, if any: without it
	// an unreachable cluster would read as a missing object.
	LastErr error
}

func (e *MissingObjectError) Error() string {
	found := "none whose name starts with sc-"
	if len(e.Found) > 0 {
		found = strings.Join(e.Found, ", ")
	}
	msg := fmt.Sprintf("Service Connector's %s %q did not appear in namespace %q within %s after the link was created (found: %s)",
		e.Kind, e.Name, e.Namespace, e.Waited, found)
	if e.LastErr != nil {
		msg += fmt.Sprintf("; the last read of the cluster's API failed: %v", e.LastErr)
	}
	return msg
}

// pollInterval is how often the wait asks the API server.
var pollInterval = 3 * time.Second

// WaitForServiceConnectorObjects polls the API server until the service
// account and the secret exist. Service Connector creates them after the
// link itself reports success, so a workload started earlier would get no
// pod (no service account) or a pod that cannot start (no secret) until the
// demo Job's deadline, and the `up` would not say why. A refusal
// of the credentials fails at once; other failed reads are retried and the
// last one is reported with the timeout.
func WaitForServiceConnectorObjects(ctx context.Context, want ServiceConnectorObjects) error {
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(want.Kubeconfig))
	if err != nil {
		return fmt.Errorf("reading the cluster's kubeconfig: %w", err)
	}
	// One quick answer per poll: a hung request must not eat the timeout.
	// The poll paces the requests itself, so no client-side rate limit,
	// whose refusals would pass for the cluster's errors.
	cfg.Timeout, cfg.QPS = 10*time.Second, -1
	// The metadata client reads names only: the wait never fetches the
	// secret's values, and it links no typed API structs into the program.
	client, err := metadata.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("building a client from the cluster's kubeconfig: %w", err)
	}
	objects := []struct {
		kind, name string
		resource   metadata.ResourceInterface
	}{
		{KindServiceAccount, want.ServiceAccount, client.Resource(coreV1.WithResource("serviceaccounts")).Namespace(want.Namespace)},
		{KindSecret, want.Secret, client.Resource(coreV1.WithResource("secrets")).Namespace(want.Namespace)},
	}

	deadline := time.Now().Add(want.Timeout)
	for _, o := range objects {
		var lastErr error
		err := wait.PollUntilContextTimeout(ctx, pollInterval, time.Until(deadline), true, func(ctx context.Context) (bool, error) {
			_, err := o.resource.Get(ctx, o.name, metav1.GetOptions{})
			switch {
			case err == nil:
				return true, nil
			case apierrors.IsNotFound(err):
				lastErr = nil
				return false, nil
			case apierrors.IsUnauthorized(err) || apierrors.IsForbidden(err):
				return false, fmt.Errorf("the cluster refused to read %s %s/%s with the user kubeconfig: %w", o.kind, want.Namespace, o.name, err)
			case ctx.Err() != nil:
				// The wait's own end cut the read short: not the cluster's doing.
				return false, nil
			default:
				lastErr = err
				return false, nil
			}
		})
		if err == nil {
			continue
		}
		if ctx.Err() != nil || !wait.Interrupted(err) {
			return err
		}
		missing := &MissingObjectError{Kind: o.kind, Name: o.name, Namespace: want.Namespace, Waited: want.Timeout, LastErr: lastErr}
		listCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		if list, err := o.resource.List(listCtx, metav1.ListOptions{}); err == nil {
			missing.Found = scNames(list.Items)
		}
		cancel()
		return missing
	}
	return nil
}

// scNames are the sorted names that start with "sc-", Service Connector's
// prefix: what it did create when the expected name is missing.
func scNames(items []metav1.PartialObjectMetadata) []string {
	var out []string
	for _, it := range items {
		if strings.HasPrefix(it.Name, "sc-") {
			out = append(out, it.Name)
		}
	}
	sort.Strings(out)
	return out
}
