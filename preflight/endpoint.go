package preflight

import (
	"errors"
	"net/http"
	"net/url"
)

// firstRead reads the subscription itself (resources Subscriptions_Get,
// 2022-12-01) before any check. The endpoint is already known to be the
// provider's cloud (config refuses any other), so a 401 here means the
// token is for another cloud, and a 404 that the subscription is not in
// this one: every later read would fail the same way, and a run that
// passed on warnings would prove nothing. Other failures (403 for a
// narrow role, an unreachable endpoint) leave the checks to warn.
func (c *checker) firstRead() bool {
	var sub struct {
		State string `json:"state"`
	}
	err := c.get(c.sub(), url.Values{"api-version": {apiLocations}}, &sub)
	var re *readError
	if !errors.As(err, &re) {
		return true
	}
	switch re.status {
	case http.StatusUnauthorized:
		c.problem("config %s: %q refused the provider's token for subscription %s (%s): the endpoint belongs to another cloud than the one azure-native signs in to. Make %s and azure-native:environment (or azure-native:metadataHost) name the same cloud",
			c.key("armEndpoint"), c.in.Endpoint, c.in.SubscriptionID, re.Error(), c.key("armEndpoint"))
	case http.StatusNotFound:
		c.problem("config %s: subscription %s was not found at %q (%s): wrong cloud, or a subscription the deploying identity cannot see. Check azure-native:subscriptionId (or the Azure CLI's `az account show`), azure-native:environment and %s",
			c.key("armEndpoint"), c.in.SubscriptionID, c.in.Endpoint, re.Error(), c.key("armEndpoint"))
	default:
		return true
	}
	return false
}
