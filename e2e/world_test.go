//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"aks-openai-workload-identity/testtools/azurefront"
	"aks-openai-workload-identity/testtools/azurestandin/dataplane"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

const project = "aks-openai-workload-identity"

// world is one Azure subscription (a stand-in state and its data plane),
// one state backend and one copy of the project: what a user has.
type world struct {
	t       *testing.T
	dir     string
	backend string
	azure   standin.Store
	log     string
	dp      *dataplane.Server
	env     map[string]string
}

// newWorld makes a fresh world; faults goes to AZURE_STANDIN_FAULTS.
func newWorld(t *testing.T, faults string) *world {
	t.Helper()
	return newWorldRBAC(t, faults, 0)
}

// newWorldRBAC is a world whose role assignments take rbacDelay to reach
// its data plane (dataplane.Config.RBACDelay).
func newWorldRBAC(t *testing.T, faults string, rbacDelay time.Duration) *world {
	t.Helper()
	return newWorldPropagating(t, faults, 0, rbacDelay)
}

// newWorldPropagating is a world whose federated credentials and role
// assignments take effect on its data plane only this long after their
// creation (dataplane.Config.FICDelay, RBACDelay).
func newWorldPropagating(t *testing.T, faults string, ficDelay, rbacDelay time.Duration) *world {
	t.Helper()
	base := t.TempDir()
	w := &world{
		t:       t,
		dir:     filepath.Join(base, "project"),
		backend: filepath.Join(base, "backend"),
		azure:   standin.Store{Dir: filepath.Join(base, "azure")},
		log:     filepath.Join(base, "azure.log"),
	}
	for _, d := range []string{w.dir, w.backend, w.azure.Dir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	copyProject(t, w.dir)
	// The data plane's ARM API reads the catalog knobs from the world's
	// environment, as the plugin does.
	getenv := func(k string) string { return w.env[k] }
	dp, err := dataplane.StartConfig(dataplane.Config{StateDir: w.azure.Dir, Kubeconfig: shared.kubeconfig, Log: w.log, RBACDelay: rbacDelay, FICDelay: ficDelay, Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dp.Close() })
	w.dp = dp
	remove, err := shared.front.Add(azurefront.Backend{URL: dp.URL, CAFile: dp.CAFile, StateDir: w.azure.Dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(remove)
	w.env = map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + w.backend,
		"PULUMI_CONFIG_PASSPHRASE":                    "e2e",
		"PULUMI_SKIP_UPDATE_CHECK":                    "1",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		// Only the plugins installed in PULUMI_HOME, none found on PATH.
		"PULUMI_IGNORE_AMBIENT_PLUGINS": "true",
		"AZURE_STANDIN_STATE":           w.azure.Dir,
		"AZURE_STANDIN_LOG":             w.log,
		"AZURE_STANDIN_KUBECONFIG":      shared.kubeconfig,
		"AZURE_STANDIN_OIDC_ISSUER":     shared.issuer,
		// Account endpoints are under the local Azure's one address.
		"AZURE_STANDIN_DATAPLANE_URL": shared.front.URL,
		"AZURE_STANDIN_FAULTS":        faults,
		EnvProgramBin:                 shared.programBin,
		// The program's preflight reads ARM at this world's data plane
		// (armEndpoint, set per stack), trusted as a user trusts a
		// private cloud's CA: Go's SSL_CERT_FILE.
		"SSL_CERT_FILE": trustBundle(t, base, dp.CAFile),
		// The suite's calendar: `AZURE_STANDIN_CLOCK_OFFSET=17544h make
		// e2e` runs every world two years ahead (Azure's catalog dates and
		// ARM's clock, which the preflight reads).
		standin.EnvClockOffset: os.Getenv(standin.EnvClockOffset),
	}
	return w
}

// catalogDay is a date of the built-in catalog as the worlds serve it
// today, on the suite's calendar.
func catalogDay(t *testing.T, date string) string {
	t.Helper()
	at, err := standin.Calendar(os.Getenv, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return standin.CatalogDate(date, at)
}

// catalog overrides the world's catalog (AZURE_STANDIN_CATALOG) with the
// built-in one as edit changes it.
func (w *world) catalog(edit func(*standin.Catalog)) {
	w.t.Helper()
	c := standin.BuiltinCatalog()
	edit(c)
	data, err := json.Marshal(c)
	if err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(filepath.Dir(w.dir), "catalog.json")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.env[standin.EnvCatalog] = path
}

// trustBundle is the system's CAs and the data plane's, in one file.
func trustBundle(t *testing.T, dir, caFile string) string {
	t.Helper()
	var bundle []byte
	if system, err := os.ReadFile("/etc/ssl/certs/ca-certificates.crt"); err == nil {
		bundle = append(system, '\n')
	}
	ca, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "trust.pem")
	if err := os.WriteFile(path, append(bundle, ca...), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// rebuildProgram builds the world's own copy of the program, after a test
// edited its source, and makes the world's stacks run that build.
func (w *world) rebuildProgram() {
	w.t.Helper()
	bin := filepath.Join(filepath.Dir(w.dir), "program")
	if err := buildProgram(w.dir, bin); err != nil {
		w.t.Fatal(err)
	}
	w.env[EnvProgramBin] = bin
}

// stack selects or creates a stack with config (keys without the project).
func (w *world) stack(name string, config map[string]string) auto.Stack {
	t := w.t
	t.Helper()
	ctx := ctxFor(t, 2*time.Minute)
	st, err := auto.UpsertStackLocalSource(ctx, name, w.dir,
		auto.Pulumi(pulumiCmd(t)), auto.PulumiHome(shared.pulumiHome), auto.EnvVars(w.env))
	if err != nil {
		t.Fatal(err)
	}
	cm := w.configMap(config)
	if len(cm) > 0 {
		if err := st.SetAllConfig(ctx, cm); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// result is one Pulumi operation: its error, output and wall time.
type result struct {
	err     error
	out     string
	took    time.Duration
	changes map[apitype.OpType]int
	outputs auto.OutputMap
}

func up(t *testing.T, st auto.Stack) result {
	t.Helper()
	var buf bytes.Buffer
	start := time.Now()
	r, err := st.Up(ctxFor(t, 20*time.Minute), optup.ProgressStreams(&buf), optup.ErrorProgressStreams(&buf))
	res := result{err: err, out: buf.String(), took: time.Since(start), outputs: r.Outputs}
	if r.Summary.ResourceChanges != nil {
		res.changes = map[apitype.OpType]int{}
		for k, v := range *r.Summary.ResourceChanges {
			res.changes[apitype.OpType(k)] = v
		}
	}
	t.Logf("up %s: %s (err=%v)", st.Name(), res.took.Round(time.Millisecond), err != nil)
	return res
}

func mustUp(t *testing.T, st auto.Stack) result {
	t.Helper()
	r := up(t, st)
	if r.err != nil {
		t.Fatalf("up failed after %s: %v\n%s", r.took, r.err, r.out)
	}
	return r
}

func preview(t *testing.T, st auto.Stack) result {
	t.Helper()
	var buf bytes.Buffer
	start := time.Now()
	r, err := st.Preview(ctxFor(t, 10*time.Minute), optpreview.ProgressStreams(&buf))
	t.Logf("preview %s: %s", st.Name(), time.Since(start).Round(time.Millisecond))
	return result{err: err, out: buf.String(), took: time.Since(start), changes: r.ChangeSummary}
}

func destroy(t *testing.T, st auto.Stack) result {
	t.Helper()
	var buf bytes.Buffer
	start := time.Now()
	_, err := st.Destroy(ctxFor(t, 15*time.Minute), optdestroy.ProgressStreams(&buf))
	t.Logf("destroy %s: %s", st.Name(), time.Since(start).Round(time.Millisecond))
	return result{err: err, out: buf.String(), took: time.Since(start)}
}

// onlySame tells whether a change summary has nothing but unchanged resources.
func onlySame(c map[apitype.OpType]int) bool {
	for op, n := range c {
		if op != apitype.OpSame && n > 0 {
			return false
		}
	}
	return len(c) > 0
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, tail(text, 3000))
		}
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// configTimeout bounds one config change of a stack.
const configTimeout = 2 * time.Minute

func configValue(v string) auto.ConfigValue { return auto.ConfigValue{Value: v} }
