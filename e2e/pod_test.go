//go:build e2e

package e2e

import (
	"context"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The demo's success lines, as the tutorial shows them.
const demoSucceeded = "Connect to Azure OpenAI service succeeded."

// demoPods are the pods of the current demo Job in ns, newest first.
func demoPods(t *testing.T, ns string) []corev1.Pod {
	t.Helper()
	ctx := context.Background()
	job, err := shared.kube.BatchV1().Jobs(ns).Get(ctx, "sc-demo-openai-identity", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("demo Job: %v", err)
	}
	pods, err := shared.kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "batch.kubernetes.io/controller-uid=" + string(job.UID)})
	if err != nil {
		t.Fatal(err)
	}
	items := pods.Items
	sort.Slice(items, func(i, j int) bool { return items[j].CreationTimestamp.Before(&items[i].CreationTimestamp) })
	return items
}

// podLog reads a pod's log the way `kubectl logs` does: the API server
// asks the node.
func podLog(t *testing.T, pod corev1.Pod) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := shared.kube.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "demo"}).DoRaw(ctx)
	if err != nil {
		t.Fatalf("log of %s/%s: %v", pod.Namespace, pod.Name, err)
	}
	return string(b)
}

func env(c corev1.Container) map[string]string {
	m := map[string]string{}
	for _, e := range c.Env {
		m[e.Name] = e.Value
	}
	return m
}

// checkDemoRan proves the identity chain ran in the cluster: the webhook
// mutated the demo pod as in AKS (client id from the service account,
// tenant, token file, the local Azure as authority host, the projected
// token), the node ran it to success, its log says it got a reply, and
// the stand-in issued the token to clientID and answered the chat.
func checkDemoRan(t *testing.T, w *world, ns, clientID string) {
	t.Helper()
	pods := demoPods(t, ns)
	if len(pods) == 0 {
		t.Fatalf("no demo pod in %s", ns)
	}
	pod := pods[0]
	c := pod.Spec.Containers[0]
	e := env(c)
	for k, want := range map[string]string{
		"AZURE_CLIENT_ID":            clientID,
		"AZURE_TENANT_ID":            standin.TenantID,
		"AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
		"AZURE_AUTHORITY_HOST":       shared.front.URL + "/",
	} {
		if e[k] != want {
			t.Errorf("webhook: pod %s env %s = %q, want %q", pod.Name, k, e[k], want)
		}
	}
	var mounted, projected bool
	for _, m := range c.VolumeMounts {
		if m.Name == "azure-identity-token" && m.MountPath == "/var/run/secrets/azure/tokens" && m.ReadOnly {
			mounted = true
		}
	}
	for _, v := range pod.Spec.Volumes {
		if v.Name != "azure-identity-token" || v.Projected == nil || len(v.Projected.Sources) != 1 {
			continue
		}
		tok := v.Projected.Sources[0].ServiceAccountToken
		projected = tok != nil && tok.Audience == "api://AzureADTokenExchange" && tok.Path == "azure-identity-token" &&
			tok.ExpirationSeconds != nil && *tok.ExpirationSeconds == 3600
	}
	if !mounted || !projected {
		t.Errorf("webhook: pod %s lacks the projected token (mounted %v, volume %v): %+v %+v", pod.Name, mounted, projected, c.VolumeMounts, pod.Spec.Volumes)
	}
	if pod.Spec.NodeName != os.Getenv("E2E_NODE_NAME") || pod.Status.Phase != corev1.PodSucceeded {
		t.Errorf("pod %s on node %q phase %s", pod.Name, pod.Spec.NodeName, pod.Status.Phase)
	}
	log := podLog(t, pod)
	contains(t, "the demo's log", log, "Sent: Hello, OpenAI!", "Reply: Hello! This is the Azure OpenAI stand-in", demoSucceeded)
	contains(t, "the stand-in's log", w.azureLog(), "token issued to clientId="+clientID, "chat ok deployment=")
	t.Logf("demo pod %s/%s log:\n%s", ns, pod.Name, strings.TrimSpace(log))
}

// Propagation delays of a new federated credential and role assignment:
// Azure's are minutes; these keep the order (credential first, then the
// role) at a test's scale.
const (
	ficPropagation  = 10 * time.Second
	rbacPropagation = 12 * time.Second
)

// The demo's log line when it retried a credential still propagating.
const retriedCredential = "retry: Microsoft Entra ID answered AADSTS70021; a new federated identity credential may still be propagating (attempt 1"

// checkDemoRetried: the demo pod in ns logged these retries, then
// succeeded.
func checkDemoRetried(t *testing.T, ns string, retries ...string) {
	t.Helper()
	pods := demoPods(t, ns)
	if len(pods) == 0 {
		t.Fatalf("no demo pod in %s", ns)
	}
	contains(t, "the demo's retries", podLog(t, pods[0]), append(retries, demoSucceeded)...)
}
