package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	authv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	"k8s.io/utils/ptr"
)

var (
	probeOnce sync.Once
	probeBin  string
	probeErr  error
)

// probe builds testdata/probe, statically, as a pod's image content.
func probe(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("runs processes chrooted as another user: needs root")
	}
	probeOnce.Do(func() {
		dir, err := os.MkdirTemp("", "nodeagent-probe")
		if err != nil {
			probeErr = err
			return
		}
		probeBin = filepath.Join(dir, "probe")
		cmd := exec.Command("go", "build", "-o", probeBin, "./testdata/probe")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			probeErr = err
			t.Log(string(out))
		}
	})
	if probeErr != nil {
		t.Fatal(probeErr)
	}
	return probeBin
}

// testAgent is an agent on a fake API server with one image, the probe.
func testAgent(t *testing.T, objects ...any) (*agent, *fake.Clientset) {
	t.Helper()
	bin := probe(t)
	dir := t.TempDir()
	index := filepath.Join(dir, "images.json")
	os.WriteFile(index, []byte(`[{"repository":"probe","digest":"sha256:11","binary":"`+bin+`","entrypoint":["/bin/probe"],"user":"65532:65532"}]`), 0o644)
	kube := fake.NewClientset()
	// The fake has no TokenRequest: answer with the audience and the pod it is bound to.
	kube.PrependReactor("create", "serviceaccounts", func(action k8stesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "token" {
			return false, nil, nil
		}
		tr := action.(k8stesting.CreateAction).GetObject().(*authv1.TokenRequest)
		tr.Status.Token = "token-for-" + strings.Join(tr.Spec.Audiences, ",") + "-bound-to-" + tr.Spec.BoundObjectRef.Name
		return true, tr, nil
	})
	for _, o := range objects {
		switch o := o.(type) {
		case *corev1.Secret:
			kube.CoreV1().Secrets(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
		case *corev1.ServiceAccount:
			kube.CoreV1().ServiceAccounts(o.Namespace).Create(context.Background(), o, metav1.CreateOptions{})
		}
	}
	return &agent{kube: kube, node: "n", dir: dir, images: index, trust: []byte("TRUST"),
		pods: map[types.UID]*podRun{}, byName: map[string]*podRun{}, deleting: map[types.UID]bool{}}, kube
}

func probePod(name string, env ...corev1.EnvVar) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name)},
		Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, ServiceAccountName: "sa", NodeName: "n",
			EnableServiceLinks: ptr.To(false),
			SecurityContext:    &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
			Containers: []corev1.Container{{
				Name: "main", Image: "reg.example.io/probe@sha256:11", Args: []string{"$(GREETING)", "world"},
				Env:                      env,
				TerminationMessagePath:   "/dev/termination-log",
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				SecurityContext:          &corev1.SecurityContext{ReadOnlyRootFilesystem: ptr.To(true)},
			}},
		},
	}
}

// runPod runs pod to its end on a and returns it as the API server has it.
func runPod(t *testing.T, a *agent, kube *fake.Clientset, pod *corev1.Pod, within time.Duration) *corev1.Pod {
	t.Helper()
	if _, err := kube.CoreV1().Pods(pod.Namespace).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	a.onPod(pod)
	a.mu.Lock()
	r := a.pods[pod.UID]
	a.mu.Unlock()
	select {
	case <-r.done:
	case <-time.After(within):
		t.Fatalf("pod %s still running after %s", pod.Name, within)
	}
	got, err := kube.CoreV1().Pods(pod.Namespace).Get(context.Background(), pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func logOf(t *testing.T, a *agent, pod *corev1.Pod) string {
	b, _ := os.ReadFile(a.pods[pod.UID].logFile)
	return string(b)
}

func TestAPodRunsAsAProcessWithTheKubeletsEnvironmentAndVolumes(t *testing.T) {
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "conn", Namespace: "ns"}, Data: map[string][]byte{"FROM_SECRET": []byte("s3cret")}}
	a, kube := testAgent(t, secret, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "sa", Namespace: "ns"}})
	pod := probePod("ok",
		corev1.EnvVar{Name: "GREETING", Value: "hello"},
		corev1.EnvVar{Name: "PROBE_PRINT", Value: "FROM_SECRET HOSTNAME"},
		corev1.EnvVar{Name: "PROBE_READ", Value: "/var/run/secrets/azure/tokens/azure-identity-token"},
		corev1.EnvVar{Name: "PROBE_MESSAGE", Value: "all good"},
	)
	pod.Spec.Containers[0].EnvFrom = []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "conn"}}}}
	pod.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "tok", MountPath: "/var/run/secrets/azure/tokens", ReadOnly: true}}
	pod.Spec.Volumes = []corev1.Volume{{Name: "tok", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: "api://AzureADTokenExchange", Path: "azure-identity-token"}}},
	}}}}

	got := runPod(t, a, kube, pod, 20*time.Second)
	log := logOf(t, a, pod)
	for _, want := range []string{"args: hello world", "uid: 65532 gid: 65532", "env FROM_SECRET=s3cret", "env HOSTNAME=ok",
		"read /var/run/secrets/azure/tokens/azure-identity-token: 48 bytes, err=<nil>", "root: read-only"} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if got.Status.Phase != corev1.PodSucceeded {
		t.Errorf("phase %s", got.Status.Phase)
	}
	term := got.Status.ContainerStatuses[0].State.Terminated
	if term == nil || term.ExitCode != 0 || term.Reason != "Completed" || term.Message != "all good" {
		t.Errorf("terminated %+v", term)
	}
	root := filepath.Join(a.pods[pod.UID].dir, "rootfs")
	if tok, _ := os.ReadFile(filepath.Join(root, "/var/run/secrets/azure/tokens/azure-identity-token")); string(tok) != "token-for-api://AzureADTokenExchange-bound-to-ok" {
		t.Errorf("token file %q", tok)
	}
	trust, _ := os.ReadFile(filepath.Join(root, trustStore))
	if string(trust) != "TRUST" {
		t.Errorf("trust store %q", trust)
	}
}

