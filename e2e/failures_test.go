//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"aks-openai-workload-identity/infra"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
	"aks-openai-workload-identity/testtools/demoimage"
)

// Each fault makes `up` fail fast with a message that names the cause.
// The last three run the demo pod for real: it fails with the app's own
// error, which Pulumi prints from the pod's termination message.
func TestFailuresFailFastWithTheirCause(t *testing.T) {
	t.Parallel()
	const otherClient = "11111111-2222-3333-4444-555555555555"
	cases := []struct {
		name, faults string
		config       map[string]string
		// env are more stand-in knobs.
		env map[string]string
		// rbacDelay: role assignments reach the data plane this late.
		rbacDelay time.Duration
		// edit changes the program's copy before up: a bug in the program.
		edit func(t *testing.T, dir string)
		// during runs alongside up.
		during func(ctx context.Context, t *testing.T)
		wants  []string
		within time.Duration
		// pod checks the demo pod after up failed.
		pod func(t *testing.T, pod corev1.Pod)
		// then runs after the failed up, on the same stack.
		then func(t *testing.T, w *world, st auto.Stack)
	}{
		{
			name:   "wrong Service Connector secret name",
			config: map[string]string{"namespace": "e2e-wrong-secret", "secretName": "sc-wrong-secret", "connectorWaitSeconds": "15"},
			wants:  []string{`secret "sc-wrong-secret" did not appear in namespace "e2e-wrong-secret"`, "found: sc-openaiconn-secret", project + ":secretName"},
			within: 3 * time.Minute,
		},
		{
			// The failing demo pod: Service Connector's role assignment has
			// not reached the data plane within the demo's deadline.
			name:      "failing demo pod: role not yet effective",
			rbacDelay: time.Hour,
			config:    map[string]string{"namespace": "e2e-rbac", "demoDeadlineSeconds": "60"},
			wants:     []string{"BackoffLimitExceeded", "error: Azure OpenAI returned 401 PermissionDenied", "lacks the required data action"},
			within:    3 * time.Minute,
		},
		{
			name:   "pod label removed",
			config: map[string]string{"namespace": "e2e-no-label", "demoDeadlineSeconds": "60"},
			edit: func(t *testing.T, dir string) {
				path := filepath.Join(dir, "k8s", "demo.go")
				src, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				label := `LabelUseWorkloadIdentity: pulumi.String("true"),`
				if strings.Count(string(src), label) != 1 {
					t.Fatalf("k8s/demo.go no longer sets the label as %s", label)
				}
				if err := os.WriteFile(path, []byte(strings.Replace(string(src), label, "", 1)), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wants:  []string{"BackoffLimitExceeded", "error: missing environment variable AZURE_CLIENT_ID", "azure.workload.identity/use"},
			within: 3 * time.Minute,
			pod: func(t *testing.T, pod corev1.Pod) {
				if e := env(pod.Spec.Containers[0]); e["AZURE_CLIENT_ID"] != "" || e["AZURE_FEDERATED_TOKEN_FILE"] != "" || len(pod.Spec.Volumes) != 0 {
					t.Errorf("the webhook mutated an unlabelled pod: env %v volumes %v", e, pod.Spec.Volumes)
				}
			},
		},
		{
			name:   "service account annotated with another client id",
			config: map[string]string{"namespace": "e2e-other-client", "serviceAccountName": "e2e-other-client", "demoDeadlineSeconds": "60", "connectorWaitSeconds": "60"},
			// The overriding service account appears in the program's
			// namespace, annotated for an identity Entra does not know.
			during: func(ctx context.Context, t *testing.T) {
				for ctx.Err() == nil {
					_, err := shared.kube.CoreV1().ServiceAccounts("e2e-other-client").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
						Name: "e2e-other-client", Annotations: map[string]string{"azure.workload.identity/client-id": otherClient},
					}}, metav1.CreateOptions{})
					if err == nil || apierrors.IsAlreadyExists(err) {
						return
					}
					time.Sleep(200 * time.Millisecond)
				}
			},
			wants: []string{"BackoffLimitExceeded", "Microsoft Entra ID rejected the federated token exchange (client ID " + otherClient, "AADSTS700016"},
			// The service account is created only once the program's namespace exists.
			within: 4 * time.Minute,
			pod: func(t *testing.T, pod corev1.Pod) {
				if e := env(pod.Spec.Containers[0]); e["AZURE_CLIENT_ID"] != otherClient {
					t.Errorf("webhook: AZURE_CLIENT_ID = %q, want the service account's %s", e["AZURE_CLIENT_ID"], otherClient)
				}
			},
		},
		{
			// A transient failure of the first build: the next plain `up`
			// builds again and succeeds, and then nothing is left to do.
			// The app is padded to just under the inline source limit, so
			// its source spans two task lines (ACR reads at most 64 KiB).
			name:   "failed ACR run (the PUT fails), then a plain up rebuilds",
			faults: "TaskRun:run:1=Failed",
			config: map[string]string{"namespace": "e2e-acr-put"},
			wants:  []string{"The status for Run ca1 is Failed"},
			within: 2 * time.Minute,
			then: func(t *testing.T, w *world, st auto.Stack) {
				r := mustUp(t, st)
				if !strings.Contains(r.outputs["image"].Value.(string), "@sha256:") || r.changes[apitype.OpUpdate] < 1 {
					t.Errorf("second up: image %v, changes %v", r.outputs["image"].Value, r.changes)
				}
				if n := w.taskRuns(); n != 2 {
					t.Errorf("ACR ran %d builds, want 2 (the failed one and one more)", n)
				}
				if p := preview(t, st); p.err != nil || !onlySame(p.changes) {
					t.Errorf("preview after the rebuild: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
				}
				if n := w.taskRuns(); n != 2 {
					t.Errorf("ACR ran %d builds after the preview, want 2", n)
				}
				t.Logf("REBUILD: failed run then a plain up: up took %s, %d builds, preview clean", r.took.Round(time.Second), w.taskRuns())
			},
		},
		{
			name:   "failed ACR run (in the run result)",
			faults: "TaskRun:runresult=Failed",
			config: map[string]string{"namespace": "e2e-acr-result"},
			wants:  []string{`ACR build of the demo image failed: run ca1 ended "Failed"`, "az acr task logs --registry", "--run-id ca1"},
			within: 2 * time.Minute,
		},
		{
			// Service Connector in AKS: the subscription is not registered
			// with the provider of its cluster extension. The preflight
			// would refuse this in preview (TestPreflightFailsPreviewInSeconds);
			// off, the link's own failure must name the cause.
			name:   "Microsoft.KubernetesConfiguration not registered",
			env:    map[string]string{standin.EnvUnregisteredProviders: "Microsoft.KubernetesConfiguration"},
			config: map[string]string{"namespace": "e2e-unregistered", "preflight": "false"},
			wants:  []string{"Status=409", `Code="MissingSubscriptionRegistration"`, "not registered to use namespace 'Microsoft.KubernetesConfiguration'"},
			within: 2 * time.Minute,
		},
		{
			// AKS is busy with a background operation when the link comes.
			name:   "409 on the link while the cluster is updating",
			env:    map[string]string{standin.EnvClusterBusy: "1h"},
			config: map[string]string{"namespace": "e2e-conflict"},
			wants:  []string{"Status=409", `Code="OperationNotAllowed"`, "Another operation (Updating) is in progress"},
			within: 2 * time.Minute,
		},
		{
			// Service Connector's cluster extension never makes the objects.
			name:   "Service Connector's objects never appear",
			faults: "Linker:kube=skip",
			config: map[string]string{"namespace": "e2e-no-objects", "connectorWaitSeconds": "15"},
			wants: []string{`did not appear in namespace "e2e-no-objects" within 15s`, "Service Connector created nothing in this namespace",
				"sc-extension", "kubectl logs job/sc-job -n sc-system", project + ":connectorWaitSeconds"},
			within: 3 * time.Minute,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := newWorldRBAC(t, c.faults, c.rbacDelay)
			for k, v := range c.env {
				w.env[k] = v
			}
			if c.edit != nil {
				c.edit(t, w.dir)
				w.rebuildProgram()
			}
			if c.then != nil {
				n := padApp(t, w.dir, infra.MaxInlineSource-2048, infra.MaxInlineSource)
				t.Logf("the demo app packs to %d bytes of base64 (limit %d, one task line at most %d)", n, infra.MaxInlineSource, infra.MaxTaskLine)
				// The node must know the padded app's image, as ACR would
				// hold what it built.
				bin := filepath.Join(t.TempDir(), "demo")
				if err := demoimage.Build(w.dir, bin); err != nil {
					t.Fatal(err)
				}
				images, err := demoimage.Expected(w.dir, bin)
				if err != nil {
					t.Fatal(err)
				}
				if err := demoimage.RegisterAll(shared.imageIndex, images); err != nil {
					t.Fatal(err)
				}
			}
			st := w.stack("dev", c.config)
			cleanupStack(t, st)
			if c.during != nil {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				go c.during(ctx, t)
			}
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
			if c.pod != nil {
				pods := demoPods(t, c.config["namespace"])
				if len(pods) == 0 {
					t.Fatal("no demo pod")
				}
				c.pod(t, pods[0])
			}
			if c.then != nil {
				c.then(t, w, st)
			}
		})
	}
}

