package standin

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
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
	check func(p *Provider, in resource.PropertyMap) []Failure
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

func rgID(rg string) string {
	return "/subscriptions/" + Subscription() + "/resourceGroups/" + rg
}

func inRG(armType, nameKey string) func(resource.PropertyMap) string {
	return func(in resource.PropertyMap) string {
		return rgID(gets(in, "resourceGroupName")) + "/providers/" + armType + "/" + gets(in, nameKey)
	}
}

func notFound(id string) *ARMError {
	typ, name, rg := describeID(id)
	return armErr(404, "ResourceNotFound", "The Resource '%s/%s' under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", typ, name, rg)
}

func parentNotFound(id string) *ARMError {
	_, name, _ := describeID(id)
	return armErr(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. Parent resource '%s' not found.", name)
}

// describeID splits an ARM id into "Provider/type", name and resource group.
func describeID(id string) (typ, name, rg string) {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			rg = parts[i+1]
		}
		if strings.EqualFold(parts[i], "providers") && i+3 < len(parts) {
			typ = parts[i+1] + "/" + parts[i+2]
		}
	}
	if len(parts) > 0 {
		name = parts[len(parts)-1]
	}
	return typ, name, rg
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
		check: func(p *Provider, in resource.PropertyMap) []Failure {
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
		check: func(p *Provider, in resource.PropertyMap) []Failure {
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

// --- ManagedCluster -------------------------------------------------------

func checkCluster(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	if v := getv(in, "dnsPrefix"); v.IsString() && !dnsPrefixPattern.MatchString(v.StringValue()) {
		fs = append(fs, Failure{"dnsPrefix", fmt.Sprintf("'dnsPrefix' is '%s' but must be 1 to 54 letters, digits or '-', starting and ending with a letter or digit", v.StringValue())})
	}
	pools := getv(in, "agentPoolProfiles")
	if pools.IsArray() {
		for i, pool := range pools.ArrayValue() {
			pool = unwrap(pool)
			if !pool.IsObject() {
				continue
			}
			pm := pool.ObjectValue()
			if n := getv(pm, "name"); n.IsString() && !poolNamePattern.MatchString(n.StringValue()) {
				fs = append(fs, Failure{fmt.Sprintf("agentPoolProfiles[%d].name", i), fmt.Sprintf("'agentPoolProfiles[%d].name' is '%s' but must be 1 to 12 lowercase letters or digits, starting with a letter", i, n.StringValue())})
			}
			if c := getv(pm, "count"); c.IsNumber() && (c.NumberValue() < 0 || c.NumberValue() > 1000) {
				fs = append(fs, Failure{fmt.Sprintf("agentPoolProfiles[%d].count", i), fmt.Sprintf("'agentPoolProfiles[%d].count' is %v but must be from 0 to 1000", i, c.NumberValue())})
			}
		}
	}
	return fs
}

func applyCluster(c *op) error {
	in := c.in
	pools := getv(in, "agentPoolProfiles")
	if !pools.IsArray() || len(pools.ArrayValue()) == 0 {
		return armErr(400, "InvalidParameter", "Provisioning of resource(s) for container service %s in resource group %s failed. Message: A managed cluster must have at least one agent pool: define one inline in agentPoolProfiles.", c.name, gets(in, "resourceGroupName"))
	}
	system := false
	for _, pool := range pools.ArrayValue() {
		if m := unwrap(pool); m.IsObject() && gets(m.ObjectValue(), "mode") == "System" {
			system = true
		}
	}
	if !system {
		return armErr(400, "InvalidParameter", "A managed cluster must have at least one agent pool with mode 'System'.")
	}
	oidc, _ := getb(in, "oidcIssuerProfile.enabled")
	wi, _ := getb(in, "securityProfile.workloadIdentity.enabled")
	if wi && !oidc {
		return armErr(400, "InvalidParameter", "Enabling workload identity requires enabling OIDC issuer (oidcIssuerProfile.enabled).")
	}
	if c.old != nil && !oidc {
		if was, _ := getb(fromState(c.old.Outputs), "oidcIssuerProfile.enabled"); was {
			return armErr(400, "OIDCIssuerFeatureCannotBeDisabled", "OIDC issuer feature cannot be disabled.")
		}
	}
	if c.old != nil && c.old.Inputs != nil && gets(fromState(c.old.Inputs), "dnsPrefix") != gets(in, "dnsPrefix") {
		return armErr(400, "PropertyChangeNotAllowed", "Changing property 'dnsPrefix' is not allowed.")
	}
	if err := clusterUpdateRules(c); err != nil {
		return err
	}
	if c.old != nil && c.p.now().Before(c.old.BusyUntil) {
		return clusterBusy()
	}
	if err := c.p.clusterQuota(c); err != nil {
		return err
	}
	if d := c.p.durationKnob(EnvClusterBusy); d > 0 {
		c.busyUntil = c.now.Add(c.p.latencyOf(c.k.short) + d) // from the create's end
	}
	loc := gets(in, "location")
	rg := gets(in, "resourceGroupName")
	c.out["provisioningState"] = str("Succeeded")
	c.out["powerState"] = resource.NewObjectProperty(resource.PropertyMap{"code": str("Running")})
	host := gets(in, "dnsPrefix") + "-" + newGUID()[:8]
	if c.old != nil && c.old.Output("fqdn") != "" {
		host = strings.Split(c.old.Output("fqdn"), ".")[0]
	}
	c.out["fqdn"] = str(host + ".hcp." + loc + ".azmk8s.io")
	c.out["azurePortalFQDN"] = str(host + ".portal.hcp." + loc + ".azmk8s.io")
	// kubernetesVersion stays as requested (<major.minor> or a full
	// version); currentKubernetesVersion is the full version running, a
	// <major.minor> request resolved to its latest patch.
	requested := gets(in, "kubernetesVersion")
	current := requested
	if requested == "" {
		requested, current = defaultKubernetesVersion, defaultKubernetesVersion
	} else if strings.Count(requested, ".") == 1 {
		current = requested + "." + latestPatch
	}
	requested, current = keptVersion(c, requested, current)
	c.out["currentKubernetesVersion"] = str(current)
	c.out["kubernetesVersion"] = str(requested)
	c.out["maxAgentPools"] = resource.NewNumberProperty(100)
	nodeRG := gets(in, "nodeResourceGroup")
	if nodeRG == "" {
		nodeRG = "MC_" + rg + "_" + c.name + "_" + loc
	}
	c.out["nodeResourceGroup"] = str(nodeRG)
	issuer := ""
	if oidc {
		issuer = keepOr(c.old, "oidcIssuerProfile.issuerURL", func() string {
			if v := c.p.env(EnvOIDCIssuer); v != "" {
				return v
			}
			return "https://" + loc + ".oic.prod-aks.azure.com/" + TenantID + "/" + newGUID() + "/"
		})
	}
	oidcOut := resource.PropertyMap{"enabled": resource.NewBoolProperty(oidc)}
	if issuer != "" {
		oidcOut["issuerURL"] = str(issuer)
	}
	c.out["oidcIssuerProfile"] = resource.NewObjectProperty(oidcOut)
	idType := gets(in, "identity.type")
	if idType == "" {
		idType = "SystemAssigned"
	}
	ident := resource.PropertyMap{"type": str(idType)}
	if idType == "SystemAssigned" {
		ident["principalId"] = str(keepOr(c.old, "identity.principalId", newGUID))
		ident["tenantId"] = str(TenantID)
	}
	c.out["identity"] = resource.NewObjectProperty(ident)
	kubeletName := c.name + "-agentpool"
	c.out["identityProfile"] = resource.NewObjectProperty(resource.PropertyMap{
		"kubeletidentity": resource.NewObjectProperty(resource.PropertyMap{
			"clientId":   str(keepOr(c.old, "identityProfile.kubeletidentity.clientId", newGUID)),
			"objectId":   str(keepOr(c.old, "identityProfile.kubeletidentity.objectId", newGUID)),
			"resourceId": str(rgID(nodeRG) + "/providers/Microsoft.ManagedIdentity/userAssignedIdentities/" + kubeletName),
		}),
	})
	var outPools []resource.PropertyValue
	for _, pool := range pools.ArrayValue() {
		m := unwrap(pool).ObjectValue().Copy()
		m["provisioningState"] = str("Succeeded")
		// A pool's orchestratorVersion follows the same rule as the
		// cluster's kubernetesVersion.
		if !getv(m, "orchestratorVersion").IsString() {
			m["orchestratorVersion"] = str(requested)
		}
		m["currentOrchestratorVersion"] = str(current)
		m["powerState"] = resource.NewObjectProperty(resource.PropertyMap{"code": str("Running")})
		outPools = append(outPools, resource.NewObjectProperty(m))
	}
	c.out["agentPoolProfiles"] = resource.NewArrayProperty(outPools)
	return nil
}

// --- FederatedIdentityCredential -------------------------------------------

func checkFIC(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	if v := getv(in, "issuer"); v.IsString() {
		if u, err := url.Parse(v.StringValue()); err != nil || u.Scheme != "https" || u.Host == "" {
			fs = append(fs, Failure{"issuer", fmt.Sprintf("'issuer' is '%s' but must be an https URL", v.StringValue())})
		}
	}
	if v := getv(in, "audiences"); v.IsArray() && len(v.ArrayValue()) != 1 {
		fs = append(fs, Failure{"audiences", fmt.Sprintf("'audiences' has %d values but a managed identity's federated credential takes exactly one (api://AzureADTokenExchange)", len(v.ArrayValue()))})
	}
	return fs
}

// maxFICsPerIdentity is Entra's limit of federated credentials on one
// user-assigned identity (workload identity federation considerations).
const maxFICsPerIdentity = 20

func applyFIC(c *op) error {
	parent, _ := c.k.parent(c.in)
	issuer, subject := gets(c.in, "issuer"), gets(c.in, "subject")
	others := c.st.Find("FederatedIdentityCredential", func(o *Object) bool {
		return strings.HasPrefix(key(o.ID), key(parent)+"/") && key(o.ID) != key(c.id)
	})
	for _, f := range others {
		if f.Input("issuer") == issuer && f.Input("subject") == subject {
			return armErr(400, "BadRequest", "Issuer and subject combination already exists for this Managed Identity (federated identity credential '%s' on identity '%s').", describeName(f.ID), describeName(parent))
		}
	}
	if c.old == nil && len(others) >= maxFICsPerIdentity {
		return armErr(400, "BadRequest", "A managed identity can have at most %d federated identity credentials; identity '%s' has %d.", maxFICsPerIdentity, describeName(parent), len(others))
	}
	return nil
}

func describeName(id string) string {
	_, name, _ := describeID(id)
	return name
}

// --- Account ----------------------------------------------------------------

func checkAccount(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	if v := getv(in, "properties.customSubDomainName"); v.IsString() && !subdomainPattern.MatchString(v.StringValue()) {
		fs = append(fs, Failure{"properties.customSubDomainName", fmt.Sprintf("'properties.customSubDomainName' is '%s' but must be 2 to 64 letters, digits or '-', starting and ending with a letter or digit", v.StringValue())})
	}
	return fs
}

func applyAccount(c *op) error {
	if err := accountKindChange(c); err != nil {
		return err
	}
	sub := gets(c.in, "properties.customSubDomainName")
	if sub != "" {
		for _, a := range c.st.Find("Account", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
			if strings.EqualFold(a.Input("properties.customSubDomainName"), sub) {
				return customDomainInUse(sub)
			}
		}
	}
	if restore, _ := getb(c.in, "properties.restore"); !restore && c.old == nil {
		if sd, ok := c.st.SoftDeleted[key(c.id)]; ok {
			return armErr(409, "FlagMustBeSetForRestore", "An existing resource with ID '%s' has been soft-deleted. To restore the resource, you must specify 'restore' to be 'true' in the property. If you don't want to restore existing resource, please purge it first.", sd.ID)
		}
		for _, sd := range c.st.SoftDeleted {
			if sub != "" && strings.EqualFold(sd.Subdomain, sub) {
				return customDomainInUse(sub)
			}
		}
	}
	if c.old != nil {
		if was := c.old.Input("properties.customSubDomainName"); was != "" && was != sub {
			return armErr(400, "CustomSubDomainNameCannotBeChanged", "The custom subdomain name of an account cannot be changed once set.")
		}
	}
	delete(c.st.SoftDeleted, key(c.id))
	endpoint := "https://" + gets(c.in, "location") + ".api.cognitive.microsoft.com/"
	if sub != "" {
		endpoint = "https://" + strings.ToLower(sub) + ".openai.azure.com/"
		if base := strings.TrimSuffix(c.p.env(EnvDataplaneURL), "/"); base != "" {
			endpoint = base + "/" + strings.ToLower(sub) + "/"
		}
	}
	setv(c.out, "properties.endpoint", str(endpoint))
	setv(c.out, "properties.endpoints", resource.NewObjectProperty(resource.PropertyMap{
		"OpenAI Language Model Instance API": str(endpoint),
	}))
	setv(c.out, "properties.provisioningState", str("Succeeded"))
	c.busyUntil = acceptedUntil(c)
	setv(c.out, "properties.dateCreated", str(keepOr(c.old, "properties.dateCreated", func() string { return c.now.UTC().Format(time.RFC3339Nano) })))
	setv(c.out, "properties.internalId", str(keepOr(c.old, "properties.internalId", func() string { return strings.ReplaceAll(newGUID(), "-", "") })))
	c.out["etag"] = str(`"` + newGUID() + `"`)
	return nil
}

// --- Deployment ------------------------------------------------------------

func checkDeployment(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	for _, k := range []string{"properties.model.format", "properties.model.name"} {
		if getv(in, k).IsNull() {
			fs = append(fs, Failure{k, fmt.Sprintf("missing required property '%s' (Azure requires the deployed model)", k)})
		}
	}
	if v := getv(in, "sku.capacity"); v.IsNumber() && v.NumberValue() < 1 {
		fs = append(fs, Failure{"sku.capacity", fmt.Sprintf("'sku.capacity' is %v but must be at least 1", v.NumberValue())})
	}
	return fs
}

// --- Registry --------------------------------------------------------------

func checkRegistry(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	sku := getv(in, "sku.name")
	if sku.IsString() && !slices.Contains([]string{"Classic", "Basic", "Standard", "Premium"}, sku.StringValue()) {
		fs = append(fs, Failure{"sku.name", fmt.Sprintf("'sku.name' is '%s' but expected one of ['Basic','Standard','Premium']", sku.StringValue())})
	}
	if anon, ok := getb(in, "anonymousPullEnabled"); ok && anon && sku.IsString() && sku.StringValue() != "Standard" && sku.StringValue() != "Premium" {
		fs = append(fs, Failure{"anonymousPullEnabled", fmt.Sprintf("'anonymousPullEnabled' is true but anonymous pull needs the Standard or Premium SKU, not '%s'", sku.StringValue())})
	}
	return fs
}

func applyRegistry(c *op) error {
	for _, r := range c.st.Find("Registry", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
		if strings.EqualFold(r.Output("name"), c.name) {
			return armErr(409, "AlreadyInUse", "The registry DNS name %s.azurecr.io is already in use. You can check if the name is already claimed using following API: https://docs.microsoft.com/en-us/rest/api/containerregistry/registries/checknameavailability", strings.ToLower(c.name))
		}
	}
	c.out["loginServer"] = str(strings.ToLower(c.name) + ".azurecr.io")
	c.out["provisioningState"] = str("Succeeded")
	c.out["creationDate"] = str(keepOr(c.old, "creationDate", func() string { return c.now.UTC().Format(time.RFC3339Nano) }))
	c.out["sku"] = resource.NewObjectProperty(resource.PropertyMap{"name": str(gets(c.in, "sku.name")), "tier": str(gets(c.in, "sku.name"))})
	defaults := map[string]resource.PropertyValue{
		"adminUserEnabled":         resource.NewBoolProperty(false),
		"anonymousPullEnabled":     resource.NewBoolProperty(false),
		"dataEndpointEnabled":      resource.NewBoolProperty(false),
		"publicNetworkAccess":      str("Enabled"),
		"zoneRedundancy":           str("Disabled"),
		"networkRuleBypassOptions": str("AzureServices"),
	}
	outs := schema.Resources[c.k.tokenOf(c)].Outputs
	for k, v := range defaults {
		if _, set := c.out[resource.PropertyKey(k)]; !set && slices.Contains(outs, k) {
			c.out[resource.PropertyKey(k)] = v
		}
	}
	return nil
}

// tokenOf is the type token the operation came with.
func (k *kind) tokenOf(c *op) string {
	if c.urn != "" {
		if t := urnType(c.urn); t != "" {
			return t
		}
	}
	return k.tokens[len(k.tokens)-1]
}

// --- TaskRun ---------------------------------------------------------------

// A run's timeout in seconds, as the containerregistry spec bounds
// runRequest.timeout (default 3600).
const (
	minRunTimeout = 300
	maxRunTimeout = 28800
)

func applyTaskRun(c *op) error {
	reqType := gets(c.in, "runRequest.type")
	if reqType == "" {
		return armErr(400, "InvalidRequestContent", "The run request is missing: set runRequest.")
	}
	if v := getv(c.in, "runRequest.timeout"); v.IsNumber() && (v.NumberValue() < minRunTimeout || v.NumberValue() > maxRunTimeout) {
		return armErr(400, "InvalidRequestContent", "The run request's timeout %v is out of range: it must be from %d to %d seconds.", v.NumberValue(), minRunTimeout, maxRunTimeout)
	}
	registryID, _ := c.k.parent(c.in)
	failedPut := "acr-run-failed-put:" + key(c.id)
	// An identical PUT (same run request, same forceUpdateTag) answers with
	// the run already made, failed or not; only a new forceUpdateTag runs
	// an unchanged request again (the spec's forceUpdateTag).
	if c.old != nil && gets(c.in, "forceUpdateTag") == c.old.Input("forceUpdateTag") &&
		sameValue(getv(c.in, "runRequest"), getv(fromState(c.old.Inputs), "runRequest")) {
		if prev := getv(fromState(c.old.Outputs), "runResult"); prev.IsObject() {
			c.out["runResult"] = prev
			c.out["provisioningState"] = str("Succeeded")
			if c.st.Counters[failedPut] > 0 {
				runID := gets(prev.ObjectValue(), "runId")
				c.initFailed = armErr(400, "TaskRunFailed", "The status for Run %s is %s, please check the log: az acr task logs --registry %s --run-id %s", runID, gets(prev.ObjectValue(), "status"), gets(c.in, "registryName"), runID)
			}
			return nil
		}
	}
	// Free-trial (free credit) subscriptions may not run ACR Tasks: the
	// request is refused and no run is made.
	if c.p.env(EnvFreeTrial) == "1" {
		return armErr(400, "TasksOperationsNotAllowed", "ACR Tasks requests for the registry %s and %s are not permitted. Please file an Azure support request at http://aka.ms/azuresupport for assistance.", gets(c.in, "registryName"), Subscription())
	}
	delete(c.st.Counters, failedPut)
	registry := c.st.Get(registryID)
	loginServer := strings.ToLower(gets(c.in, "registryName")) + ".azurecr.io"
	if registry != nil && registry.Output("loginServer") != "" {
		loginServer = registry.Output("loginServer")
	}
	runID := fmt.Sprintf("ca%d", c.st.Count("acr-run:"+key(registryID)))
	start := c.now.UTC()
	result := resource.PropertyMap{
		"runId":             str(runID),
		"runType":           str("QuickRun"),
		"provisioningState": str("Succeeded"),
		"createTime":        str(start.Format(time.RFC3339Nano)),
		"startTime":         str(start.Format(time.RFC3339Nano)),
		"finishTime":        str(start.Add(time.Second).Format(time.RFC3339Nano)),
		"lastUpdatedTime":   str(start.Add(time.Second).Format(time.RFC3339Nano)),
		"isArchiveEnabled":  resource.NewBoolProperty(false),
		"name":              str(runID),
		"type":              str("Microsoft.ContainerRegistry/registries/runs"),
		"id":                str(registryID + "/runs/" + runID),
	}
	if v := getv(c.in, "runRequest.platform"); v.IsObject() {
		result["platform"] = resource.NewObjectProperty(v.ObjectValue().Copy())
	}
	status, failMsg, failARM := "Succeeded", "", false
	var images []resource.PropertyValue
	switch reqType {
	case "EncodedTaskRunRequest":
		encoded := gets(c.in, "runRequest.encodedTaskContent")
		task, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			return armErr(400, "InvalidParameter", "The encoded task content is not valid base64: %v", err)
		}
		run := runACRTask(string(task), loginServer, runID)
		if run.failed != "" {
			status, failMsg, failARM = "Failed", run.failed, true
			if run.log != "" {
				failMsg += " (run log: " + strings.ReplaceAll(run.log, "\n", "; ") + ")"
			}
			break
		}
		// Every run builds anew, and a build is not reproducible (layer
		// and config times differ), so each run pushes a new digest.
		sum := sha256.Sum256([]byte(encoded + "\n" + runID))
		for _, ref := range run.pushed {
			reg, rest, ok := strings.Cut(ref, "/")
			if !ok || !strings.Contains(reg, ".") {
				reg, rest = loginServer, ref
			}
			repo, tag, ok := strings.Cut(rest, ":")
			if !ok {
				tag = "latest"
			}
			images = append(images, resource.NewObjectProperty(resource.PropertyMap{
				"registry":   str(reg),
				"repository": str(repo),
				"tag":        str(tag),
				"digest":     str("sha256:" + hex.EncodeToString(sum[:])),
			}))
		}
	default:
		// Other request kinds run but push nothing the stand-in can know.
	}
	// runresult: the run fails but the resource reports success, the
	// failure only in runResult; run: the operation fails too.
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "runresult"); hit {
		status, failMsg, failARM = v, "failed to build step build: injected by "+EnvFaults, false
	}
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "run"); hit {
		status, failMsg, failARM = v, "failed to build step build: injected by "+EnvFaults, true
	}
	result["status"] = str(status)
	if status == "Succeeded" {
		result["outputImages"] = resource.NewArrayProperty(images)
	} else {
		result["runErrorMessage"] = str(failMsg)
		if failARM {
			c.st.Counters[failedPut] = 1
			c.initFailed = armErr(400, "TaskRunFailed", "The status for Run %s is %s, please check the log: az acr task logs --registry %s --run-id %s", runID, status, gets(c.in, "registryName"), runID)
		}
	}
	c.out["runResult"] = resource.NewObjectProperty(result)
	c.out["provisioningState"] = str("Succeeded")
	// poll=404: the run is made, but polling its long-running PUT hits
	// a 404 (the async operation URL ACR returns is malformed) and the
	// operation fails after its retries, with the run left behind.
	if v, hit := faultFor(c.p.faults(), c.st, "TaskRun", "poll"); hit && v == "404" && c.initFailed == nil {
		c.initFailed = errors.New(`Future#WaitForCompletion: the number of retries has been exceeded: StatusCode=404 -- Original Error: Code="Creating" Message="The async operation failed." AdditionalInfo=[{"status":"Creating"}]`)
	}
	return nil
}

