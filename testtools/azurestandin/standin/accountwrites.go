package standin

import (
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Cognitive Services refuses a write under an account while another is in
// flight on it: 409 RequestConflict "Another operation is being performed
// on the parent resource '<account id>'. Please try again later."
// (hashicorp/terraform-provider-azurerm#22607 and #22939, Azure/azure-dev#9398:
// sibling deployments written at once). An account's PUT or DELETE and its
// deployments' hold the account from their start to their end (the type's
// latency in between), in the state file, so writes from different plugin
// processes collide as they would in Azure.

// accountWriteTTL bounds a write's hold should its process die mid-write.
const accountWriteTTL = 2 * time.Minute

// writtenAccount is the account a write of this kind holds: the account
// itself or a deployment's parent.
func writtenAccount(k *kind, in resource.PropertyMap) string {
	switch k.short {
	case "Account":
		return k.id(in)
	case "Deployment":
		id, _ := k.parent(in)
		return id
	}
	return ""
}

// beginAccountWrite claims the account for one write, or fails with
// RequestConflict when another write holds it; the returned func ends the
// write.
func (p *Provider) beginAccountWrite(k *kind, in resource.PropertyMap) (func(), error) {
	id := writtenAccount(k, in)
	if id == "" || strings.HasSuffix(id, "/") {
		return func() {}, nil
	}
	held := key(id)
	err := p.Store.Update(func(s *State) error {
		now := p.now()
		if until, busy := s.AccountWrites[held]; busy && now.Before(until) {
			return armErr(409, "RequestConflict", "Another operation is being performed on the parent resource '%s'. Please try again later.", id)
		}
		s.AccountWrites[held] = now.Add(accountWriteTTL)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() {
		_ = p.Store.Update(func(s *State) error {
			delete(s.AccountWrites, held)
			return nil
		})
	}, nil
}

// beginWrite claims what a write holds in Azure: an identity's federated
// credentials, an OpenAI account.
func (p *Provider) beginWrite(k *kind, in resource.PropertyMap) (func(), error) {
	endFIC, err := p.beginFICWrite(k, in)
	if err != nil {
		return nil, err
	}
	endAccount, err := p.beginAccountWrite(k, in)
	if err != nil {
		endFIC()
		return nil, err
	}
	return func() { endAccount(); endFIC() }, nil
}