// Bad config stops `preview` before any resource is created.
func TestBadConfigFailsPreviewBeforeAnyResource(t *testing.T) {
	// Every test has its own world and namespaces: they run side by side.
	t.Parallel()
	w := newWorld(t, "")
	st := w.stack("dev", map[string]string{"nodeCount": "0", "connectionName": "openai conn", "clientType": "go"})
	r := preview(t, st)
	if r.err == nil {
		t.Fatal("preview accepted bad config")
	}
	contains(t, "preview's error", r.err.Error()+r.out,
		"config "+project+`:nodeCount: "0" is not allowed; use a whole number from 1 to 100`,
		"config "+project+`:connectionName: "openai conn" is not allowed; use what Service Connector accepts`,
		"config "+project+`:clientType: "go" is not allowed; use one of none, dotnet, java, nodejs, python`)
	if log := w.azureLog(); strings.Contains(log, "method=Check ") || strings.Contains(log, "method=Create") {
		t.Errorf("the stand-in saw resources:\n%s", log)
	}
	if n := w.azureObjects(); len(n) != 0 {
		t.Errorf("stand-in holds %v", n)
	}
	t.Logf("bad config: preview failed after %s with: %s", r.took.Round(time.Second), firstLine(r.err.Error()+r.out, "nodeCount"))

	// An app folder too large to travel inside the run request fails in
	// preview too, with its size, the limit and what to do.
	n := padApp(t, w.dir, infra.MaxInlineSource+1024, infra.MaxInlineSource+8192)
	st = w.stack("dev", map[string]string{"nodeCount": "1", "connectionName": "openaiconn", "clientType": "none"})
	r = preview(t, st)
	if r.err == nil {
		t.Fatal("preview accepted an app over the inline source limit")
	}
	contains(t, "preview's error", r.err.Error()+r.out,
		fmt.Sprintf("the demo app's packed source is %d bytes", n), "at most 98304 bytes (96 KiB)", ".dockerignore")
	if log := w.azureLog(); strings.Contains(log, "method=Check") || strings.Contains(log, "method=Create") {
		t.Errorf("the stand-in saw resources:\n%s", log)
	}
	t.Logf("oversized app: preview failed after %s with: %s", r.took.Round(time.Second), firstLine(r.err.Error()+r.out, "packed source"))
}

func firstLine(text, containing string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, containing) {
			return strings.TrimSpace(l)
		}
	}
	return ""
}
