//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The dev stack as a user runs it: up from nothing, nothing to change on a
// second look, the identity chain for real, destroy, and up again.
func TestLifecycleOfTheDevStack(t *testing.T) {
	w := newWorld(t, "")
	// Azure is slow to create some things; so is the stand-in here. The
	// link's create and Service Connector's work in the cluster each take
	// more than half of connectorWaitSeconds: the wait must measure only
	// the second.
	w.env["AZURE_STANDIN_LATENCY"] = "ManagedCluster=3s,TaskRun=2s,Linker=6s"
	w.env["AZURE_STANDIN_SC_DELAY"] = "6s"
	st := w.stack("dev", map[string]string{"connectorWaitSeconds": "10"})
	cleanupStack(t, st)

	first := mustUp(t, st)
	if d := w.createTook("ManagedCluster"); d < 3*time.Second {
		t.Errorf("the cluster's create took %s, want the injected 3s latency", d)
	}
	if d := w.createTook("Linker"); d < 6*time.Second {
		t.Errorf("the Linker's create took %s, want the injected 6s latency", d)
	}
	// The rest of the scenario runs at the stand-in's usual pace.
	for k, v := range map[string]string{"AZURE_STANDIN_LATENCY": "ManagedCluster=3s,TaskRun=2s", "AZURE_STANDIN_SC_DELAY": "2s"} {
		st.Workspace().SetEnvVar(k, v)
	}
	if first.changes[apitype.OpCreate] < 15 {
		t.Errorf("first up created %v", first.changes)
	}
	azure := w.azureObjects()
	for typ, n := range map[string]int{
		"ResourceGroup": 1, "ManagedCluster": 1, "Account": 1, "Deployment": 1, "Registry": 1,
		"TaskRun": 1, "UserAssignedIdentity": 1, "Linker": 1,
	} {
		if azure[typ] != n {
			t.Errorf("stand-in holds %d %s, want %d (all: %v)", azure[typ], typ, n, azure)
		}
	}
	if strings.Contains(w.azureLog(), "version=2.8") || strings.Contains(w.azureLog(), "version=2.90") {
		t.Errorf("a plugin other than 2.92.0 served resources:\n%s", tail(w.azureLog(), 2000))
	}

	out := first.outputs
	for _, name := range []string{
		"resourceGroupName", "clusterName", "kubeconfig", "oidcIssuerUrl", "openaiEndpoint", "deploymentName",
		"registryLoginServer", "image", "identityClientId", "connectionId", "serviceAccountName", "secretName", "demoLogCommand",
	} {
		if v, ok := out[name]; !ok || v.Value == "" || v.Value == nil {
			t.Errorf("output %s missing", name)
		} else if v.Secret != (name == "kubeconfig") {
			t.Errorf("output %s secret=%v", name, v.Secret)
		}
	}
	clientID := out["identityClientId"].Value.(string)
	if out["oidcIssuerUrl"].Value != s.issuer {
		t.Errorf("issuer %v", out["oidcIssuerUrl"].Value)
	}

	checkDemoJob(t, "default", "sc-account-"+clientID, "sc-openaiconn-secret", out["image"].Value.(string))
	checkNoPlaintextKubeconfig(t, w.backend)

	if p := preview(t, st); p.err != nil || !onlySame(p.changes) {
		t.Errorf("preview after up: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	if again := mustUp(t, st); !onlySame(again.changes) {
		t.Errorf("second up changed %v\n%s", again.changes, tail(again.out, 3000))
	}

	t.Run("identity chain", func(t *testing.T) {
		secret, err := s.kube.CoreV1().Secrets("default").Get(context.Background(), "sc-openaiconn-secret", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		base := string(secret.Data["AZURE_OPENAI_BASE"])
		if base != out["openaiEndpoint"].Value || string(secret.Data["AZURE_OPENAI_CLIENTID"]) != clientID {
			t.Fatalf("Service Connector's secret %v", secret.Data)
		}
		deployment := out["deploymentName"].Value.(string)
		sa := "sc-account-" + clientID

		// As in the first minutes after `up`: Service Connector's credential
		// and role assignment still propagating (Entra answers AADSTS70021,
		// Azure OpenAI 401 PermissionDenied); the demo waits them out.
		stdout, stderr := demoThroughPropagation(t, w, "default", sa, clientID, base, deployment)
		t.Logf("demo as deployed, through propagation:\n%s%s", stderr, stdout)

		ensureServiceAccount(t, "e2e-other", sa)
		for _, c := range []struct{ name, ns, sa, clientID, want string }{
			{"another namespace", "e2e-other", sa, clientID, "rejected the federated token exchange"},
			{"another service account", "default", "default", clientID, "rejected the federated token exchange"},
			{"another client id", "default", sa, "11111111-2222-3333-4444-555555555555", "workload identity"},
		} {
			_, stderr, err := runDemo(t, w, c.ns, c.sa, c.clientID, base, deployment)
			if err == nil {
				t.Errorf("%s: the demo succeeded", c.name)
				continue
			}
			contains(t, c.name+" stderr", stderr, "error: ", c.want)
			t.Logf("%s: %s", c.name, strings.TrimSpace(stderr))
		}
	})

	gone := destroy(t, st)
	if gone.err != nil {
		t.Fatalf("destroy: %v\n%s", gone.err, gone.out)
	}
	if n := w.azureObjects(); len(n) != 0 {
		t.Errorf("stand-in still holds %v after destroy", n)
	}
	if _, err := s.kube.BatchV1().Jobs("default").Get(context.Background(), "sc-demo-openai-identity", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("demo Job still in the cluster after destroy: %v", err)
	}
	dep, err := st.Export(ctxFor(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(dep.Deployment), `"urn:pulumi:dev::`+project+`::azure-native`) {
		t.Errorf("stack still has Azure resources after destroy")
	}

	// Up again: new names, no collision with the soft-deleted account.
	again := mustUp(t, st)
	if again.outputs["openaiEndpoint"].Value == out["openaiEndpoint"].Value {
		t.Errorf("the second deployment reused the soft-deleted subdomain %v", out["openaiEndpoint"].Value)
	}
}

// checkDemoJob reads the demo Job from the API server.
func checkDemoJob(t *testing.T, ns, sa, secret, image string) {
	t.Helper()
	job, err := s.kube.BatchV1().Jobs(ns).Get(context.Background(), "sc-demo-openai-identity", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("demo Job: %v", err)
	}
	pod := job.Spec.Template.Spec
	if pod.ServiceAccountName != sa || job.Spec.Template.Labels["azure.workload.identity/use"] != "true" ||
		len(pod.Containers) != 1 || pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("job pod spec %+v labels %v", pod, job.Spec.Template.Labels)
	}
	c := pod.Containers[0]
	if c.Image != image || len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != secret {
		t.Errorf("container image %q envFrom %+v", c.Image, c.EnvFrom)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.Capabilities == nil || len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" ||
		sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("container security context %+v", sc)
	}
	if job.Status.Succeeded != 1 {
		t.Errorf("job status %+v", job.Status)
	}
}

// checkNoPlaintextKubeconfig looks through every file of the state backend
// for the cluster's credentials.
func checkNoPlaintextKubeconfig(t *testing.T, backend string) {
	t.Helper()
	kc, err := os.ReadFile(s.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var key string
	for _, line := range strings.Split(string(kc), "\n") {
		if k, ok := strings.CutPrefix(strings.TrimSpace(line), "client-key-data:"); ok {
			key = strings.TrimSpace(k)
		}
	}
	if key == "" {
		t.Fatal("admin kubeconfig has no client-key-data")
	}
	files := 0
	filepath.Walk(backend, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		files++
		data, _ := os.ReadFile(path)
		if strings.Contains(string(data), key[:40]) || strings.Contains(string(data), "client-key-data") {
			t.Errorf("%s holds the kubeconfig in plain text", path)
		}
		return nil
	})
	if files == 0 {
		t.Error("no state files found")
	}
}

func ensureServiceAccount(t *testing.T, ns, name string) {
	t.Helper()
	ctx := context.Background()
	s.kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
	_, err := s.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// Propagation delays for demoThroughPropagation: Azure's are minutes; these
// keep the order (credential first, then the role) at a test's scale.
const (
	ficPropagation  = 4 * time.Second
	rbacPropagation = 9 * time.Second
)

// demoThroughPropagation runs the demo while the identity's federated
// credential and role assignment are still propagating, and checks that it
// retried exactly those two failures and then succeeded.
func demoThroughPropagation(t *testing.T, w *world, ns, sa, clientID, endpoint, deployment string) (string, string) {
	t.Helper()
	w.dp.Repropagate(ficPropagation, rbacPropagation)
	defer w.dp.Repropagate(0, 0)
	start := time.Now()
	stdout, stderr, err := runDemo(t, w, ns, sa, clientID, endpoint, deployment, "AZURE_OPENAI_RETRY_SECONDS=60")
	if err != nil || !strings.Contains(stdout, "Connect to Azure OpenAI service succeeded.") {
		t.Fatalf("demo as %s/%s: %v\nstdout: %s\nstderr: %s\nstand-in: %s", ns, sa, err, stdout, stderr, tail(w.azureLog(), 1500))
	}
	contains(t, "the demo's retries", stderr,
		"retry: Microsoft Entra ID answered AADSTS70021; a new federated identity credential may still be propagating (attempt 1",
		"retry: Azure OpenAI returned 401 PermissionDenied; a new role assignment may still be propagating")
	if took := time.Since(start); took < rbacPropagation {
		t.Errorf("the demo succeeded after %s, before the role assignment propagated (%s)", took, rbacPropagation)
	}
	return stdout, stderr
}

// runDemo does what the workload identity webhook and kubelet do for the
// pod, then runs the demo app here: a token for the service account from
// the real API server, the variables the webhook injects, the values of
// Service Connector's secret.
func runDemo(t *testing.T, w *world, ns, sa, clientID, endpoint, deployment string, env ...string) (string, string, error) {
	t.Helper()
	ttl := int64(3600)
	tr, err := s.kube.CoreV1().ServiceAccounts(ns).CreateToken(context.Background(), sa, &authv1.TokenRequest{
		Spec: authv1.TokenRequestSpec{Audiences: []string{"api://AzureADTokenExchange"}, ExpirationSeconds: &ttl},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("token for %s/%s: %v", ns, sa, err)
	}
	tokenFile := filepath.Join(t.TempDir(), "azure-identity-token")
	if err := os.WriteFile(tokenFile, []byte(tr.Status.Token), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(s.demoBin)
	cmd.Env = []string{
		"PATH=/usr/bin:/bin",
		"AZURE_CLIENT_ID=" + clientID,
		"AZURE_TENANT_ID=" + standin.TenantID,
		"AZURE_FEDERATED_TOKEN_FILE=" + tokenFile,
		"AZURE_AUTHORITY_HOST=" + w.dp.URL + "/",
		"AZURE_OPENAI_BASE=" + endpoint,
		"AZURE_OPENAI_DEPLOYMENT=" + deployment,
		"AZURE_OPENAI_RETRY_SECONDS=0",
		"SSL_CERT_FILE=" + w.dp.CAFile,
	}
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}
