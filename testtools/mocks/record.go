package mocks

import (
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Registration is one RegisterResource call.
type Registration struct {
	Type, Name, Parent, Provider string
	// ID is the id the mock gave the resource (an ARM id for Azure ones).
	ID string
	// Version is the provider plugin version the resource asks for.
	Version       string
	Custom        bool
	Inputs        resource.PropertyMap
	Outputs       resource.PropertyMap
	Dependencies  []string
	CreateTimeout string
	// ReplaceOnChanges are the resource's replaceOnChanges paths.
	ReplaceOnChanges []string
	// ErrorHooks are the names of the error hooks bound to the resource.
	ErrorHooks []string
	// Protect is the protect option.
	Protect bool
	// Aliases are the resource's aliases as the SDK sends them; the engine
	// resolves them against the previous deployment.
	Aliases []*pulumirpc.Alias
}

// DependsOn tells whether r waits on the resource of type typ named name.
func (r Registration) DependsOn(typ, name string) bool {
	for _, urn := range r.Dependencies {
		if strings.HasSuffix(urn, typ+"::"+name) {
			return true
		}
	}
	return false
}

// Call is one invoke.
type Call struct {
	Token, Provider string
	Args            resource.PropertyMap
}

// Registrations returns what was registered, in order.
func (m *Mocks) Registrations() []Registration {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Registration(nil), m.regs...)
}

// Calls returns the invokes made, in order.
func (m *Mocks) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Call(nil), m.calls...)
}

// Find returns the registrations of a type token.
func (m *Mocks) Find(typ string) []Registration {
	var out []Registration
	for _, r := range m.Registrations() {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	return out
}

// One returns the single registration of a type, or fails via fatal.
func (m *Mocks) One(fatal func(string, ...any), typ string) Registration {
	rs := m.Find(typ)
	if len(rs) != 1 {
		fatal("want one %s, got %d", typ, len(rs))
		return Registration{}
	}
	return rs[0]
}
