package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// What this node honours, field by field, as they appear in the pod's JSON
// after the API server's defaulting. A field that is set and not listed
// here makes the pod fail with a reason naming it: a node that ignored it
// would pass a test that AKS fails. Fields that only steer the scheduler
// are accepted; so are resources (there are no cgroups here, see README).
var (
	podKeys = []string{
		"containers", "restartPolicy", "activeDeadlineSeconds", "serviceAccountName", "serviceAccount",
		"automountServiceAccountToken", "terminationGracePeriodSeconds", "securityContext", "volumes",
		"enableServiceLinks", "hostname", "imagePullSecrets",
		// Placement only: the scheduler's business, done before the pod is here.
		"nodeName", "schedulerName", "nodeSelector", "affinity", "tolerations", "priority",
		"priorityClassName", "preemptionPolicy", "topologySpreadConstraints",
		// The pod uses the node's resolver and network (see README): the default policy only.
		"dnsPolicy", "hostNetwork", "os",
	}
	podSecurityKeys       = []string{"runAsUser", "runAsGroup", "runAsNonRoot", "seccompProfile"}
	containerKeys         = []string{"name", "image", "imagePullPolicy", "command", "args", "workingDir", "env", "envFrom", "resources", "volumeMounts", "terminationMessagePath", "terminationMessagePolicy", "securityContext"}
	containerSecurityKeys = []string{"runAsUser", "runAsGroup", "runAsNonRoot", "readOnlyRootFilesystem", "allowPrivilegeEscalation", "privileged", "capabilities", "seccompProfile"}
	envKeys               = []string{"name", "value"}
	envFromKeys           = []string{"secretRef", "prefix"}
	volumeMountKeys       = []string{"name", "mountPath", "readOnly"}
	volumeKeys            = []string{"name", "projected"}
	projectedKeys         = []string{"sources", "defaultMode"}
	sourceKeys            = []string{"serviceAccountToken"}
)

// refusals lists every field of the pod this node does not honour, with
// the value that makes it matter; none means the pod can run here.
func refusals(pod *corev1.Pod) []string {
	raw, err := json.Marshal(pod.Spec)
	if err != nil {
		return []string{err.Error()}
	}
	var spec map[string]any
	if err := json.Unmarshal(raw, &spec); err != nil {
		return []string{err.Error()}
	}
	var out []string
	refuse := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	unknown(&out, "spec", spec, podKeys)

	if p := pod.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
		refuse("spec.restartPolicy %q (only Never: a pod runs once here)", p)
	}
	if pod.Spec.HostNetwork {
		refuse("spec.hostNetwork true")
	}
	if p := pod.Spec.DNSPolicy; p != "" && p != corev1.DNSClusterFirst {
		refuse("spec.dnsPolicy %q (only ClusterFirst)", p)
	}
	if o := pod.Spec.OS; o != nil && o.Name != corev1.Linux {
		refuse("spec.os.name %q", o.Name)
	}
	if sc, ok := spec["securityContext"].(map[string]any); ok {
		unknown(&out, "spec.securityContext", sc, podSecurityKeys)
	}
	if sc := pod.Spec.SecurityContext; sc != nil {
		seccomp(&out, "spec.securityContext", sc.SeccompProfile)
	}
	if n := len(pod.Spec.Containers); n != 1 {
		refuse("spec.containers: %d containers (only one)", n)
	}
	containers, _ := spec["containers"].([]any)
	for i, c := range containers {
		cm, _ := c.(map[string]any)
		at := fmt.Sprintf("spec.containers[%d]", i)
		unknown(&out, at, cm, containerKeys)
		for j, e := range list(cm["env"]) {
			unknown(&out, fmt.Sprintf("%s.env[%d]", at, j), e, envKeys)
		}
		for j, e := range list(cm["envFrom"]) {
			unknown(&out, fmt.Sprintf("%s.envFrom[%d]", at, j), e, envFromKeys)
		}
		for j, m := range list(cm["volumeMounts"]) {
			unknown(&out, fmt.Sprintf("%s.volumeMounts[%d]", at, j), m, volumeMountKeys)
		}
		if sc, ok := cm["securityContext"].(map[string]any); ok {
			unknown(&out, at+".securityContext", sc, containerSecurityKeys)
		}
	}
	for i, c := range pod.Spec.Containers {
		at := fmt.Sprintf("spec.containers[%d]", i)
		if p := c.TerminationMessagePolicy; p != "" && p != corev1.TerminationMessageReadFile && p != corev1.TerminationMessageFallbackToLogsOnError {
			refuse("%s.terminationMessagePolicy %q", at, p)
		}
		if sc := c.SecurityContext; sc != nil {
			if sc.Privileged != nil && *sc.Privileged {
				refuse("%s.securityContext.privileged true", at)
			}
			if sc.Capabilities != nil && len(sc.Capabilities.Add) > 0 {
				refuse("%s.securityContext.capabilities.add %v (processes here run without capabilities)", at, sc.Capabilities.Add)
			}
			seccomp(&out, at+".securityContext", sc.SeccompProfile)
		}
	}
	vols, _ := spec["volumes"].([]any)
	for i, v := range vols {
		vm, _ := v.(map[string]any)
		at := fmt.Sprintf("spec.volumes[%d]", i)
		unknown(&out, at, vm, volumeKeys)
		if p, ok := vm["projected"].(map[string]any); ok {
			unknown(&out, at+".projected", p, projectedKeys)
			for j, s := range list(p["sources"]) {
				unknown(&out, fmt.Sprintf("%s.projected.sources[%d]", at, j), s, sourceKeys)
			}
		}
	}
	return out
}

func seccomp(out *[]string, at string, p *corev1.SeccompProfile) {
	if p != nil && p.Type != corev1.SeccompProfileTypeRuntimeDefault && p.Type != corev1.SeccompProfileTypeUnconfined {
		*out = append(*out, fmt.Sprintf("%s.seccompProfile.type %q", at, p.Type))
	}
}

func list(v any) []map[string]any {
	var out []map[string]any
	items, _ := v.([]any)
	for _, it := range items {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

// unknown adds a refusal for each key of m that is not in allowed.
func unknown(out *[]string, at string, m map[string]any, allowed []string) {
	var keys []string
	for k := range m {
		if !slices.Contains(allowed, k) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		*out = append(*out, fmt.Sprintf("%s.%s=%s", at, k, truncate(string(v), 80)))
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// refusalMessage is the pod's status message for refusals.
func refusalMessage(r []string) string {
	return "this node runs pods as local processes and does not honour: " + strings.Join(r, "; ")
}
