package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	// Azure's programmatic region names: eastus2, swedencentral, ...
	locationPattern = regexp.MustCompile(`^[a-z][a-z0-9]{2,29}$`)
	// The prefix ends up inside a registry name (alphanumeric only) and an
	// OpenAI subdomain, so only lowercase letters and digits work in both.
	namePrefixPattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)
	vmSizePattern     = regexp.MustCompile(`^Standard_[A-Za-z][A-Za-z0-9_-]{1,40}$`)
	k8sVersionPattern = regexp.MustCompile(`^[1-9][0-9]*\.[0-9]+(\.[0-9]+)?$`)
	// Model names and versions as Azure lists them: gpt-4.1-mini, 2025-04-14.
	modelNamePattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)
	modelVersionPattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z.-]{0,31}$`)
	// Deployment names: letters, digits, '-', '_', '.', at most 64.
	deploymentNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$`)
	// A Kubernetes namespace is an RFC 1123 label.
	dnsLabelPattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	// An RFC 1123 subdomain: what service account and secret names must be.
	dnsSubdomainPattern = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	// What Service Connector accepts as a connection name: letters, digits,
	// '.' and '_' (Azure/azure-cli, serviceconnector/_validators.py,
	// validate_connection_name); the CLI itself generates names like
	// cognitiveservices_x1y2z.
	connectionNamePattern = regexp.MustCompile(`^[A-Za-z0-9._]+$`)
)

// Closed sets, from Azure's documentation and the azure-native schema.
var (
	deploymentSkus = []string{"Standard", "GlobalStandard", "DataZoneStandard", "ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged"}
	modelFormats   = []string{"OpenAI"}
	// The client types Service Connector supports for an Azure OpenAI
	// target (Learn, "Connect to Azure OpenAI Service using Service
	// Connector", supported authentication and client types); the
	// servicelinker enum has more, for other targets.
	clientTypes = []string{"none", "dotnet", "java", "nodejs", "python"}
	// A deployment's versionUpgradeOption (cognitiveservices
	// DeploymentProperties) and a cluster's autoUpgradeProfile.upgradeChannel
	// (containerservice ManagedClusterAutoUpgradeProfile), azure-native 2.92.0.
	versionUpgradeOptions = []string{"OnceNewDefaultVersionAvailable", "OnceCurrentVersionExpired", "NoAutoUpgrade"}
	aksUpgradeChannels    = []string{"patch", "stable", "rapid", "node-image", "none"}
	// autoUpgradeProfile.nodeOSUpgradeChannel, containerservice API
	// 2024-09-01 (Learn, "Auto-upgrade node OS images").
	aksNodeOSUpgradeChannels = []string{"NodeImage", "SecurityPatch", "Unmanaged", "None"}
)

// intRanges are the whole-number keys' allowed ranges.
var intRanges = map[string][2]int{
	"nodeCount":            {1, 100},
	"deploymentCapacity":   {1, 10000},
	"connectorWaitSeconds": {10, 1800},
	"demoDeadlineSeconds":  {60, 3600},
}

// armEndpointPattern: an https base URL without a path.
var armEndpointPattern = regexp.MustCompile(`^https://[A-Za-z0-9.-]+(:[0-9]+)?/?$`)

