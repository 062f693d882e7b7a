package standin

import (
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// A refresh (Read) returns the inputs as azure-native computes them
// (pulumi/pulumi-azure-native provider/pkg/provider/provider.go, Read; and
// diff.go, applyDiff): it cannot read a resource's inputs, so it projects
// the old outputs and the outputs read now onto the input shape (read-only
// properties dropped), diffs the two projections, and applies only that
// difference to the inputs in the state. A property Azure changed by
// itself (an account's kind, a deployment's model version, a cluster's
// Kubernetes version) thus lands in the inputs, and the next preview diffs
// the program against it; one Azure left alone keeps the program's value.

// refreshedInputs is Read's inputs: old inputs with the change between the
// old and the new outputs' input projections applied.
func refreshedInputs(token string, oldInputs, oldOutputs, newOutputs resource.PropertyMap) resource.PropertyMap {
	obj := schema.Resources[token]
	if obj == nil {
		return oldInputs
	}
	before := projectInputs(obj, oldOutputs)
	after := projectInputs(obj, newOutputs)
	return applyChange(oldInputs, before.Diff(after))
}

// projectInputs keeps, at every level, only the properties the schema
// lists as inputs.
func projectInputs(obj *ObjectSchema, m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		spec, ok := obj.Properties[string(k)]
		if !ok {
			continue
		}
		out[k] = projectValue(spec, unwrap(v))
	}
	return out
}

func projectValue(spec *Spec, v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsObject() && spec.Ref != "":
		if t := schema.Types[spec.Ref]; t != nil {
			return resource.NewObjectProperty(projectInputs(t, v.ObjectValue()))
		}
	case v.IsObject() && spec.Type == "union" && spec.Discriminator != "":
		variant, _ := spec.Variants[gets(v.ObjectValue(), spec.Discriminator)].(string)
		if t := schema.Types[variant]; t != nil {
			return resource.NewObjectProperty(projectInputs(t, v.ObjectValue()))
		}
	case v.IsArray() && spec.Items != nil:
		items := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			items[i] = projectValue(spec.Items, unwrap(e))
		}
		return resource.NewArrayProperty(items)
	}
	return v
}

// applyChange merges a diff of two output projections into the inputs:
// deleted keys go, added keys come, and an updated object or array is
// merged key by key (element by element), so properties the inputs never
// had stay out unless Azure changed them.
func applyChange(inputs resource.PropertyMap, d *resource.ObjectDiff) resource.PropertyMap {
	if d == nil {
		return inputs
	}
	out := resource.PropertyMap{}
	for k, v := range inputs {
		if !d.Deleted(k) {
			out[k] = v
		}
	}
	for k, v := range d.Adds {
		out[k] = v
	}
	for k, u := range d.Updates {
		if base, has := inputs[k]; has {
			out[k] = mergeChange(unwrap(base), u.Old, u.New)
		} else {
			out[k] = u.New
		}
	}
	return out
}

func mergeChange(base, old, updated resource.PropertyValue) resource.PropertyValue {
	if base.IsObject() && old.IsObject() && updated.IsObject() {
		return resource.NewObjectProperty(applyChange(base.ObjectValue(), old.ObjectValue().Diff(updated.ObjectValue())))
	}
	if base.IsArray() && old.IsArray() && updated.IsArray() {
		b, o, n := base.ArrayValue(), old.ArrayValue(), updated.ArrayValue()
		out := make([]resource.PropertyValue, len(n))
		for i := range n {
			if i < len(b) && i < len(o) {
				out[i] = mergeChange(unwrap(b[i]), unwrap(o[i]), unwrap(n[i]))
			} else {
				out[i] = n[i]
			}
		}
		return resource.NewArrayProperty(out)
	}
	return updated
}

// readInputs is what Read returns as the inputs: azure-native's projection
// when the engine sends the old inputs, the stored request when it does
// not (an import).
func (p *Provider) readInputs(token string, req *pulumirpc.ReadRequest, obj *Object) (*structpb.Struct, error) {
	in := fromState(obj.Inputs)
	if req.GetInputs() != nil {
		oldIn, err := unmarshal(req.GetInputs(), plainOpts)
		if err != nil {
			return nil, err
		}
		oldOut, err := unmarshal(req.GetProperties(), plainOpts)
		if err != nil {
			return nil, err
		}
		in = refreshedInputs(token, oldIn, oldOut, fromState(obj.Outputs))
	}
	return marshal(in, plainOpts)
}

// deleteBeforeReplace is azure-native's Diff rule: a replacement deletes
// the old resource first unless Check generated its name at random
// (provider.go, Diff: `deleteBeforeReplace := len(replaces) > 0`, turned
// off by the `__createBeforeDelete` flag Check sets for a random name).
func (p *Provider) deleteBeforeReplace(urn, oldName string) bool {
	auto := ""
	_ = p.Store.View(func(s *State) error { auto = s.Autonames[urn]; return nil })
	return auto == "" || auto != oldName
}
