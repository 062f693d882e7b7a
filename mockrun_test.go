package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"aks-openai-workload-identity/kubeclient"
	"aks-openai-workload-identity/testtools/azurestandin/arm"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
	"aks-openai-workload-identity/testtools/mocks"
)

// fakeARM is the stand-in's ARM read API with its built-in catalog, on a
// TLS server shared by the tests.
var fakeARM = sync.OnceValue(func() *httptest.Server {
	dir, err := os.MkdirTemp("", "fake-arm-")
	if err != nil {
		panic(err)
	}
	return httptest.NewTLSServer(&arm.Handler{Store: standin.Store{Dir: dir}})
})

// stackConfig is what `pulumi up` hands the program for a stack: the
// defaults of Pulumi.yaml's config block, overlaid by Pulumi.<stack>.yaml.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	var project struct {
		Name   string
		Config map[string]struct {
			Type        string
			Default     any
			Description string
		}
	}
	readYAML(t, "Pulumi.yaml", &project)
	cfg := map[string]string{}
	for key, spec := range project.Config {
		if spec.Description == "" || spec.Type == "" {
			t.Errorf("Pulumi.yaml config %s lacks a type or description", key)
		}
		cfg[key] = yamlScalar(spec.Default)
	}
	var st struct{ Config map[string]any }
	readYAML(t, "Pulumi."+stack+".yaml", &st)
	for key, v := range st.Config {
		name, ok := strings.CutPrefix(key, project.Name+":")
		if !ok {
			t.Fatalf("Pulumi.%s.yaml key %s is not in the project's namespace", stack, key)
		}
		if _, known := project.Config[name]; !known {
			t.Fatalf("Pulumi.%s.yaml sets %s, which Pulumi.yaml does not declare", stack, key)
		}
		cfg[name] = yamlScalar(v)
	}
	return cfg
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func yamlScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// run runs the real program under the mocks, with a recorder in place of
// the wait on Service Connector's objects, and resolves every output.
type run struct {
	resolved map[string]any
	secret   map[string]bool
	mu       sync.Mutex
	waits    []kubeclient.ServiceConnectorObjects
}

func (r *run) waitCalls() []kubeclient.ServiceConnectorObjects {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]kubeclient.ServiceConnectorObjects(nil), r.waits...)
}

func runProgram(t *testing.T, m *mocks.Mocks, cfg map[string]string) (*run, error) {
	t.Helper()
	r := &run{}
	return r, r.program(t, m, cfg)
}

// program runs the program, recording into r.
func (r *run) program(t *testing.T, m *mocks.Mocks, cfg map[string]string) error {
	t.Helper()
	r.resolved, r.secret = map[string]any{}, map[string]bool{}
	opts := options{appDir: "demo", waitForObjects: func(_ context.Context, w kubeclient.ServiceConnectorObjects) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.waits = append(r.waits, w)
		return nil
	}, armClient: fakeARM().Client(), kubeTokenDir: t.TempDir()}
	// The preflight reads the stand-in's ARM API, unless the test points
	// it elsewhere.
	// There, as in the suite, azure-native's cloud is the stand-in's
	// (metadataHost), so the token may go there.
	if cfg["armEndpoint"] == "https://management.azure.com" {
		cfg["armEndpoint"] = fakeARM().URL
		if _, set := cfg["azure-native:metadataHost"]; !set {
			cfg["azure-native:metadataHost"] = strings.TrimPrefix(fakeARM().URL, "https://")
		}
	}
	err := mocks.Run(m, cfg, func(ctx *pulumi.Context) error {
		out, err := deploy(ctx, opts)
		if err != nil {
			return err
		}
		for name, v := range out {
			res := mocks.Await(t, ctx, v.(pulumi.Output))
			r.resolved[name], r.secret[name] = res.Value, res.Secret
		}
		return nil
	})
	return err
}
