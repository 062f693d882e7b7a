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
	// AKSUpgradeChannel is the cluster's auto-upgrade channel: how AKS
	// moves its Kubernetes version by itself.
	AKSUpgradeChannel string
	// AKSNodeOSUpgradeChannel is how AKS updates the nodes' OS image by
	// itself, apart from the Kubernetes version.
	AKSNodeOSUpgradeChannel string

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
	// ClusterAccess is how identities sign in to the cluster's API: the
	// tutorial's local accounts, or Entra only with Azure RBAC.
	ClusterAccess string

	// Preflight turns on the checks against Azure before any change
	// (package preflight); off for air-gapped runs.
	Preflight bool
	// ARMEndpoint is Azure Resource Manager's base URL, where the
	// preflight reads: the public cloud's, a sovereign cloud's, or Azure
	// Stack's.
	ARMEndpoint string

	// Azure is the stack's azure-native:* config, for the explicit provider.
	Azure AzureNative
}

// Connection modes and registry pull paths.
const (
	ModeServiceConnector = "serviceConnector"
	ModeDirect           = "direct"
	PullAnonymous        = "anonymous"
	PullAcrPull          = "acrPull"
	AccessLocalAccounts  = "localAccounts"
	AccessEntra          = "entra"
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
	// VersionUpgrade is the deployment's versionUpgradeOption: when Azure
	// moves the model to a newer version by itself.
	VersionUpgrade string
}

// Load reads the project's config namespace and validates it. All problems
// are reported at once, one line each, so a user fixes them in one pass,
// and each in the same form: key with the project, value, what is allowed.
func Load(ctx *pulumi.Context) (*Config, error) {
	r := reader{cfg: pconfig.New(ctx, ""), v: validator{project: ctx.Project(), skip: map[string]bool{}}}
	c := &Config{
		Location:                r.str("location"),
		NamePrefix:              r.str("namePrefix"),
		NodeCount:               r.integer("nodeCount"),
		NodeVMSize:              r.str("nodeVmSize"),
		KubernetesVersion:       r.str("kubernetesVersion"),
		AKSUpgradeChannel:       r.str("aksUpgradeChannel"),
		AKSNodeOSUpgradeChannel: r.str("aksNodeOSUpgradeChannel"),
		Model: Model{
			Name:           r.str("modelName"),
			Version:        r.str("modelVersion"),
			Format:         r.str("modelFormat"),
			DeploymentName: r.str("deploymentName"),
			SkuName:        r.str("deploymentSku"),
			Capacity:       r.integer("deploymentCapacity"),
			VersionUpgrade: r.str("modelVersionUpgrade"),
		},
		Namespace:            r.str("namespace"),
		ConnectionName:       r.str("connectionName"),
		ClientType:           r.str("clientType"),
		ServiceAccountName:   r.str("serviceAccountName"),
		SecretName:           r.str("secretName"),
		ConnectorWaitSeconds: r.integer("connectorWaitSeconds"),
		DemoDeadlineSeconds:  r.integer("demoDeadlineSeconds"),
		ConnectionMode:       r.str("connectionMode"),
		RegistryPull:         r.str("registryPull"),
		Production:           r.boolean("production"),
		ClusterAccess:        r.str("clusterAccess"),
		Preflight:            r.boolean("preflight"),
		ARMEndpoint:          r.str("armEndpoint"),
	}
	c.Azure = loadAzureNative(ctx, &r.v.errs)
	// The values that did not parse are reported once, by the reader.
	c.validate(&r.v)
	return c, errors.Join(r.v.errs...)
}

// reader reads raw values; a value of the wrong type is reported in the
// validator's form, and its key is then skipped by validation.
type reader struct {
	cfg *pconfig.Config
	v   validator
}

// str reads a string. Empty, whether set so or missing, is a value like
// any other: validation says what is allowed.
func (r *reader) str(key string) string {
	return r.cfg.Get(key)
}

func (r *reader) boolean(key string) bool {
	raw := r.cfg.Get(key)
	b, err := strconv.ParseBool(raw)
	if err != nil {
		r.v.fail(key, raw, "true or false")
		r.v.skip[key] = true
	}
	return b
}

func (r *reader) integer(key string) int {
	raw := r.cfg.Get(key)
	n, err := strconv.Atoi(raw)
	if err != nil {
		lo, hi := intRanges[key][0], intRanges[key][1]
		r.v.fail(key, raw, fmt.Sprintf("a whole number from %d to %d", lo, hi))
		r.v.skip[key] = true
	}
	return n
}
