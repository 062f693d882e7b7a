package standin

import (
	"regexp"
	"slices"
	"strings"
	"sync"
)

// EnvSubscriptions lists the subscriptions the caller's sign-in reaches
// (comma-separated); the first is the sign-in's default, what
// `az account set` picks. Default: SubscriptionID alone.
const EnvSubscriptions = "AZURE_STANDIN_SUBSCRIPTIONS"

// Subscriptions are the subscriptions the sign-in reaches, default first.
func Subscriptions(getenv func(string) string) []string {
	if subs := List(getenv(EnvSubscriptions)); len(subs) > 0 {
		return subs
	}
	return []string{SubscriptionID}
}

// KnownSubscription tells whether the sign-in reaches sub.
func KnownSubscription(getenv func(string) string, sub string) bool {
	return slices.ContainsFunc(Subscriptions(getenv), func(s string) bool { return strings.EqualFold(s, sub) })
}

// current is the subscription this plugin process works in. The engine
// starts one plugin process per provider resource, so this is the
// provider's own: azure-native's subscriptionId config, else its
// ARM_SUBSCRIPTION_ID fallback, else the sign-in's default
// (azure-native's provider.go, getConfig("subscriptionId",
// "ARM_SUBSCRIPTION_ID"); the Azure CLI's default otherwise).
var current struct {
	sync.Mutex
	sub string
}

// Subscription is the subscription resources are created in and
// getClientConfig reports.
func Subscription() string {
	current.Lock()
	defer current.Unlock()
	if current.sub == "" {
		return SubscriptionID
	}
	return current.sub
}

func setSubscription(sub string) {
	current.Lock()
	defer current.Unlock()
	current.sub = sub
}

// configureSubscription picks the provider's subscription at Configure.
func (p *Provider) configureSubscription(configured string) {
	sub := configured
	if sub == "" {
		sub = p.env("ARM_SUBSCRIPTION_ID")
	}
	if sub == "" {
		sub = Subscriptions(p.env)[0]
	}
	setSubscription(sub)
}

var idSubscription = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)`)

// subscriptionReached answers an ARM call on an id in a subscription the
// sign-in does not reach as ARM does: 404 SubscriptionNotFound.
func (p *Provider) subscriptionReached(id string) error {
	m := idSubscription.FindStringSubmatch(id)
	if m == nil || KnownSubscription(p.env, m[1]) {
		return nil
	}
	return armErr(404, "SubscriptionNotFound", "The subscription '%s' could not be found.", m[1])
}
