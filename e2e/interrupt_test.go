//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// An `up` cancelled mid-cluster-create as CI cancels a job (SIGINT, then
// the process tree killed 10 s later): Azure finishes the cluster it
// accepted, the killed CLI leaves its lock and the pending create, and the
// next plain `up` is refused. `make recover` removes the lock, adopts the
// cluster, and from there `preview` is clean and `up` converges without
// creating the cluster twice, the demo proving the connection.
func TestAnInterruptedUpRecovers(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	// Azure's ~5-minute cluster create, scaled down; CI's 10 s between the
	// signal and the kill are not.
	w.env["AZURE_STANDIN_LATENCY"] = "ManagedCluster=15s"
	st := w.stack("dev", map[string]string{"namespace": "e2e-interrupt"})
	cleanupStack(t, st)
	start := time.Now()

	var out bytes.Buffer
	cli := exec.Command(filepath.Join(shared.cli, "bin", "pulumi"), "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "dev")
	cli.Dir, cli.Env, cli.Stdout, cli.Stderr = w.dir, w.cliEnv(), &out, &out
	if err := cli.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cli.Wait() }()
	// ARM accepted the cluster's PUT when the stand-in holds it.
	for deadline := time.Now().Add(3 * time.Minute); w.azureObjects()["ManagedCluster"] == 0; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			killTree(cli.Process.Pid)
			t.Fatalf("the cluster's create never started:\n%s", out.String())
		}
	}
	time.Sleep(3 * time.Second) // 8 s into a 40 s create, scaled
	cli.Process.Signal(syscall.SIGINT)
	killed := false
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		killTree(cli.Process.Pid)
		<-exited
		killed = true
	}
	t.Logf("INTERRUPT: up interrupted %s after its start (killed 10 s after SIGINT: %v)", time.Since(start).Round(time.Millisecond), killed)
	if !killed {
		t.Fatalf("up ended on SIGINT alone, so nothing was left to recover:\n%s", tail(out.String(), 3000))
	}

	// What a user meets next: the killed CLI's lock.
	refusedUp := up(t, st)
	if refusedUp.err == nil {
		t.Fatal("up of the interrupted stack passed")
	}
	contains(t, "up after the interrupt", refusedUp.out+refusedUp.err.Error(), "the stack is currently locked by 1 lock(s)", "pulumi cancel")

	recoverStart := time.Now()
	rcmd := exec.Command("make", "recover", "STACK=dev")
	rcmd.Dir, rcmd.Env = w.dir, w.cliEnv()
	rec, err := rcmd.CombinedOutput()
	took := time.Since(recoverStart)
	if err != nil {
		t.Fatalf("make recover: %v\n%s", err, rec)
	}
	t.Logf("INTERRUPT: make recover took %s:\n%s", took.Round(time.Millisecond), rec)
	clusterURN := "urn:pulumi:dev::" + project + "::aksopenai:infra:Cluster$azure-native:containerservice/v20240901:ManagedCluster::"
	contains(t, "make recover's report", string(rec), "Removed the lock of pulumi pid", "creating "+clusterURN, "Adopted "+clusterURN)

	p := preview(t, st)
	if p.err != nil {
		t.Fatalf("preview after make recover: %v\n%s", p.err, tail(p.out, 3000))
	}
	if strings.Contains(p.out, "pending operations") {
		t.Errorf("preview after make recover still warns of pending operations:\n%s", tail(p.out, 3000))
	}
	var clusterID string
	_ = w.azure.View(func(s *standin.State) error {
		clusterID = s.Find("ManagedCluster", nil)[0].ID
		return nil
	})
	dep, err := st.Export(ctxFor(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct{ ID string } `json:"resources"`
		Pending   []any                 `json:"pending_operations"`
	}
	if err := json.Unmarshal(dep.Deployment, &state); err != nil {
		t.Fatal(err)
	}
	adopted := false
	for _, r := range state.Resources {
		adopted = adopted || r.ID == clusterID
	}
	if !adopted || len(state.Pending) != 0 {
		t.Errorf("after make recover the state has the cluster %s: %v, and %d pending operations", clusterID, adopted, len(state.Pending))
	}

	again := mustUp(t, st)
	if n := w.azureObjects()["ManagedCluster"]; n != 1 {
		t.Errorf("the stand-in holds %d clusters", n)
	}
	// The interrupted create never returned, so a logged create would be a second one.
	if strings.Contains(w.azureLog(), "method=Create type=azure-native:containerservice/v20240901:ManagedCluster") {
		t.Errorf("up created the cluster again:\n%s", tail(again.out, 3000))
	}
	checkDemoRan(t, w, "e2e-interrupt", again.outputs["identityClientId"].Value.(string))
	t.Logf("INTERRUPT: recovered up converged in %s; scenario so far %s", again.took.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
}

// cliEnv is the environment the world's stacks run with, for a CLI (or
// make) started outside the Automation API: the suite's CLI first on PATH.
func (w *world) cliEnv() []string {
	env := append(os.Environ(), "PULUMI_HOME="+shared.pulumiHome,
		"PATH="+filepath.Join(shared.cli, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	for k, v := range w.env {
		env = append(env, k+"="+v)
	}
	return env
}

// killTree kills a process and all its descendants, as a CI runner kills a
// cancelled job's process tree. Pulumi starts each plugin in a process
// group of its own (sdk go/common/util/cmdutil/child_unix.go), so killing
// the CLI's group would leave them running.
func killTree(pid int) {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after ")".
		fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		var child, parent int
		fmt.Sscan(filepath.Base(filepath.Dir(f)), &child)
		if len(fields) > 1 {
			fmt.Sscan(fields[1], &parent)
		}
		children[parent] = append(children[parent], child)
	}
	tree := []int{pid}
	for i := 0; i < len(tree); i++ {
		tree = append(tree, children[tree[i]]...)
	}
	for _, p := range tree {
		syscall.Kill(p, syscall.SIGKILL)
	}
}
