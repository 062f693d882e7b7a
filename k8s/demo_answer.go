package k8s

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DemoAnswers reads what the demo Job's pods said as they ended: each
// terminated container's exit code and termination message (the app's
// last line, FallbackToLogsOnError).
type DemoAnswers func(ctx context.Context, kubeconfig, namespace string) ([]string, error)

// ReadDemoAnswers is DemoAnswers on the cluster's API. The dynamic client
// reads the pods' status without linking the typed core API into the
// program.
func ReadDemoAnswers(ctx context.Context, kubeconfig, namespace string) ([]string, error) {
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(kubeconfig))
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's kubeconfig: %w", err)
	}
	cfg.Timeout = 10 * time.Second
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	// The Job controller labels its pods with the Job's name.
	pods, err := client.Resource(coreV1.WithResource("pods")).Namespace(namespace).
		List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + DemoJobName})
	if err != nil {
		return nil, err
	}
	return podAnswers(pods.Items), nil
}

// podAnswers are the terminated containers of pods, oldest pod first.
func podAnswers(pods []unstructured.Unstructured) []string {
	sort.Slice(pods, func(i, j int) bool {
		return pods[i].GetCreationTimestamp().Time.Before(pods[j].GetCreationTimestamp().Time)
	})
	var out []string
	for _, pod := range pods {
		statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", "containerStatuses")
		for _, s := range statuses {
			status, _ := s.(map[string]any)
			ended, found, _ := unstructured.NestedMap(status, "state", "terminated")
			if !found {
				continue
			}
			code, _, _ := unstructured.NestedInt64(ended, "exitCode")
			message, _, _ := unstructured.NestedString(ended, "message")
			out = append(out, fmt.Sprintf("pod %s exited with code %d: %s", pod.GetName(), code, strings.TrimSpace(message)))
		}
	}
	return out
}

// explainDemoFailure is the demo Job's error hook. The Kubernetes provider
// ends its wait as soon as the Job reports Failed, and adds the pod's
// message only if its pod watch saw the pod end first
// (pulumi/pulumi-kubernetes provider/pkg/await/job.go, Await: the Job
// event returns before a pending pod message): with backoffLimit 0 the
// two come together, and one e2e run of two printed no reason. So the hook
// reads the pods itself and reports what they said. It never retries: the
// app has already retried what heals by waiting.
func explainDemoFailure(answers func() ([]string, error), logCommand string, report func(msg string)) pulumi.ErrorHookFunction {
	return func(args *pulumi.ErrorHookArgs) (bool, error) {
		if len(args.Errors) == 0 || !jobRanAndFailed(args.Errors[0]) {
			return false, nil
		}
		got, err := answers()
		switch {
		case err != nil:
			report(fmt.Sprintf("the demo Job failed, and its pods could not be read (%v); read its log with `%s`", err, logCommand))
		case len(got) == 0:
			report(fmt.Sprintf("the demo Job failed before its pod ended (its deadline, or a pod that never started); see `%s` and `kubectl describe job/%s`", logCommand, DemoJobName))
		default:
			report(fmt.Sprintf("the demo Job failed; what its pod said: %s (full log: `%s`)", strings.Join(got, "; "), logCommand))
		}
		return false, nil
	}
}

// jobRanAndFailed says whether an error is the Job's own failure, one of
// the Job controller's reasons for its Failed condition (Kubernetes,
// "Jobs": BackoffLimitExceeded, DeadlineExceeded), and not the API
// server refusing the object, whose pods, if any, are another Job's.
func jobRanAndFailed(err string) bool {
	return strings.Contains(err, "BackoffLimitExceeded") || strings.Contains(err, "DeadlineExceeded")
}

// latest keeps the newest value an output resolved to, for a hook that
// runs after it resolved.
type latest struct {
	mu sync.Mutex
	v  string
}

func (l *latest) set(v string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.v = v
	return v
}

func (l *latest) get() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.v
}
