package main

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"

	"aks-openai-workload-identity/testtools/mocks"
)

// resolveAlias is the URN an alias spec stands for, by the engine's rule:
// each field the spec leaves empty is the resource's own (its name, type,
// stack, project and parent).
func resolveAlias(t *testing.T, r mocks.Registration, i int) resource.URN {
	t.Helper()
	spec := r.Aliases[i].GetSpec()
	if spec == nil {
		t.Fatalf("%s %s: alias %d is not a spec: %v", r.Type, r.Name, i, r.Aliases[i])
	}
	or := func(v, own string) string {
		if v == "" {
			return own
		}
		return v
	}
	parent := resource.URN(r.Parent)
	switch {
	case spec.GetNoParent():
		parent = ""
	case spec.GetParentUrn() != "":
		parent = resource.URN(spec.GetParentUrn())
	}
	var parentType tokens.Type
	if parent != "" && parent.QualifiedType() != resource.RootStackType {
		parentType = parent.QualifiedType()
	}
	return resource.NewURN(tokens.QName(or(spec.GetStack(), mocks.Stack)), tokens.PackageName(or(spec.GetProject(), mocks.Project)),
		parentType, tokens.Type(or(spec.GetType(), r.Type)), or(spec.GetName(), r.Name))
}

// Stacks deployed before the components were renamed hold them (and,
// through their type, every child) under the old type names: each renamed
// component's alias must resolve to the URN it had then, so the upgrade
// replaces nothing. e2e's TestProdStackDirectModeAndSwitchingModes deploys
// with the old names and wants the next preview to change nothing.
func TestRenamedComponentsKeepTheirOldURNs(t *testing.T) {
	renamed := []struct{ stack, typ, old string }{
		{"dev", "aksopenai:infra:ServiceConnectorLink", "aksopenai:infra:Connection"},
		{"prod", "aksopenai:infra:FederatedCredentialAndRole", "aksopenai:infra:DirectAccess"},
		{"prod", "aksopenai:k8s:ServiceAccountAndSecret", "aksopenai:k8s:WorkloadIdentity"},
	}
	for _, c := range renamed {
		m := &mocks.Mocks{}
		if _, err := runProgram(t, m, stackConfig(t, c.stack)); err != nil {
			t.Fatal(err)
		}
		r := m.One(t.Fatalf, c.typ)
		parent := resource.URN(r.Parent)
		var parentType tokens.Type
		if parent.QualifiedType() != resource.RootStackType {
			parentType = parent.QualifiedType()
		}
		before := resource.NewURN(mocks.Stack, mocks.Project, parentType, tokens.Type(c.old), r.Name)
		var resolved []resource.URN
		for i := range r.Aliases {
			resolved = append(resolved, resolveAlias(t, r, i))
		}
		if len(resolved) != 1 || resolved[0] != before {
			t.Errorf("%s: aliases resolve to %v, want the URN before the rename, %s", c.typ, resolved, before)
		}
	}
}
