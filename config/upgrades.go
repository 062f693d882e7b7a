package config

import "strings"

// validateVersionForChannel refuses a Kubernetes version the upgrade
// channel would move under the program: AKS then runs a newer version than
// the stack declares, and the next `up` asks for a downgrade, which AKS
// refuses. patch moves only the patch (Learn, "Automatically upgrade an
// AKS cluster"), so a <major.minor> pin stays true; stable and rapid move
// the minor too, so only AKS's choice (empty) stays true.
func (c *Config) validateVersionForChannel(v *validator) {
	if c.KubernetesVersion == "" || !k8sVersionPattern.MatchString(c.KubernetesVersion) {
		return
	}
	full := strings.Count(c.KubernetesVersion, ".") == 2
	switch c.AKSUpgradeChannel {
	case "patch":
		if full {
			v.fail("kubernetesVersion", c.KubernetesVersion, "a <major.minor> version such as "+minor(c.KubernetesVersion)+" with aksUpgradeChannel patch: AKS moves the patch by itself, and a pinned patch would become a downgrade")
		}
	case "stable", "rapid":
		v.fail("kubernetesVersion", c.KubernetesVersion, "empty with aksUpgradeChannel "+c.AKSUpgradeChannel+": AKS moves the minor version by itself, and a pinned one would become a downgrade; or aksUpgradeChannel patch to move the minor yourself")
	}
}

func minor(version string) string {
	parts := strings.SplitN(version, ".", 3)
	return parts[0] + "." + parts[1]
}