// --- RoleAssignment --------------------------------------------------------

// principalKind finds a principal the emulated directory knows.
func principalKind(st *State, id string) (typ string, created time.Time, ok bool) {
	if id == ObjectID {
		return "User", time.Time{}, true
	}
	for _, o := range st.Objects {
		switch ShortType(o.Type) {
		case "UserAssignedIdentity":
			if o.Output("principalId") == id {
				return "ServicePrincipal", o.Created, true
			}
		case "ManagedCluster":
			if o.Output("identity.principalId") == id || o.Output("identityProfile.kubeletidentity.objectId") == id {
				return "ServicePrincipal", o.Created, true
			}
		}
	}
	return "", time.Time{}, false
}

func applyRoleAssignment(c *op) error {
	if err := roleAssignmentUpdate(c); err != nil {
		return err
	}
	scope := strings.TrimSuffix(gets(c.in, "scope"), "/")
	principal := gets(c.in, "principalId")
	roleDef := gets(c.in, "roleDefinitionId")
	m := roleDefPattern.FindStringSubmatch(roleDef)
	if m == nil {
		return armErr(400, "InvalidRoleDefinitionId", "The role definition ID '%s' is not valid.", roleDef)
	}
	if !strings.EqualFold(scope, "/subscriptions/"+Subscription()) && c.st.Get(scope) == nil {
		return armErr(404, "ResourceNotFound", "The scope '%s' does not exist or cannot be found.", scope)
	}
	actual, created, ok := principalKind(c.st, principal)
	given := gets(c.in, "principalType")
	// A principal not yet replicated is not found, unless the request
	// names its type: ARM then assigns without looking it up.
	if ok && c.now.Before(created.Add(c.p.durationKnob(EnvPrincipalDelay))) {
		ok = false
		if given != "" {
			actual, ok = given, true
		}
	}
	if !ok {
		return armErr(400, "PrincipalNotFound", "Principal %s does not exist in the directory %s. Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype", strings.ReplaceAll(principal, "-", ""), TenantID)
	}
	if given != "" && given != actual {
		return armErr(400, "UnmatchedPrincipalType", "The PrincipalId '%s' has type '%s' , which is different from specified PrincipalType '%s'.", strings.ReplaceAll(principal, "-", ""), actual, given)
	}
	for _, ra := range c.st.Find("RoleAssignment", func(o *Object) bool { return key(o.ID) != key(c.id) }) {
		if ra.Input("principalId") == principal && strings.EqualFold(roleGUID(ra.Input("roleDefinitionId")), m[2]) &&
			strings.EqualFold(strings.TrimSuffix(ra.Input("scope"), "/"), scope) {
			return armErr(409, "RoleAssignmentExists", "The role assignment already exists.")
		}
	}
	c.out["principalType"] = str(actual)
	c.out["createdOn"] = str(keepOr(c.old, "createdOn", func() string { return c.now.UTC().Format(time.RFC3339Nano) }))
	c.out["updatedOn"] = str(c.now.UTC().Format(time.RFC3339Nano))
	c.out["createdBy"] = str(ObjectID)
	c.out["updatedBy"] = str(ObjectID)
	return nil
}

