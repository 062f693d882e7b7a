package k8s

import (
	"errors"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func TestAFailedDemoJobReportsWhatItsPodSaid(t *testing.T) {
	const logCmd = "kubectl logs --namespace demo job/" + DemoJobName
	failed := &pulumi.ErrorHookArgs{Errors: []string{"BackoffLimitExceeded"}}
	cases := []struct {
		name    string
		answers func() ([]string, error)
		want    string
	}{
		{"the pod's answer", func() ([]string, error) { return []string{"pod p exited with code 3: wrong subject"}, nil },
			"the demo Job failed; what its pod said: pod p exited with code 3: wrong subject (full log: `" + logCmd + "`)"},
		{"no pod ended", func() ([]string, error) { return nil, nil }, "failed before its pod ended"},
		{"pods unreadable", func() ([]string, error) { return nil, errors.New("403 Forbidden") }, "its pods could not be read (403 Forbidden); read its log with `" + logCmd + "`"},
	}
	var asked bool
	explainDemoFailure(func() ([]string, error) { asked = true; return nil, nil }, logCmd, func(string) {})(
		&pulumi.ErrorHookArgs{Errors: []string{"Server-Side Apply field conflict detected"}})
	if asked {
		t.Error("the pods were read for an API server's refusal of the Job: their answers would be another Job's")
	}
	for _, c := range cases {
		var said []string
		retry, err := explainDemoFailure(c.answers, logCmd, func(m string) { said = append(said, m) })(failed)
		if retry || err != nil {
			t.Errorf("%s: retry %v, err %v; a failed demo is never retried", c.name, retry, err)
		}
		if len(said) != 1 || !strings.Contains(said[0], c.want) {
			t.Errorf("%s: reported %q, want %q", c.name, said, c.want)
		}
	}
}
