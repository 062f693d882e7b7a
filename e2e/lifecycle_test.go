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

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The dev stack as a user runs it: up from nothing (the demo pod really
// runs and talks to the stand-in), nothing to change on a second look,
// destroy, and up again.
func TestLifecycleOfTheDevStack(t *testing.T) {
	// Every test has its own world and namespaces: they run side by side.
	t.Parallel()
	// As in the first minutes after `up`, Service Connector's credential
	// and role still propagate: the demo pod must wait them out.
	// Service Connector made both when the link was created, 6 s before its
	// objects appear, so the delays here are longer than in direct mode.
	w := newWorldPropagating(t, "", ficPropagation+6*time.Second, rbacPropagation+6*time.Second)
	// Azure is slow to create some things; so is the stand-in here. The
	// link's create and Service Connector's work in the cluster each take
	// more than half of connectorWaitSeconds: the wait must measure only
	// the second.
	w.env["AZURE_STANDIN_LATENCY"] = "ManagedCluster=3s,TaskRun=2s,Linker=6s"
	w.env["AZURE_STANDIN_SC_DELAY"] = "6s"
	// The deployment takes all of the model's quota: the second, no-change
	// up must not be refused by the preflight (its own capacity counts as
	// available) nor by Azure.
	w.catalog(func(c *standin.Catalog) {
		c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt-5.4-mini").Limit = 10
	})
	// Deployed as deploy.yml's dev job is: with the dev deploy identity's
	// roles only (docs/promotion-and-roles.md).
	w.env[standin.EnvCallerRoles] = devDeployRoles
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
	if out["oidcIssuerUrl"].Value != shared.issuer {
		t.Errorf("issuer %v", out["oidcIssuerUrl"].Value)
	}

	checkDemoJob(t, "default", "sc-account-"+clientID, "sc-openaiconn-secret", out["image"].Value.(string))
	// The image the program computed is the one the node knows: built
	// from the same demo/ source.
	if want := out["registryLoginServer"].Value.(string) + "/" + shared.images[0].Repository + "@" + shared.images[0].Digest; out["image"].Value != want {
		t.Errorf("image %v, want %s", out["image"].Value, want)
	}
	checkNoPlaintextKubeconfig(t, w.backend)

	// The preview identity (preview.yml, drift.yml) previews the deployed
	// stack: that lists the cluster's user credential, beyond Reader.
	pv := w.stackAs("dev", previewRoles)
	if p := preview(t, pv); p.err != nil || !onlySame(p.changes) {
		t.Errorf("the preview identity's preview after up: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	// Its up of a change is refused at the first write, and Azure keeps
	// what it had. The change lowers the capacity: within the quota, the
	// preflight lets it through to Azure.
	capacity := project + ":deploymentCapacity"
	if err := pv.SetConfig(ctxFor(t, configTimeout), capacity, configValue("9")); err != nil {
		t.Fatal(err)
	}
	refused(t, "the preview identity's up", up(t, pv), "Microsoft.CognitiveServices/accounts/deployments/write")
	if err := pv.RemoveConfig(ctxFor(t, configTimeout), capacity); err != nil {
		t.Fatal(err)
	}
	_ = w.azure.View(func(s *standin.State) error {
		d := s.Find("Deployment", nil)
		if len(d) != 1 {
			t.Errorf("deployments after the refused up: %+v", d)
			return nil
		}
		if sku, _ := d[0].Inputs["sku"].(map[string]any); fmt.Sprint(sku["capacity"]) != "10" {
			t.Errorf("the refused up changed the deployment's capacity: %v", d[0].Inputs["sku"])
		}
		return nil
	})

	// An identity that may not read quotas or VM sizes (a narrow custom
	// role): the preflight skips those checks with a warning and the
	// preview goes on.
	w.env[standin.EnvForbiddenReads] = "usages,skus"
	p := preview(t, st)
	delete(w.env, standin.EnvForbiddenReads)
	if p.err != nil || !onlySame(p.changes) {
		t.Errorf("preview after up: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	contains(t, "preview's output", p.out,
		"preflight: skipped the quota check: the deploying identity may not read the region's Cognitive Services usages (403 AuthorizationFailed",
		"preflight: skipped the VM size check: the deploying identity may not list the region's compute SKUs (403 AuthorizationFailed")
	t.Logf("PREFLIGHT forbidden reads (usages, skus): preview passed in %s with: %s", p.took.Round(time.Millisecond), firstLine(p.out, "skipped the quota check"))
	if again := mustUp(t, st); !onlySame(again.changes) {
		t.Errorf("second up changed %v\n%s", again.changes, tail(again.out, 3000))
	} else {
		t.Logf("PREFLIGHT: no-change up of a stack whose deployment uses all the quota (10 of 10): passed in %s", again.took.Round(time.Millisecond))
	}

	checkClosedModelKeepsTheStackGoing(t, w, st)

	// The identity chain, in the cluster: Azure's webhook mutated the
	// pod, the node ran it, Entra (the stand-in) took its token.
	checkDemoRan(t, w, "default", clientID)
	// The pod's backoff decides whether it is still retrying when the role
	// lands, so only the credential's retry is certain (the demo's unit
	// tests pin the role's).
	checkDemoRetried(t, "default", retriedCredential)

	// Torn down with the throwaway identity's roles, as destroy.yml and
	// e2e-azure.yml's teardown tear down a dev-like throwaway stack.
	actAs(t, st, throwawayRoles)
	gone := destroy(t, st)
	if gone.err != nil {
		t.Fatalf("destroy: %v\n%s", gone.err, gone.out)
	}
	if n := w.azureObjects(); len(n) != 0 {
		t.Errorf("stand-in still holds %v after destroy", n)
	}
	if _, err := shared.kube.BatchV1().Jobs("default").Get(context.Background(), "sc-demo-openai-identity", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
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
	actAs(t, st, devDeployRoles)
	again := mustUp(t, st)
	if again.outputs["openaiEndpoint"].Value == out["openaiEndpoint"].Value {
		t.Errorf("the second deployment reused the soft-deleted subdomain %v", out["openaiEndpoint"].Value)
	}
}

// checkDemoJob reads the demo Job from the API server.
func checkDemoJob(t *testing.T, ns, sa, secret, image string) {
	t.Helper()
	job, err := shared.kube.BatchV1().Jobs(ns).Get(context.Background(), "sc-demo-openai-identity", metav1.GetOptions{})
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
	kc, err := os.ReadFile(shared.kubeconfig)
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

// Azure closes the stack's model to new deployments (Deprecated, months
// before its retirement): the deployed stack still previews and takes an
// `up` that changes something else; the preflight warns with the date and
// the migration step. The catalog is put back as the test had it.
func checkClosedModelKeepsTheStackGoing(t *testing.T, w *world, st auto.Stack) {
	t.Helper()
	quota := func(c *standin.Catalog) { c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt-5.4-mini").Limit = 10 }
	w.catalog(func(c *standin.Catalog) {
		quota(c)
		for i := range c.Region("eastus2").Models {
			if m := &c.Region("eastus2").Models[i].Model; m.Name == "gpt-5.4-mini" {
				m.LifecycleStatus = "Deprecated"
			}
		}
	})
	defer w.catalog(quota)
	warning := []string{"gpt-5.4-mini 2026-03-17 is closed to new deployments in eastus2 (its lifecycle status is Deprecated); this stack's deployment gpt-5.4-mini runs it",
		"keeps serving it until its retirement on " + catalogDay(t, "2027-03-17") + ". Migrate before then: set " + project + ":modelVersion"}
	p := preview(t, st)
	if p.err != nil || !onlySame(p.changes) {
		t.Errorf("preview of a stack on a closed model: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	contains(t, "preview's output", p.out, warning...)
	nodes := project + ":nodeCount"
	if err := st.SetConfig(ctxFor(t, configTimeout), nodes, configValue("2")); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = st.RemoveConfig(ctxFor(t, configTimeout), nodes) }()
	r := up(t, st)
	if r.err != nil || r.changes[apitype.OpUpdate] != 1 {
		t.Errorf("up of nodeCount 2 on a closed model: %v %v\n%s", r.changes, r.err, tail(r.out, 3000))
	}
	contains(t, "up's output", r.out, warning...)
	t.Logf("PREFLIGHT closed model the stack runs: preview passed in %s, up of nodeCount 2 in %s, with: %s", p.took.Round(time.Millisecond), r.took.Round(time.Millisecond), firstLine(p.out, "closed to new deployments"))
}