// roleGUID is the GUID at the end of a role definition id.
func roleGUID(roleDef string) string {
	if m := roleDefPattern.FindStringSubmatch(roleDef); m != nil {
		return strings.ToLower(m[2])
	}
	return ""
}

// --- Linker ----------------------------------------------------------------

func checkLinker(p *Provider, in resource.PropertyMap) []Failure {
	var fs []Failure
	if gets(in, "authInfo.authType") == "userAssignedIdentity" {
		for _, k := range []string{"clientId", "subscriptionId"} {
			if getv(in, "authInfo."+k).IsNull() {
				fs = append(fs, Failure{"authInfo." + k, fmt.Sprintf("missing required property 'authInfo.%s' (authType userAssignedIdentity needs the identity's clientId and subscriptionId)", k)})
			}
		}
		if v := getv(in, "authInfo.clientId"); v.IsString() && !guidPattern.MatchString(v.StringValue()) {
			fs = append(fs, Failure{"authInfo.clientId", fmt.Sprintf("'authInfo.clientId' is '%s' but must be a GUID", v.StringValue())})
		}
	}
	if gets(in, "targetService.type") == "AzureResource" && getv(in, "targetService.id").IsNull() {
		fs = append(fs, Failure{"targetService.id", "missing required property 'targetService.id' (the target resource's ARM id)"})
	}
	if v := getv(in, "resourceUri"); v.IsString() && !strings.HasPrefix(v.StringValue(), "/subscriptions/") {
		fs = append(fs, Failure{"resourceUri", fmt.Sprintf("'resourceUri' is '%s' but must be the source resource's ARM id", v.StringValue())})
	}
	return fs
}
