package standin

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

func checkCluster(in resource.PropertyMap) []Failure {
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
