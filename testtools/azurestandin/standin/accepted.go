package standin

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// canCreate is azure-native's check before every create: it reads the
// resource's id and creates only on a 404 (pulumi/pulumi-azure-native
// provider/pkg/provider/provider.go defaultCreate, which calls CanCreate in
// provider/pkg/azure/client_azcore.go). A resource that is there is refused
// without a PUT; any other answer to the read, a 403 included, is wrapped
// with its status and body.
func (p *Provider) canCreate(k *kind, id string) error {
	if err := p.authorize(k.actionType()+"/read", id, ""); err != nil {
		var ae *ARMError
		if !errors.As(err, &ae) {
			return err
		}
		return fmt.Errorf("cannot check existence of resource '%s': status code %d, %s", id, ae.Status, ae.body())
	}
	exists := false
	if err := p.Store.View(func(s *State) error { exists = s.Get(id) != nil; return nil }); err != nil {
		return err
	}
	if exists {
		return fmt.Errorf("cannot create already existing resource '%s'", id)
	}
	return nil
}

// body is the error as ARM sends it, the JSON that azure-native quotes.
func (e *ARMError) body() string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
	return string(b)
}

// latencyOf is AZURE_STANDIN_LATENCY's delay for a type: how long ARM takes
// to finish a write it accepted. The write is stored when accepted (put,
// Delete), and the delay is then the client's polling, so a plugin that
// dies while it waits leaves the write done, as ARM finishes an accepted
// long-running operation whether or not its client still polls.
func (p *Provider) latencyOf(short string) time.Duration {
	l, _ := latencies(p.env(EnvLatency))
	return l[short]
}
