package k8s

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ConnectorObjects names what Service Connector is expected to create in
// the cluster, and how to override each name when the guess is wrong.
type ConnectorObjects struct {
	Kubeconfig     string
	Namespace      string
	ServiceAccount string
	Secret         string
	// Timeout bounds the whole wait; ConfigPrefix names the config keys in
	// the error ("aks-openai-workload-identity:").
	Timeout      time.Duration
	ConfigPrefix string
}

// ConnectorCheck waits until Service Connector's objects exist.
type ConnectorCheck func(ctx context.Context, want ConnectorObjects) error

// pollInterval is how often WaitForConnectorObjects asks the API server.
var pollInterval = 3 * time.Second

// WaitForConnectorObjects polls the API server until the service account
// and the secret exist. Service Connector creates them asynchronously after
// the link reports success, and a workload started before them would sit in
// Pending until Pulumi's 10-minute timeout with no reason given. A wrong
// guess at their names fails here instead, within the timeout, naming the
// expected object, what Service Connector did create, and the config key to
// set.
func WaitForConnectorObjects(ctx context.Context, want ConnectorObjects) error {
	cfg, err := clientcmd.RESTConfigFromKubeConfig([]byte(want.Kubeconfig))
	if err != nil {
		return fmt.Errorf("reading the cluster's kubeconfig: %w", err)
	}
	client, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return fmt.Errorf("building a client from the cluster's kubeconfig: %w", err)
	}
	api := apiClient{client: client, base: strings.TrimSuffix(cfg.Host, "/") + "/api/v1/namespaces/" + url.PathEscape(want.Namespace)}

	ctx, cancel := context.WithTimeout(ctx, want.Timeout)
	defer cancel()
	objects := []struct{ kind, name, key string }{
		{"serviceaccounts", want.ServiceAccount, "serviceAccountName"},
		{"secrets", want.Secret, "secretName"},
	}
	for _, o := range objects {
		for {
			found, err := api.exists(ctx, o.kind, o.name)
			if err != nil && !errors.Is(err, errTransient) {
				return err
			}
			if found {
				break
			}
			select {
			case <-ctx.Done():
				others, _ := api.list(context.Background(), o.kind, "sc-")
				return missingError(want, o.kind, o.name, o.key, others)
			case <-time.After(pollInterval):
			}
		}
	}
	return nil
}

func missingError(want ConnectorObjects, kind, name, key string, others []string) error {
	noun := strings.TrimSuffix(kind, "s")
	if noun == "serviceaccount" {
		noun = "service account"
	}
	found := "none whose name starts with sc-"
	if len(others) > 0 {
		found = strings.Join(others, ", ")
	}
	return fmt.Errorf("Service Connector's %s %q did not appear in namespace %q within %s "+
		"(found: %s). The name is Service Connector's observed convention, not a contract: "+
		"if it created the %s under another name, run `pulumi config set %s%s <name>`; "+
		"if it is slow, raise %sconnectorWaitSeconds; check the connection with `az aks connection list`",
		noun, name, want.Namespace, want.Timeout, found, noun, want.ConfigPrefix, key, want.ConfigPrefix)
}

var errTransient = errors.New("transient")

type apiClient struct {
	client *http.Client
	base   string
}

func (a apiClient) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", errTransient, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	return resp.StatusCode, body, err
}

func (a apiClient) exists(ctx context.Context, kind, name string) (bool, error) {
	code, body, err := a.get(ctx, "/"+kind+"/"+url.PathEscape(name))
	switch {
	case err != nil:
		return false, err
	case code == http.StatusOK:
		return true, nil
	case code == http.StatusNotFound:
		return false, nil
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return false, fmt.Errorf("the cluster refused to read %s/%s with the user kubeconfig (HTTP %d): %s", kind, name, code, strings.TrimSpace(string(body)))
	default:
		return false, fmt.Errorf("%w: HTTP %d", errTransient, code)
	}
}

// list returns the names of kind in the namespace that start with prefix,
// to show the user what Service Connector did create.
func (a apiClient) list(ctx context.Context, kind, prefix string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	code, body, err := a.get(ctx, "/"+kind)
	if err != nil || code != http.StatusOK {
		return nil, fmt.Errorf("listing %s: HTTP %d: %v", kind, code, err)
	}
	var list struct {
		Items []struct {
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, err
	}
	var names []string
	for _, it := range list.Items {
		if strings.HasPrefix(it.Metadata.Name, prefix) {
			names = append(names, it.Metadata.Name)
		}
	}
	sort.Strings(names)
	return names, nil
}
