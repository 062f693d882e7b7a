package k8s

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DemoAnswers reads what the demo Job's pods said as they ended: each
// terminated container's exit code and termination message (the app's
// last line, FallbackToLogsOnError).
type DemoAnswers func(ctx context.Context, kubeconfig, namespace string) ([]string, error)

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
