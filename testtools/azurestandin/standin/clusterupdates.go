package standin

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// What AKS refuses, or keeps, when a managed cluster's PUT updates a live
// cluster.

// clusterUpdateRules refuses what AKS does not change in place:
//   - an inline pool's VM size: 400 PropertyChangeNotAllowed, the text users
//     met (Azure/bicep-registry-modules#7130: "Changing property
//     \"agentPoolProfile.vmSize\" is not allowed in an api-version before
//     \"2026-01-02-preview\"", a preflight validation failure;
//     pulumi/pulumi-azure-native#959; Learn, "Manage node pools": you can't
//     change the VM size of a node pool after you create it). azure-native
//     2.92.0 sends 2023-04-01.
//   - a lower Kubernetes version than the cluster runs: AKS does not
//     downgrade (Learn, "Upgrade options for AKS clusters": an upgrade
//     can't be rolled back). The code and text are *assumption*.
func clusterUpdateRules(c *op) error {
	if c.old == nil {
		return nil
	}
	oldIn := fromState(c.old.Inputs)
	oldSizes := map[string]string{}
	for _, pool := range poolsOf(oldIn) {
		oldSizes[gets(pool, "name")] = gets(pool, "vmSize")
	}
	for _, pool := range poolsOf(c.in) {
		if was, ok := oldSizes[gets(pool, "name")]; ok && was != "" && gets(pool, "vmSize") != "" && !strings.EqualFold(was, gets(pool, "vmSize")) {
			return armErr(400, "PropertyChangeNotAllowed", "Preflight validation check for resource(s) for container service %s in resource group %s failed. Message: Changing property \"agentPoolProfile.vmSize\" is not allowed in an api-version before \"2026-01-02-preview\".. Details: pool '%s' runs %s; add a pool of the new size, then delete this one.", c.name, gets(c.in, "resourceGroupName"), gets(pool, "name"), was)
		}
	}
	running := c.old.Output("currentKubernetesVersion")
	if want := gets(c.in, "kubernetesVersion"); want != "" && running != "" && compareVersions(want, minorIfShort(want, running)) < 0 {
		return armErr(400, "OperationNotAllowed", "Kubernetes version %s is lower than the cluster's current version %s: AKS does not support downgrades.", want, running)
	}
	return nil
}

// minorIfShort compares like with like: a <major.minor> request against
// the running minor, a full version against the full one.
func minorIfShort(want, running string) string {
	if strings.Count(want, ".") == 1 {
		return minorOf(running)
	}
	return running
}

// keptVersion is the version a PUT leaves running: a request without a
// version, or with the running minor, keeps the patch AKS runs (its own
// upgrades included) instead of resolving the request anew.
func keptVersion(c *op, requested, current string) (string, string) {
	if c.old == nil {
		return requested, current
	}
	running := c.old.Output("currentKubernetesVersion")
	if running == "" {
		return requested, current
	}
	switch want := gets(c.in, "kubernetesVersion"); {
	case want == "":
		return running, running
	case strings.Count(want, ".") == 1 && want == minorOf(running):
		return want, running
	}
	return requested, current
}

func poolsOf(in resource.PropertyMap) []resource.PropertyMap {
	var out []resource.PropertyMap
	if v := getv(in, "agentPoolProfiles"); v.IsArray() {
		for _, p := range v.ArrayValue() {
			if p = unwrap(p); p.IsObject() {
				out = append(out, p.ObjectValue())
			}
		}
	}
	return out
}
