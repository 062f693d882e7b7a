package standin

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// kind is how the stand-in treats one resource type.
type kind struct {
	short  string
	tokens []string
	// nameKey is the input that names the resource; Check auto-names it.
	nameKey string
	// armType is the ARM resource type, reported as the "type" output.
	armType string
	// namePattern and nameRule check nameKey (nil: any non-empty name).
	namePattern *regexp.Regexp
	nameRule    string
	// guidName auto-names with a GUID instead of <logical name><hex>.
	guidName bool
	// replace lists the inputs (top-level keys or dotted paths) Azure
	// cannot change in place.
	replace []string
	// previewUnknown lists dotted outputs unknown until created;
	// rerun lists outputs that change on every update.
	previewUnknown []string
	rerun          []string
	// id is the ARM id; every name in it is known when called.
	id func(in resource.PropertyMap) string
	// idKeys are the inputs id needs.
	idKeys []string
	// parent is the ARM id of the resource that must exist first, and the
	// error when it does not ("" when only the resource group matters).
	parent func(in resource.PropertyMap) (string, *ARMError)
	// check adds static rules (Check failures) beyond the schema.
	check func(in resource.PropertyMap) []Failure
	// apply enforces what ARM checks against existing resources and sets the
	// computed outputs; c.out already holds the inputs that are outputs.
	apply func(c *op) error
}

// op is one Create or Update being applied to the state.
type op struct {
	p    *Provider
	k    *kind
	st   *State
	in   resource.PropertyMap
	out  resource.PropertyMap
	old  *Object
	id   string
	name string
	urn  string
	now  time.Time
	// after runs once the operation ends, after the type's latency
	// (Service Connector's cluster work).
	after []func()
	// initFailed makes the operation fail after being recorded, as an ACR
	// run that ends Failed does.
	initFailed error
	// busyUntil is stored with the object (a cluster's background operation).
	busyUntil time.Time
}

var (
	guidPattern      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	subdomainPattern = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}[a-zA-Z0-9]$`)
	dnsPrefixPattern = regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$`)
	poolNamePattern  = regexp.MustCompile(`^[a-z][a-z0-9]{0,11}$`)
	roleDefPattern   = regexp.MustCompile(`^(/subscriptions/[^/]+)?/providers/Microsoft\.Authorization/roleDefinitions/([0-9a-fA-F-]{36})$`)
	deploymentSkus   = []string{"Standard", "GlobalStandard", "DataZoneStandard", "ProvisionedManaged", "GlobalProvisionedManaged", "DataZoneProvisionedManaged", "GlobalBatch", "DataZoneBatch", "DeveloperTier"}
)

// AKS's version when none is requested, and the patch a <major.minor>
// request resolves to (the stand-in's catalog has one of each).
const (
	defaultKubernetesVersion = "1.33.2"
	latestPatch              = "2"
)

var kinds = map[string]*kind{}

func register(k *kind) {
	for _, t := range k.tokens {
		kinds[t] = k
	}
}

