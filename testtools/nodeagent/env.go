package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/validation"
)

// secretGetter reads a Secret the way the kubelet does (through the API
// server, which lets a node read only the secrets of its pods).
type secretGetter func(ctx context.Context, namespace, name string) (*corev1.Secret, error)

// containerEnv is the process environment of container c, as the kubelet
// builds it (pkg/kubelet/kubelet_pods.go, makeEnvironmentVariables): the
// service variables, then envFrom in order, then env in order, each later
// one overriding; $(VAR) in env values expands against what came before.
// The image's own variables come first and lose to all of these, as with a
// container runtime.
func containerEnv(ctx context.Context, pod *corev1.Pod, c *corev1.Container, services []corev1.Service, secret secretGetter, imageEnv []string) ([]string, error) {
	vars := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := vars[k]; !ok {
			order = append(order, k)
		}
		vars[k] = v
	}
	for _, kv := range imageEnv {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	for k, v := range serviceEnv(services) {
		set(k, v)
	}
	for _, from := range c.EnvFrom {
		if from.SecretRef == nil {
			return nil, fmt.Errorf("envFrom without secretRef is not supported here")
		}
		s, err := secret(ctx, pod.Namespace, from.SecretRef.Name)
		if apierrors.IsNotFound(err) && from.SecretRef.Optional != nil && *from.SecretRef.Optional {
			continue
		}
		if err != nil {
			if apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("secret %q not found", from.SecretRef.Name)
			}
			return nil, err
		}
		keys := make([]string, 0, len(s.Data))
		for k := range s.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			name := from.Prefix + k
			// The kubelet skips keys that are not valid variable names (with an event).
			if len(validation.IsEnvVarName(name)) > 0 {
				continue
			}
			set(name, string(s.Data[k]))
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			return nil, fmt.Errorf("env %s: valueFrom is not supported here", e.Name)
		}
		set(e.Name, expand(e.Value, vars))
	}
	out := make([]string, 0, len(order))
	for _, k := range order {
		out = append(out, k+"="+vars[k])
	}
	return out, nil
}

// expand replaces $(VAR) with VAR's value when it is defined, leaves it as
// is otherwise, and turns $$ into $, as Kubernetes does for env values,
// command and args (third_party/forked/golang/expansion).
func expand(s string, vars map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := vars[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString("$(" + name + ")")
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}

// serviceEnv are the docker-links style variables of services
// (pkg/kubelet/envvars): FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_PORT, ...
func serviceEnv(services []corev1.Service) map[string]string {
	out := map[string]string{}
	for _, svc := range services {
		ip := svc.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone || len(svc.Spec.Ports) == 0 {
			continue
		}
		name := strings.ToUpper(strings.ReplaceAll(svc.Name, "-", "_"))
		first := svc.Spec.Ports[0]
		out[name+"_SERVICE_HOST"] = ip
		out[name+"_SERVICE_PORT"] = strconv.Itoa(int(first.Port))
		out[name+"_PORT"] = fmt.Sprintf("%s://%s:%d", strings.ToLower(string(first.Protocol)), ip, first.Port)
		for _, p := range svc.Spec.Ports {
			if p.Name != "" {
				out[name+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_"))] = strconv.Itoa(int(p.Port))
			}
			proto := strings.ToUpper(string(p.Protocol))
			prefix := fmt.Sprintf("%s_PORT_%d_%s", name, p.Port, proto)
			out[prefix] = fmt.Sprintf("%s://%s:%d", strings.ToLower(proto), ip, p.Port)
			out[prefix+"_PROTO"] = strings.ToLower(proto)
			out[prefix+"_PORT"] = strconv.Itoa(int(p.Port))
			out[prefix+"_ADDR"] = ip
		}
	}
	return out
}

// expandArgs applies expand to command or args with the final environment.
func expandArgs(args []string, env []string) []string {
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = expand(a, vars)
	}
	return out
}
