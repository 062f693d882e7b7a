//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

// Each fault makes `up` fail fast with a message that names the cause.
func TestFailuresFailFastWithTheirCause(t *testing.T) {
	cases := []struct {
		name, faults string
		config       map[string]string
		wants        []string
		within       time.Duration
	}{
		{
			name:   "wrong Service Connector secret name",
			config: map[string]string{"namespace": "e2e-wrong-secret", "secretName": "sc-wrong-secret", "connectorWaitSeconds": "15"},
			wants:  []string{`secret "sc-wrong-secret" did not appear in namespace "e2e-wrong-secret"`, "found: sc-openaiconn-secret", project + ":secretName"},
			within: 3 * time.Minute,
		},
		{
			name:   "failing demo pod",
			config: map[string]string{"namespace": "e2e-fail", "demoDeadlineSeconds": "120"},
			wants:  []string{"BackoffLimitExceeded", "error: Azure OpenAI returned 403 Forbidden (stand-in failure)"},
			within: 3 * time.Minute,
		},
		{
			name:   "failed ACR run (the PUT fails)",
			faults: "TaskRun:run=Failed",
			config: map[string]string{"namespace": "e2e-acr-put"},
			wants:  []string{"The status for Run ca1 is Failed"},
			within: 2 * time.Minute,
		},
		{
			name:   "failed ACR run (in the run result)",
			faults: "TaskRun:runresult=Failed",
			config: map[string]string{"namespace": "e2e-acr-result"},
			wants:  []string{`ACR build of the demo image failed: run ca1 ended "Failed"`, "az acr task logs --registry", "--run-id ca1"},
			within: 2 * time.Minute,
		},
		{
			name:   "409 Conflict on the link",
			faults: "Linker:create:1=409",
			config: map[string]string{"namespace": "e2e-conflict"},
			wants:  []string{"Status=409", `Code="Conflict"`},
			within: 2 * time.Minute,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t, c.faults)
			st := w.stack("dev", c.config)
			cleanupStack(t, st)
			r := up(t, st)
			if r.err == nil {
				t.Fatalf("up succeeded despite %s", c.name)
			}
			all := r.err.Error() + "\n" + r.out
			contains(t, "up's error", all, c.wants...)
			if r.took > c.within {
				t.Errorf("up took %s to fail, want under %s", r.took, c.within)
			}
			for _, want := range c.wants {
				t.Logf("FAULT %s: up failed after %s; it said: %s", c.name, r.took.Round(time.Second), firstLine(all, want))
			}
		})
	}
}

// Bad config stops `preview` before any resource is created.
func TestBadConfigFailsPreviewBeforeAnyResource(t *testing.T) {
	w := newWorld(t, "")
	st := w.stack("dev", map[string]string{"nodeCount": "0", "connectionName": "openai_conn"})
	r := preview(t, st)
	if r.err == nil {
		t.Fatal("preview accepted bad config")
	}
	contains(t, "preview's error", r.err.Error()+r.out,
		"config "+project+`:nodeCount: "0" is not allowed; use a whole number from 1 to 100`,
		"config "+project+`:connectionName: "openai_conn" is not allowed`)
	if log := w.azureLog(); strings.Contains(log, "method=Check ") || strings.Contains(log, "method=Create") {
		t.Errorf("the stand-in saw resources:\n%s", log)
	}
	if n := w.azureObjects(); len(n) != 0 {
		t.Errorf("stand-in holds %v", n)
	}
	t.Logf("bad config: preview failed after %s with: %s", r.took.Round(time.Second), firstLine(r.err.Error()+r.out, "nodeCount"))
}

func firstLine(text, containing string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, containing) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
