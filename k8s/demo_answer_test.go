package k8s

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A pod list as the API server returns it: a second, newer pod first, and
// one still running.
const demoPodList = `{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
 {"metadata":{"name":"sc-demo-2","namespace":"demo","creationTimestamp":"2026-12-03T10:05:00Z"},
  "status":{"containerStatuses":[{"name":"demo","state":{"terminated":{"exitCode":3,"message":"AADSTS700213 still after 3 attempt(s)\n"}}}]}},
 {"metadata":{"name":"sc-demo-1","namespace":"demo","creationTimestamp":"2026-12-03T10:00:00Z"},
  "status":{"containerStatuses":[{"name":"demo","state":{"terminated":{"exitCode":1,"message":"403 PermissionDenied"}}}]}},
 {"metadata":{"name":"sc-demo-3","namespace":"demo","creationTimestamp":"2026-12-03T10:06:00Z"},
  "status":{"containerStatuses":[{"name":"demo","state":{"running":{}}}]}}]}`

func TestTheDemosAnswersAreReadFromItsPods(t *testing.T) {
	var query string
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/namespaces/demo/pods" || r.Header.Get("Authorization") != "Bearer t0ken" {
			http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
			return
		}
		query = r.URL.Query().Get("labelSelector")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, demoPodList)
	}))
	defer srv.Close()
	got, err := ReadDemoAnswers(context.Background(), kubeconfigFor(srv.URL, srv.Certificate().Raw), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if query != "job-name="+DemoJobName {
		t.Errorf("the pods were listed with the selector %q, want the Job controller's job-name label", query)
	}
	want := []string{"pod sc-demo-1 exited with code 1: 403 PermissionDenied", "pod sc-demo-2 exited with code 3: AADSTS700213 still after 3 attempt(s)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("answers %q, want %q (oldest first, running pods left out)", got, want)
	}
}

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
