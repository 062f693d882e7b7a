// Package config loads the stack's settings into one typed struct and
// validates every value before the program declares a single resource.
package config

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	pconfig "github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

// Config is every setting the program reads. Defaults live in Pulumi.yaml's
// config block, not here, so `pulumi config` and the README show the same
// values the program uses.
type Config struct {
	// Location is the Azure region of every resource.
	Location string
	// NamePrefix starts the globally unique names (registry, OpenAI subdomain).
	NamePrefix string

	// NodeCount and NodeVMSize size the cluster's single system node pool.
	NodeCount  int
	NodeVMSize string
	// KubernetesVersion pins the AKS version; empty takes AKS's default.
	KubernetesVersion string

	// Model describes the Azure OpenAI model deployment.
	Model Model

	// Namespace is the Kubernetes namespace of the connection and the demo.
	Namespace string
	// ConnectionName names the Service Connector link.
	ConnectionName string
	// ClientType is the Service Connector client type (the CLI's default is none).
	ClientType string
	// ServiceAccountName and SecretName override the names Service Connector
	// is expected to create; empty means the observed convention.
	ServiceAccountName string
	SecretName         string
	// ConnectorWaitSeconds bounds the wait for Service Connector's service
	// account and secret to appear in the cluster.
	ConnectorWaitSeconds int
	// DemoDeadlineSeconds bounds the demo Job's whole run, retries included.
	DemoDeadlineSeconds int

	// ConnectionMode is how the workload gets its identity and access:
	// Service Connector (the tutorial) or direct, all in Pulumi state.
	ConnectionMode string
	// RegistryPull is how the cluster pulls the demo image: anonymously
	// (the tutorial) or with the AcrPull role on the kubelet identity.
	RegistryPull string
	// Production marks a stack that must not use the tutorial's shortcuts.
	Production bool
}

// Connection modes and registry pull paths.
const (
	ModeServiceConnector = "serviceConnector"
	ModeDirect           = "direct"
	PullAnonymous        = "anonymous"
	PullAcrPull          = "acrPull"
)

// Model is the Azure OpenAI model deployment.
type Model struct {
	Name           string
	Version        string
	Format         string
	DeploymentName string
	SkuName        string
	// Capacity is in units of 1,000 tokens per minute.
	Capacity int
}

// Load reads the project's config namespace and validates it. All problems
// are reported at once, one line each, so a user fixes them in one pass.
func Load(ctx *pulumi.Context) (*Config, error) {
	r := reader{cfg: pconfig.New(ctx, "")}
	c := &Config{
		Location:          r.str("location"),
		NamePrefix:        r.str("namePrefix"),
		NodeCount:         r.integer("nodeCount"),
		NodeVMSize:        r.str("nodeVmSize"),
		KubernetesVersion: r.optional("kubernetesVersion"),
		Model: Model{
			Name:           r.str("modelName"),
			Version:        r.str("modelVersion"),
			Format:         r.str("modelFormat"),
			DeploymentName: r.str("deploymentName"),
			SkuName:        r.str("deploymentSku"),
			Capacity:       r.integer("deploymentCapacity"),
		},
		Namespace:            r.str("namespace"),
		ConnectionName:       r.str("connectionName"),
		ClientType:           r.str("clientType"),
		ServiceAccountName:   r.optional("serviceAccountName"),
		SecretName:           r.optional("secretName"),
		ConnectorWaitSeconds: r.integer("connectorWaitSeconds"),
		DemoDeadlineSeconds:  r.integer("demoDeadlineSeconds"),
		ConnectionMode:       r.str("connectionMode"),
		RegistryPull:         r.str("registryPull"),
		Production:           r.boolean("production"),
	}
	if len(r.errs) > 0 {
		return nil, errors.Join(r.errs...)
	}
	if err := c.Validate(ctx.Project()); err != nil {
		return nil, err
	}
	return c, nil
}

// reader collects read errors so Load reports every missing key together.
type reader struct {
	cfg  *pconfig.Config
	errs []error
}

func (r *reader) str(key string) string {
	v, err := r.cfg.Try(key)
	if err != nil || v == "" {
		r.errs = append(r.errs, fmt.Errorf("config %s: missing; its default lives in Pulumi.yaml's config block (was the project file edited?)", key))
	}
	return v
}

func (r *reader) optional(key string) string {
	return r.cfg.Get(key)
}

func (r *reader) boolean(key string) bool {
	raw := r.str(key)
	if raw == "" {
		return false
	}
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("config %s: %q is not true or false", key, raw))
	}
	return b
}

func (r *reader) integer(key string) int {
	raw := r.str(key)
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("config %s: %q is not a whole number", key, raw))
	}
	return n
}
