package main

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
)

func secrets(all map[string]map[string]string) secretGetter {
	return func(_ context.Context, ns, name string) (*corev1.Secret, error) {
		d, ok := all[ns+"/"+name]
		if !ok {
			return nil, apierrors.NewNotFound(schema.GroupResource{Resource: "secrets"}, name)
		}
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string][]byte{}}
		for k, v := range d {
			s.Data[k] = []byte(v)
		}
		return s, nil
	}
}

func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestEnvironmentIsBuiltAsTheKubeletDoes(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}}
	c := &corev1.Container{
		EnvFrom: []corev1.EnvFromSource{
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "conn"}}},
			{Prefix: "P_", SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "conn"}}},
			{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "absent"}, Optional: ptr.To(true)}},
		},
		Env: []corev1.EnvVar{
			{Name: "AZURE_OPENAI_BASE", Value: "override"},
			{Name: "URL", Value: "$(AZURE_OPENAI_CLIENTID)/$(UNDEFINED)/$$(KEPT)"},
		},
	}
	get := secrets(map[string]map[string]string{"ns/conn": {"AZURE_OPENAI_BASE": "https://x/", "AZURE_OPENAI_CLIENTID": "id"}})
	services := []corev1.Service{{ObjectMeta: metav1.ObjectMeta{Name: "kubernetes"}, Spec: corev1.ServiceSpec{
		ClusterIP: "10.96.0.1", Ports: []corev1.ServicePort{{Name: "https", Port: 443, Protocol: corev1.ProtocolTCP}}}}}
	env, err := containerEnv(context.Background(), pod, c, services, get, []string{"PATH=/bin", "AZURE_OPENAI_CLIENTID=image"})
	if err != nil {
		t.Fatal(err)
	}
	m := envMap(env)
	for k, want := range map[string]string{
		"PATH":                          "/bin",
		"AZURE_OPENAI_BASE":             "override",
		"AZURE_OPENAI_CLIENTID":         "id",
		"P_AZURE_OPENAI_BASE":           "https://x/",
		"URL":                           "id/$(UNDEFINED)/$(KEPT)",
		"KUBERNETES_SERVICE_HOST":       "10.96.0.1",
		"KUBERNETES_SERVICE_PORT":       "443",
		"KUBERNETES_SERVICE_PORT_HTTPS": "443",
		"KUBERNETES_PORT":               "tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_ADDR":  "10.96.0.1",
		"KUBERNETES_PORT_443_TCP_PROTO": "tcp",
	} {
		if m[k] != want {
			t.Errorf("%s = %q, want %q", k, m[k], want)
		}
	}
}

func TestAMissingSecretStopsTheContainer(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}}
	c := &corev1.Container{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}}}}}
	_, err := containerEnv(context.Background(), pod, c, nil, secrets(nil), nil)
	if err == nil || err.Error() != `secret "gone" not found` {
		t.Fatalf("err = %v", err)
	}
}

func TestCommandAndArgsExpandVariables(t *testing.T) {
	got := expandArgs([]string{"/demo", "--x=$(A)", "$(B)", "$$(A)"}, []string{"A=1"})
	if strings.Join(got, " ") != "/demo --x=1 $(B) $(A)" {
		t.Errorf("got %q", got)
	}
}