func TestAFailureEndsThePodWithTheLogsTailAsItsMessage(t *testing.T) {
	a, kube := testAgent(t)
	pod := probePod("fails", corev1.EnvVar{Name: "PROBE_EXIT", Value: "3"}, corev1.EnvVar{Name: "PROBE_STDERR", Value: "error: it broke"})
	got := runPod(t, a, kube, pod, 20*time.Second)
	term := got.Status.ContainerStatuses[0].State.Terminated
	if got.Status.Phase != corev1.PodFailed || term == nil || term.ExitCode != 3 || term.Reason != "Error" || !strings.HasSuffix(term.Message, "error: it broke\n") {
		t.Errorf("phase %s terminated %+v", got.Status.Phase, term)
	}
}

func TestTheDeadlineEndsARunningPod(t *testing.T) {
	a, kube := testAgent(t)
	pod := probePod("slow", corev1.EnvVar{Name: "PROBE_SLEEP", Value: "1m"})
	pod.Spec.ActiveDeadlineSeconds = ptr.To[int64](1)
	pod.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
	got := runPod(t, a, kube, pod, 20*time.Second)
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != "DeadlineExceeded" {
		t.Errorf("phase %s reason %s", got.Status.Phase, got.Status.Reason)
	}
}

func TestAnUnknownImageIsErrImagePull(t *testing.T) {
	a, kube := testAgent(t)
	pod := probePod("unknown")
	pod.Spec.Containers[0].Image = "reg.example.io/probe@sha256:22"
	pod.Spec.ActiveDeadlineSeconds = ptr.To[int64](2)
	kube.CoreV1().Pods("ns").Create(context.Background(), pod, metav1.CreateOptions{})
	a.onPod(pod)
	var waiting *corev1.ContainerStateWaiting
	for i := 0; i < 50 && waiting == nil; i++ {
		time.Sleep(50 * time.Millisecond)
		got, _ := kube.CoreV1().Pods("ns").Get(context.Background(), "unknown", metav1.GetOptions{})
		if len(got.Status.ContainerStatuses) > 0 {
			waiting = got.Status.ContainerStatuses[0].State.Waiting
		}
	}
	if waiting == nil || waiting.Reason != "ErrImagePull" || !strings.Contains(waiting.Message, "not found") {
		t.Fatalf("waiting %+v", waiting)
	}
	<-a.pods[pod.UID].done
	got, _ := kube.CoreV1().Pods("ns").Get(context.Background(), "unknown", metav1.GetOptions{})
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != "DeadlineExceeded" {
		t.Errorf("after the deadline: phase %s reason %s", got.Status.Phase, got.Status.Reason)
	}
}

func TestARefusedPodFailsWithTheFieldNamed(t *testing.T) {
	a, kube := testAgent(t)
	pod := probePod("refused")
	pod.Spec.Containers[0].ReadinessProbe = &corev1.Probe{PeriodSeconds: 1}
	got := runPod(t, a, kube, pod, 10*time.Second)
	if got.Status.Phase != corev1.PodFailed || got.Status.Reason != "UnsupportedPodSpec" || !strings.Contains(got.Status.Message, "spec.containers[0].readinessProbe") {
		t.Errorf("phase %s reason %s message %s", got.Status.Phase, got.Status.Reason, got.Status.Message)
	}
}
