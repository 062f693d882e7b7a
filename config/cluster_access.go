package config

import (
	"fmt"
	"time"
)

// EntraTokenLifetime is the shortest an Entra access token lasts: Entra
// gives it a random lifetime of 60 to 90 minutes (Learn, "Configurable
// token lifetimes in the Microsoft identity platform", access tokens).
const EntraTokenLifetime = 60 * time.Minute

// entraWaitBudget is how much of one token's life the Kubernetes part of
// an `up` may wait: the token is fetched when the cluster is ready, then
// the program waits at most for Service Connector's objects and the demo
// Job (which `up` gives up to a minute more); the rest is margin for the
// objects' own creation.
const entraWaitBudget = EntraTokenLifetime - 10*time.Minute

func (c *Config) validateClusterAccess(v *validator) {
	v.oneOf("clusterAccess", c.ClusterAccess, []string{AccessLocalAccounts, AccessEntra})
	if c.ClusterAccess != AccessEntra {
		return
	}
	wait := time.Duration(c.ConnectorWaitSeconds+c.DemoDeadlineSeconds)*time.Second + time.Minute
	if wait > entraWaitBudget {
		v.fail("demoDeadlineSeconds", c.DemoDeadlineSeconds, fmt.Sprintf(
			"with clusterAccess entra, a deadline that keeps connectorWaitSeconds + demoDeadlineSeconds + 60 within %d seconds: the Kubernetes provider's Entra token lasts at least %s, and one `up` must not outlive it",
			int(entraWaitBudget.Seconds()), EntraTokenLifetime))
	}
}
