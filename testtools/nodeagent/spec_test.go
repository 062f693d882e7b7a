package main

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
)

// demoPod is the demo Job's pod after the API server's defaults and the
// workload identity webhook's mutation.
func demoPod() *corev1.Pod {
	exp := int64(3600)
	return &corev1.Pod{Spec: corev1.PodSpec{
		ServiceAccountName: "sc-account-x", RestartPolicy: corev1.RestartPolicyNever,
		AutomountServiceAccountToken: ptr.To(false), ActiveDeadlineSeconds: ptr.To[int64](480),
		DNSPolicy: corev1.DNSClusterFirst, SchedulerName: "default-scheduler", EnableServiceLinks: ptr.To(true),
		TerminationGracePeriodSeconds: ptr.To[int64](30), Priority: ptr.To[int32](0),
		PreemptionPolicy: ptr.To(corev1.PreemptLowerPriority), NodeName: "local-node-0",
		Tolerations: []corev1.Toleration{{Key: "node.kubernetes.io/not-ready", Operator: "Exists", Effect: "NoExecute", TolerationSeconds: ptr.To[int64](300)}},
		SecurityContext: &corev1.PodSecurityContext{
			RunAsNonRoot: ptr.To(true), RunAsUser: ptr.To[int64](65532), RunAsGroup: ptr.To[int64](65532),
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{{
			Name: "demo", Image: "r.azurecr.io/sc-demo-openai-identity@sha256:abc", ImagePullPolicy: corev1.PullIfNotPresent,
			EnvFrom:   []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "sc-openaiconn-secret"}}}},
			Env:       []corev1.EnvVar{{Name: "AZURE_OPENAI_DEPLOYMENT", Value: "gpt"}, {Name: "AZURE_CLIENT_ID", Value: "c"}},
			Resources: corev1.ResourceRequirements{}, TerminationMessagePath: "/dev/termination-log",
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			VolumeMounts:             []corev1.VolumeMount{{Name: "azure-identity-token", MountPath: "/var/run/secrets/azure/tokens", ReadOnly: true}},
			SecurityContext: &corev1.SecurityContext{
				AllowPrivilegeEscalation: ptr.To(false), ReadOnlyRootFilesystem: ptr.To(true), RunAsNonRoot: ptr.To(true),
				Privileged: ptr.To(false), Capabilities: &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
				SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
			},
		}},
		Volumes: []corev1.Volume{{Name: "azure-identity-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			DefaultMode: ptr.To[int32](420),
			Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
				Audience: "api://AzureADTokenExchange", ExpirationSeconds: &exp, Path: "azure-identity-token"}}},
		}}}},
	}}
}

func TestTheDemoPodIsAccepted(t *testing.T) {
	if r := refusals(demoPod()); len(r) != 0 {
		t.Fatalf("refused: %v", r)
	}
}

func TestFieldsThatChangeBehaviourAreRefusedByName(t *testing.T) {
	cases := []struct {
		name   string
		change func(*corev1.Pod)
		want   string
	}{
		{"restart policy", func(p *corev1.Pod) { p.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, `spec.restartPolicy "OnFailure"`},
		{"init container", func(p *corev1.Pod) { p.Spec.InitContainers = []corev1.Container{{Name: "i"}} }, "spec.initContainers="},
		{"second container", func(p *corev1.Pod) { p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "b"}) }, "2 containers"},
		{"probe", func(p *corev1.Pod) { p.Spec.Containers[0].LivenessProbe = &corev1.Probe{PeriodSeconds: 3} }, "spec.containers[0].livenessProbe="},
		{"env from a field", func(p *corev1.Pod) {
			p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, corev1.EnvVar{Name: "N", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}})
		}, "spec.containers[0].env[2].valueFrom="},
		{"envFrom a config map", func(p *corev1.Pod) {
			p.Spec.Containers[0].EnvFrom[0].ConfigMapRef = &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "c"}}
		}, "spec.containers[0].envFrom[0].configMapRef="},
		{"secret volume", func(p *corev1.Pod) {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "s", VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "s"}}})
		}, "spec.volumes[1].secret="},
		{"config map in a projected volume", func(p *corev1.Pod) {
			p.Spec.Volumes[0].Projected.Sources = append(p.Spec.Volumes[0].Projected.Sources, corev1.VolumeProjection{ConfigMap: &corev1.ConfigMapProjection{}})
		}, "spec.volumes[0].projected.sources[1].configMap="},
		{"sub path", func(p *corev1.Pod) { p.Spec.Containers[0].VolumeMounts[0].SubPath = "x" }, "spec.containers[0].volumeMounts[0].subPath="},
		{"privileged", func(p *corev1.Pod) { p.Spec.Containers[0].SecurityContext.Privileged = ptr.To(true) }, "privileged true"},
		{"added capability", func(p *corev1.Pod) {
			p.Spec.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_ADMIN"}
		}, "capabilities.add [NET_ADMIN]"},
		{"localhost seccomp", func(p *corev1.Pod) {
			p.Spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeLocalhost}
		}, `spec.securityContext.seccompProfile.type "Localhost"`},
		{"fs group", func(p *corev1.Pod) { p.Spec.SecurityContext.FSGroup = ptr.To[int64](1) }, "spec.securityContext.fsGroup=1"},
		{"host network", func(p *corev1.Pod) { p.Spec.HostNetwork = true }, "spec.hostNetwork true"},
		{"host aliases", func(p *corev1.Pod) { p.Spec.HostAliases = []corev1.HostAlias{{IP: "1.2.3.4"}} }, "spec.hostAliases="},
		{"ports", func(p *corev1.Pod) { p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}} }, "spec.containers[0].ports="},
		{"termination message policy", func(p *corev1.Pod) { p.Spec.Containers[0].TerminationMessagePolicy = "Other" }, `terminationMessagePolicy "Other"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := demoPod()
			c.change(p)
			got := strings.Join(refusals(p), "\n")
			if !strings.Contains(got, c.want) {
				t.Errorf("refusals %q, want one containing %q", got, c.want)
			}
		})
	}
}
