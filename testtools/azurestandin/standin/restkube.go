package standin

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// RESTKube is the real Kube: the API server's REST API through client-go's
// transport, with the credentials of a kubeconfig file.
type RESTKube struct {
	client *http.Client
	host   string
}

// NewRESTKube reads a kubeconfig file.
func NewRESTKube(kubeconfigPath string) (*RESTKube, error) {
	if kubeconfigPath == "" {
		return nil, fmt.Errorf("%s is not set: the emulated Service Connector needs the cluster's kubeconfig", EnvKubeconfig)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfigPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", kubeconfigPath, err)
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return &RESTKube{client: client, host: strings.TrimSuffix(cfg.Host, "/")}, nil
}

// ApplyServiceAccount implements Kube.
func (k *RESTKube) ApplyServiceAccount(ctx context.Context, namespace, name string, annotations map[string]string) error {
	meta := map[string]any{"name": name, "namespace": namespace, "annotations": annotations}
	return k.apply(ctx, namespace, "serviceaccounts", name,
		map[string]any{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta},
		map[string]any{"metadata": map[string]any{"annotations": annotations}})
}

// ApplySecret implements Kube.
func (k *RESTKube) ApplySecret(ctx context.Context, namespace, name string, data map[string]string) error {
	meta := map[string]any{"name": name, "namespace": namespace}
	return k.apply(ctx, namespace, "secrets", name,
		map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": meta, "stringData": data},
		map[string]any{"stringData": data})
}

// apply creates the object, or merge-patches it when it exists.
func (k *RESTKube) apply(ctx context.Context, namespace, plural, name string, obj, patch map[string]any) error {
	base := k.host + "/api/v1/namespaces/" + url.PathEscape(namespace) + "/" + plural
	code, body, err := k.do(ctx, http.MethodPost, base, "application/json", obj)
	if err != nil {
		return err
	}
	if code == http.StatusCreated || code == http.StatusOK {
		return nil
	}
	if code != http.StatusConflict {
		return fmt.Errorf("creating %s %s/%s: HTTP %d: %s", plural, namespace, name, code, body)
	}
	code, body, err = k.do(ctx, http.MethodPatch, base+"/"+url.PathEscape(name), "application/merge-patch+json", patch)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("updating %s %s/%s: HTTP %d: %s", plural, namespace, name, code, body)
	}
	return nil
}

func (k *RESTKube) do(ctx context.Context, method, u, contentType string, obj any) (int, string, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return 0, "", err
	}
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(data))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}
