package preflight

import (
	"fmt"
	"net/url"
	"sync"

	"aks-openai-workload-identity/config"
)

// providersFor are the resource providers the stack writes to, each with
// the config that makes it needed. Resource groups and role assignments
// (Microsoft.Resources, Microsoft.Authorization) are registered in every
// subscription.
func providersFor(cfg *config.Config) [][2]string {
	out := [][2]string{
		{"Microsoft.ContainerService", ""},
		{"Microsoft.CognitiveServices", ""},
		{"Microsoft.ContainerRegistry", ""},
		{"Microsoft.ManagedIdentity", ""},
	}
	if cfg.ConnectionMode == config.ModeServiceConnector {
		// The link itself, and the sc-extension cluster extension Service
		// Connector installs in AKS (Learn, "Use Service Connector in AKS").
		out = append(out, [2]string{"Microsoft.ServiceLinker", "connectionMode"}, [2]string{"Microsoft.KubernetesConfiguration", "connectionMode"})
	}
	return out
}

// providers: every resource provider the stack needs is registered.
func (c *checker) providers() {
	var wg sync.WaitGroup
	var mu sync.Mutex
	missing := map[string]string{}
	for _, p := range providersFor(c.in.Config) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var got struct{ RegistrationState string }
			if err := c.get(c.sub()+"/providers/"+p[0], url.Values{"api-version": {apiProviders}}, &got); err != nil {
				c.skipped("resource provider "+p[0], "read resource provider registrations", err)
				return
			}
			if got.RegistrationState != "Registered" {
				mu.Lock()
				missing[p[0]] = got.RegistrationState
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for _, p := range providersFor(c.in.Config) {
		state, bad := missing[p[0]]
		if !bad {
			continue
		}
		fix := fmt.Sprintf("register it (once per subscription): `az provider register --namespace %s --wait`", p[0])
		if p[1] != "" {
			c.problem("config %s: %q needs resource provider %s, which is %s in subscription %s; %s, or use %s direct",
				c.key(p[1]), c.in.Config.ConnectionMode, p[0], state, c.in.SubscriptionID, fix, c.key(p[1]))
			continue
		}
		c.problem("the stack needs resource provider %s, which is %s in subscription %s; %s", p[0], state, c.in.SubscriptionID, fix)
	}
}
