package kubeclient

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"aks-openai-workload-identity/k8s"
)

// ReadDemoAnswers is k8s.DemoAnswers on the cluster's API. The dynamic client
// reads the pods' status without linking the typed core API into the
// program.
func ReadDemoAnswers(ctx context.Context, kubeconfig, namespace string) ([]string, error) {
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(kubeconfig))
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's kubeconfig: %w", err)
	}
	cfg.Timeout = 10 * time.Second
	client, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	// The Job controller labels its pods with the Job's name.
	pods, err := client.Resource(coreV1.WithResource("pods")).Namespace(namespace).
		List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + k8s.DemoJobName})
	if err != nil {
		return nil, err
	}
	return podAnswers(pods.Items), nil
}

// podAnswers are the terminated containers of pods, oldest pod first.
func podAnswers(pods []unstructured.Unstructured) []string {
	sort.Slice(pods, func(i, j int) bool {
		return pods[i].GetCreationTimestamp().Time.Before(pods[j].GetCreationTimestamp().Time)
	})
	var out []string
	for _, pod := range pods {
		statuses, _, _ := unstructured.NestedSlice(pod.Object, "status", "containerStatuses")
		for _, s := range statuses {
			status, _ := s.(map[string]any)
			ended, found, _ := unstructured.NestedMap(status, "state", "terminated")
			if !found {
				continue
			}
			code, _, _ := unstructured.NestedInt64(ended, "exitCode")
			message, _, _ := unstructured.NestedString(ended, "message")
			out = append(out, fmt.Sprintf("pod %s exited with code %d: %s", pod.GetName(), code, strings.TrimSpace(message)))
		}
	}
	return out
}