func (c *Config) validate(v *validator) {

	v.match("location", c.Location, locationPattern, "an Azure region's programmatic name in lowercase, such as eastus2 or swedencentral (`az account list-locations -o table`)")
	v.match("namePrefix", c.NamePrefix, namePrefixPattern, "2 to 10 lowercase letters or digits, starting with a letter")
	v.between("nodeCount", c.NodeCount)
	v.match("nodeVmSize", c.NodeVMSize, vmSizePattern, "an Azure VM size such as Standard_D2s_v5 (`az vm list-sizes -l <location>`)")
	if c.KubernetesVersion != "" {
		v.match("kubernetesVersion", c.KubernetesVersion, k8sVersionPattern, "empty (AKS's default) or a version such as 1.33 or 1.33.2 (`az aks get-versions -l <location>`)")
	}

	v.oneOf("aksUpgradeChannel", c.AKSUpgradeChannel, aksUpgradeChannels)
	v.oneOf("aksNodeOSUpgradeChannel", c.AKSNodeOSUpgradeChannel, aksNodeOSUpgradeChannels)
	c.validateVersionForChannel(v)

	v.match("modelName", c.Model.Name, modelNamePattern, "a model name in lowercase such as gpt-4.1-mini (`az cognitiveservices model list -l <location>`)")
	v.match("modelVersion", c.Model.Version, modelVersionPattern, "a model version such as 2025-04-14")
	v.oneOf("modelFormat", c.Model.Format, modelFormats)
	v.match("deploymentName", c.Model.DeploymentName, deploymentNamePattern, "2 to 64 letters, digits, '.', '-' or '_'")
	v.oneOf("deploymentSku", c.Model.SkuName, deploymentSkus)
	v.between("deploymentCapacity", c.Model.Capacity)
	v.oneOf("modelVersionUpgrade", c.Model.VersionUpgrade, versionUpgradeOptions)

	v.match("namespace", c.Namespace, dnsLabelPattern, "a Kubernetes namespace: lowercase letters, digits and '-', starting and ending alphanumeric")
	v.maxLen("namespace", c.Namespace, 63)
	v.match("connectionName", c.ConnectionName, connectionNamePattern, "what Service Connector accepts: letters, digits, '.' and '_'")
	// 61 is Service Connector's limit; the secret adds 10 characters, well under 253.
	v.maxLen("connectionName", c.ConnectionName, 61)
	// For a name that is not a Kubernetes name itself ('_', capitals),
	// how Service Connector names the secret is not documented anywhere we
	// could find, so the program does not guess: it asks for the name.
	if c.ConnectionMode == ModeServiceConnector && c.SecretName == "" && connectionNamePattern.MatchString(c.ConnectionName) &&
		!dnsSubdomainPattern.MatchString(secretNameFor(c.ConnectionName)) {
		v.fail("secretName", c.SecretName, fmt.Sprintf("the name of the secret Service Connector creates for connection %q (`kubectl get secrets -n %s`, the one starting sc-): for a connection name with '_' or capitals its naming is not documented, so the program does not derive it", c.ConnectionName, c.Namespace))
	}
	v.oneOf("clientType", c.ClientType, clientTypes)
	if c.ServiceAccountName != "" {
		v.match("serviceAccountName", c.ServiceAccountName, dnsSubdomainPattern, "empty (Service Connector's convention "+serviceAccountNameFor("<identity client id>")+") or a Kubernetes name: lowercase letters, digits, '-' and '.'")
		v.maxLen("serviceAccountName", c.ServiceAccountName, 253)
	}
	if c.SecretName != "" {
		v.match("secretName", c.SecretName, dnsSubdomainPattern, "empty (Service Connector's convention "+secretNameFor("<connectionName>")+") or a Kubernetes name: lowercase letters, digits, '-' and '.'")
		v.maxLen("secretName", c.SecretName, 253)
	}
	v.between("connectorWaitSeconds", c.ConnectorWaitSeconds)
	v.between("demoDeadlineSeconds", c.DemoDeadlineSeconds)
	v.oneOf("connectionMode", c.ConnectionMode, []string{ModeServiceConnector, ModeDirect})
	v.oneOf("registryPull", c.RegistryPull, []string{PullAnonymous, PullAcrPull})
	c.validateClusterAccess(v)
	v.match("armEndpoint", c.ARMEndpoint, armEndpointPattern, "Azure Resource Manager's https URL: https://management.azure.com, https://management.usgovcloudapi.net (Azure Government), https://management.chinacloudapi.cn (Azure China) or your Azure Stack's")
	c.validateAzure(v)

	// What is fine for trying the tutorial is not for production. The
	// check follows the production flag, not the stack's name.
	if c.Production {
		if c.RegistryPull == PullAnonymous {
			v.unsafe("registryPull", c.RegistryPull, "anonymous pull lets anyone who knows the registry's name pull its images; use acrPull")
		}
		if c.ClusterAccess == AccessLocalAccounts {
			v.unsafe("clusterAccess", c.ClusterAccess, "a local account's kubeconfig makes whoever may list the cluster's user credential cluster admin, the read-only preview identity included; use entra")
		}
		if c.NodeCount < 2 {
			v.unsafe("nodeCount", fmt.Sprint(c.NodeCount), "one node is a single point of failure for every workload; use at least 2")
		}
	}
}

type validator struct {
	project string
	errs    []error
	// skip holds keys already reported (a value of the wrong type).
	skip map[string]bool
}

func (v *validator) fail(key string, value any, allowed string) {
	if v.skip[key] {
		return
	}
	v.errs = append(v.errs, fmt.Errorf("config %s:%s: %q is not allowed; use %s", v.project, key, fmt.Sprint(value), allowed))
}

// unsafe reports a value that is valid but unsafe on a production stack.
func (v *validator) unsafe(key, value, why string) {
	if v.skip[key] {
		return
	}
	v.errs = append(v.errs, fmt.Errorf("config %s:%s: %q is unsafe on a production stack (%s:production is true): %s", v.project, key, value, v.project, why))
}

func (v *validator) match(key, value string, re *regexp.Regexp, allowed string) {
	if !re.MatchString(value) {
		v.fail(key, value, allowed)
	}
}

func (v *validator) maxLen(key, value string, n int) {
	if len(value) > n {
		v.fail(key, value, fmt.Sprintf("at most %d characters (it has %d)", n, len(value)))
	}
}

func (v *validator) between(key string, value int) {
	lo, hi := intRanges[key][0], intRanges[key][1]
	if value < lo || value > hi {
		v.fail(key, value, fmt.Sprintf("a whole number from %d to %d", lo, hi))
	}
}

func (v *validator) oneOf(key, value string, allowed []string) {
	if !slices.Contains(allowed, value) {
		v.fail(key, value, "one of "+strings.Join(allowed, ", "))
	}
}
