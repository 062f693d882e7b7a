//go:build e2e

package e2e

import (
	"os"
	"strings"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// azureObjects counts the stand-in's objects by short type.
func (w *world) azureObjects() map[string]int {
	w.t.Helper()
	n := map[string]int{}
	err := w.azure.View(func(st *standin.State) error {
		for _, o := range st.Objects {
			n[standin.ShortType(o.Type)]++
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// serviceConnectorLeftovers are the stand-in's objects Service Connector
// made (a federated credential, a role assignment) whose link is gone.
func (w *world) serviceConnectorLeftovers() []string {
	w.t.Helper()
	var left []string
	err := w.azure.View(func(st *standin.State) error {
		for _, o := range st.Objects {
			if o.ManagedBy != "" && st.Get(o.ManagedBy) == nil {
				left = append(left, standin.ShortType(o.Type)+" "+o.ID)
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return left
}

// taskRuns counts the ACR runs the stand-in started, in every registry.
func (w *world) taskRuns() int {
	w.t.Helper()
	n := 0
	err := w.azure.View(func(st *standin.State) error {
		for k, v := range st.Counters {
			if strings.HasPrefix(k, "acr-run:") {
				n += v
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}

// azureLog is what the stand-in logged: every gRPC call, one a line.
func (w *world) azureLog() string {
	b, _ := os.ReadFile(w.log)
	return string(b)
}

// createTook is how long the stand-in's Create of a type took, from its log.
func (w *world) createTook(shortType string) time.Duration {
	for _, line := range strings.Split(w.azureLog(), "\n") {
		if !strings.Contains(line, "method=Create ") || !strings.Contains(line, ":"+shortType+" ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "dur="); ok {
				d, _ := time.ParseDuration(v)
				return d
			}
		}
	}
	return 0
}
