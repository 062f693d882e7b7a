package standin

import (
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Entra refuses concurrent writes of federated credentials under one
// user-assigned identity with a 409 ("Concurrent updates aren't supported",
// workload identity federation considerations); users quote the code
// ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity and
// azure-native does not retry it. A write holds its identity from its start
// to its end (the type's latency in between), in the state file, so writes
// from different plugin processes collide as they would in Azure.

// ficWriteTTL bounds a write's hold should its process die mid-write.
const ficWriteTTL = 2 * time.Minute

// ficIdentity is the identity whose credentials a PUT or DELETE of this
// kind writes: a credential's parent, a link's identity (by clientId).
func ficIdentity(s *State, k *kind, in resource.PropertyMap) string {
	switch k.short {
	case "FederatedIdentityCredential":
		id, _ := k.parent(in)
		return id
	case "Linker":
		clientID := gets(in, "authInfo.clientId")
		if clientID == "" {
			return ""
		}
		for _, o := range s.Find("UserAssignedIdentity", nil) {
			if strings.EqualFold(o.Output("clientId"), clientID) {
				return o.ID
			}
		}
	}
	return ""
}

// beginFICWrite claims the identity's credentials for one write, or fails
// with Entra's 409 when another write holds them; the returned func ends
// the write.
func (p *Provider) beginFICWrite(k *kind, in resource.PropertyMap) (func(), error) {
	if k.short != "FederatedIdentityCredential" && k.short != "Linker" {
		return func() {}, nil
	}
	var held string
	err := p.Store.Update(func(s *State) error {
		id := ficIdentity(s, k, in)
		if id == "" {
			return nil
		}
		now := p.now()
		if until, busy := s.FICWrites[key(id)]; busy && now.Before(until) {
			_, name, _ := describeID(id)
			return armErr(409, "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity",
				"Concurrent Federated Identity Credentials writes under the same managed identity are not supported (identity '%s').", name)
		}
		held = key(id)
		s.FICWrites[held] = now.Add(ficWriteTTL)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() {
		if held == "" {
			return
		}
		_ = p.Store.Update(func(s *State) error {
			delete(s.FICWrites, held)
			return nil
		})
	}, nil
}