func init() {
	register(&kind{
		short: "ResourceGroup", tokens: []string{"azure-native:resources:ResourceGroup"},
		nameKey: "resourceGroupName", armType: "Microsoft.Resources/resourceGroups",
		namePattern: regexp.MustCompile(`^[-\w._()]{1,89}[-\w_()]$|^[-\w_()]$`),
		nameRule:    "1 to 90 letters, digits, '_', '-', '.', '(' or ')', not ending in '.'",
		replace:     []string{"resourceGroupName", "location"},
		id:          func(in resource.PropertyMap) string { return rgID(gets(in, "resourceGroupName")) },
		idKeys:      []string{"resourceGroupName"},
		check: func(in resource.PropertyMap) []Failure {
			if getv(in, "location").IsNull() {
				return []Failure{{"location", "missing required property 'location' (a resource group needs a region; set it or the provider's location)"}}
			}
			return nil
		},
		apply: func(c *op) error {
			c.out["properties"] = resource.NewObjectProperty(resource.PropertyMap{"provisioningState": str("Succeeded")})
			return nil
		},
	})

	register(&kind{
		short: "ManagedCluster", tokens: []string{"azure-native:containerservice:ManagedCluster", "azure-native:containerservice/v20240901:ManagedCluster"},
		nameKey: "resourceName", armType: "Microsoft.ContainerService/managedClusters",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$`),
		nameRule:    "1 to 63 letters, digits, '-' or '_', starting and ending with a letter or digit",
		replace:     []string{"resourceName", "resourceGroupName", "location", "dnsPrefix", "fqdnSubdomain", "nodeResourceGroup"},
		previewUnknown: []string{"fqdn", "azurePortalFQDN", "provisioningState", "powerState", "currentKubernetesVersion",
			"nodeResourceGroup", "identityProfile", "identity.principalId", "identity.tenantId", "oidcIssuerProfile.issuerURL", "maxAgentPools"},
		id:     inRG("Microsoft.ContainerService/managedClusters", "resourceName"),
		idKeys: []string{"resourceGroupName", "resourceName"},
		check:  checkCluster,
		apply:  applyCluster,
	})

	register(&kind{
		short: "UserAssignedIdentity", tokens: []string{"azure-native:managedidentity:UserAssignedIdentity"},
		nameKey: "resourceName", armType: "Microsoft.ManagedIdentity/userAssignedIdentities",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$`),
		nameRule:       "3 to 128 letters, digits, '-' or '_', starting with a letter or digit",
		replace:        []string{"resourceName", "resourceGroupName", "location"},
		previewUnknown: []string{"clientId", "principalId", "tenantId"},
		id:             inRG("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName"),
		idKeys:         []string{"resourceGroupName", "resourceName"},
		apply: func(c *op) error {
			c.out["clientId"] = str(keepOr(c.old, "clientId", newGUID))
			c.out["principalId"] = str(keepOr(c.old, "principalId", newGUID))
			c.out["tenantId"] = str(TenantID)
			return nil
		},
	})

	register(&kind{
		short: "FederatedIdentityCredential", tokens: []string{"azure-native:managedidentity:FederatedIdentityCredential"},
		nameKey: "federatedIdentityCredentialResourceName", armType: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$`),
		nameRule:    "3 to 120 letters, digits, '-' or '_', starting with a letter or digit",
		replace:     []string{"federatedIdentityCredentialResourceName", "resourceName", "resourceGroupName"},
		id: func(in resource.PropertyMap) string {
			return inRG("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName")(in) +
				"/federatedIdentityCredentials/" + gets(in, "federatedIdentityCredentialResourceName")
		},
		idKeys: []string{"resourceGroupName", "resourceName", "federatedIdentityCredentialResourceName"},
		parent: func(in resource.PropertyMap) (string, *ARMError) {
			id := inRG("Microsoft.ManagedIdentity/userAssignedIdentities", "resourceName")(in)
			return id, parentNotFound(id)
		},
		check: checkFIC,
		apply: applyFIC,
	})

	register(&kind{
		short: "Account", tokens: []string{"azure-native:cognitiveservices:Account"},
		nameKey: "accountName", armType: "Microsoft.CognitiveServices/accounts",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$`),
		nameRule:       "2 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
		replace:        []string{"accountName", "resourceGroupName", "location"},
		previewUnknown: []string{"properties.endpoint", "properties.endpoints", "properties.provisioningState", "properties.dateCreated", "properties.internalId", "etag"},
		id:             inRG("Microsoft.CognitiveServices/accounts", "accountName"),
		idKeys:         []string{"resourceGroupName", "accountName"},
		check:          checkAccount,
		apply:          applyAccount,
	})

	register(&kind{
		short: "Deployment", tokens: []string{"azure-native:cognitiveservices:Deployment"},
		nameKey: "deploymentName", armType: "Microsoft.CognitiveServices/accounts/deployments",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{1,63}$`),
		nameRule:       "2 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit",
		replace:        []string{"deploymentName", "accountName", "resourceGroupName"},
		previewUnknown: []string{"properties.provisioningState", "etag"},
		id: func(in resource.PropertyMap) string {
			return inRG("Microsoft.CognitiveServices/accounts", "accountName")(in) + "/deployments/" + gets(in, "deploymentName")
		},
		idKeys: []string{"resourceGroupName", "accountName", "deploymentName"},
		parent: func(in resource.PropertyMap) (string, *ARMError) {
			id := inRG("Microsoft.CognitiveServices/accounts", "accountName")(in)
			return id, parentNotFound(id)
		},
		check: checkDeployment,
		apply: func(c *op) error {
			account, _ := c.k.parent(c.in)
			if err := accountProvisioned(c, c.st.Get(account)); err != nil {
				return err
			}
			if sku := gets(c.in, "sku.name"); !slices.Contains(deploymentSkus, sku) {
				return armErr(400, "InvalidResourceProperties", "The specified SKU '%s' for model deployment '%s' is not supported in this region '%s'.", sku, c.name, c.p.location)
			}
			if err := c.p.deploymentOffered(c); err != nil {
				return err
			}
			setv(c.out, "properties.provisioningState", str("Succeeded"))
			setv(c.out, "properties.capabilities", resource.NewObjectProperty(resource.PropertyMap{"chatCompletion": str("true")}))
			c.out["etag"] = str(`"` + newGUID() + `"`)
			return nil
		},
	})

	registry := &kind{
		short: "Registry", tokens: []string{"azure-native:containerregistry:Registry", "azure-native:containerregistry/v20230101preview:Registry"},
		nameKey: "registryName", armType: "Microsoft.ContainerRegistry/registries",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`),
		nameRule:       "5 to 50 letters or digits",
		replace:        []string{"registryName", "resourceGroupName", "location"},
		previewUnknown: []string{"loginServer", "provisioningState", "creationDate", "status"},
		id:             inRG("Microsoft.ContainerRegistry/registries", "registryName"),
		idKeys:         []string{"resourceGroupName", "registryName"},
		check:          checkRegistry,
		apply:          applyRegistry,
	}
	register(registry)

	register(&kind{
		short: "TaskRun", tokens: []string{"azure-native:containerregistry:TaskRun"},
		nameKey: "taskRunName", armType: "Microsoft.ContainerRegistry/registries/taskRuns",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9_-]{5,50}$`),
		nameRule:       "5 to 50 letters, digits, '-' or '_'",
		replace:        []string{"taskRunName", "registryName", "resourceGroupName", "location"},
		previewUnknown: []string{"runResult", "provisioningState"},
		rerun:          []string{"runResult"},
		id: func(in resource.PropertyMap) string {
			return inRG("Microsoft.ContainerRegistry/registries", "registryName")(in) + "/taskRuns/" + gets(in, "taskRunName")
		},
		idKeys: []string{"resourceGroupName", "registryName", "taskRunName"},
		parent: func(in resource.PropertyMap) (string, *ARMError) {
			id := inRG("Microsoft.ContainerRegistry/registries", "registryName")(in)
			return id, parentNotFound(id)
		},
		apply: applyTaskRun,
	})

	register(&kind{
		short: "RoleAssignment", tokens: []string{"azure-native:authorization:RoleAssignment"},
		nameKey: "roleAssignmentName", armType: "Microsoft.Authorization/roleAssignments",
		namePattern:    guidPattern,
		nameRule:       "a GUID",
		guidName:       true,
		replace:        []string{"roleAssignmentName", "scope", "principalId"},
		previewUnknown: []string{"createdOn", "updatedOn", "createdBy", "updatedBy", "principalType"},
		id: func(in resource.PropertyMap) string {
			return strings.TrimSuffix(gets(in, "scope"), "/") + "/providers/Microsoft.Authorization/roleAssignments/" + gets(in, "roleAssignmentName")
		},
		idKeys: []string{"scope", "roleAssignmentName"},
		check: func(in resource.PropertyMap) []Failure {
			if s := gets(in, "scope"); s != "" && !strings.HasPrefix(s, "/") {
				return []Failure{{"scope", fmt.Sprintf("'scope' is '%s' but must be an ARM id starting with '/'", s)}}
			}
			return nil
		},
		apply: applyRoleAssignment,
	})

	register(&kind{
		short: "Linker", tokens: []string{"azure-native:servicelinker:Linker"},
		nameKey: "linkerName", armType: "Microsoft.ServiceLinker/linkers",
		namePattern:    regexp.MustCompile(`^[a-zA-Z0-9._]+$`),
		nameRule:       "letters, digits, '.' or '_'",
		replace:        []string{"linkerName", "resourceUri"},
		previewUnknown: []string{"provisioningState"},
		id: func(in resource.PropertyMap) string {
			return strings.TrimSuffix(gets(in, "resourceUri"), "/") + "/providers/Microsoft.ServiceLinker/linkers/" + gets(in, "linkerName")
		},
		idKeys: []string{"resourceUri", "linkerName"},
		parent: func(in resource.PropertyMap) (string, *ARMError) {
			id := gets(in, "resourceUri")
			return id, notFound(id)
		},
		check: checkLinker,
		apply: applyLinker,
	})
}
