package standin

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// schema.json is the input schema of azure-native 2.92.0, trimmed to what
// validation needs, for exactly the types this program uses.
//
//go:embed schema.json
var schemaJSON []byte

// Spec is one property's schema.
type Spec struct {
	Type          string         `json:"type"`
	Ref           string         `json:"ref"`
	Enum          []string       `json:"enum"`
	Open          bool           `json:"open"`
	Const         string         `json:"const"`
	Discriminator string         `json:"discriminator"`
	Variants      map[string]any `json:"variants"`
	Items         *Spec          `json:"items"`
	Values        *Spec          `json:"values"`
}

// ObjectSchema is a resource's, a type's or a function's inputs.
type ObjectSchema struct {
	APIVersion string           `json:"apiVersion"`
	Required   []string         `json:"required"`
	Properties map[string]*Spec `json:"properties"`
	Args       map[string]*Spec `json:"args"`
	Outputs    []string         `json:"outputs"`
}

// Schema is the whole trimmed schema.
type Schema struct {
	Resources map[string]*ObjectSchema `json:"resources"`
	Types     map[string]*ObjectSchema `json:"types"`
	Functions map[string]*ObjectSchema `json:"functions"`
}

var schema = func() *Schema {
	var s Schema
	if err := json.Unmarshal(schemaJSON, &s); err != nil {
		panic(err)
	}
	for _, f := range s.Functions {
		f.Properties = f.Args
	}
	return &s
}()

// Failure is one Check failure: a property path and why.
type Failure struct {
	Property, Reason string
}

// validate checks inputs against an object schema as azure-native's Check
// does: required properties, types, closed enums, union discriminators and
// their const values. Unknown values pass (they are checked once known).
// Unlike azure-native, which drops properties it does not know, unknown
// property names fail: the program registers some types by raw token, and a
// misspelt name would otherwise vanish silently.
func validate(obj *ObjectSchema, in resource.PropertyMap, path string) []Failure {
	var fs []Failure
	for _, r := range obj.Required {
		v, ok := in[resource.PropertyKey(r)]
		if !ok || v.IsNull() {
			fs = append(fs, Failure{join(path, r), fmt.Sprintf("missing required property '%s'", join(path, r))})
		}
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "__") {
			continue
		}
		spec, ok := obj.Properties[k]
		if !ok {
			known := make([]string, 0, len(obj.Properties))
			for p := range obj.Properties {
				known = append(known, p)
			}
			sort.Strings(known)
			fs = append(fs, Failure{join(path, k), fmt.Sprintf("'%s' is not a property of this type; known properties: %s", join(path, k), strings.Join(known, ", "))})
			continue
		}
		fs = append(fs, validateValue(spec, in[resource.PropertyKey(k)], join(path, k))...)
	}
	return fs
}

func validateValue(spec *Spec, v resource.PropertyValue, path string) []Failure {
	v = unwrap(v)
	if v.IsNull() || v.IsComputed() || v.IsOutput() {
		return nil
	}
	bad := func(want string) []Failure {
		return []Failure{{path, fmt.Sprintf("'%s' must be %s, not %s", path, want, describe(v))}}
	}
	switch spec.Type {
	case "string":
		if !v.IsString() {
			return bad("a string")
		}
		s := v.StringValue()
		if spec.Const != "" && s != spec.Const {
			return []Failure{{path, fmt.Sprintf("'%s' is '%s' but must be '%s'", path, s, spec.Const)}}
		}
		if len(spec.Enum) > 0 && !spec.Open && !slices.Contains(spec.Enum, s) {
			return []Failure{{path, fmt.Sprintf("'%s' is '%s' but expected one of ['%s']", path, s, strings.Join(spec.Enum, "','"))}}
		}
	case "integer":
		if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) {
			return bad("a whole number")
		}
	case "number":
		if !v.IsNumber() {
			return bad("a number")
		}
	case "boolean":
		if !v.IsBool() {
			return bad("a boolean")
		}
	case "array":
		if !v.IsArray() {
			return bad("an array")
		}
		var fs []Failure
		for i, item := range v.ArrayValue() {
			fs = append(fs, validateValue(spec.Items, item, fmt.Sprintf("%s[%d]", path, i))...)
		}
		return fs
	case "map":
		if !v.IsObject() {
			return bad("a map")
		}
		var fs []Failure
		for k, item := range v.ObjectValue() {
			fs = append(fs, validateValue(spec.Values, item, path+"."+string(k))...)
		}
		return fs
	case "object":
		if !v.IsObject() {
			return bad("an object")
		}
		t, ok := schema.Types[spec.Ref]
		if !ok {
			return nil
		}
		return validate(t, v.ObjectValue(), path)
	case "union":
		if !v.IsObject() {
			return bad("an object")
		}
		obj := v.ObjectValue()
		if spec.Discriminator == "" {
			return nil
		}
		d := unwrap(obj[resource.PropertyKey(spec.Discriminator)])
		dpath := path + "." + spec.Discriminator
		if d.IsComputed() || d.IsOutput() {
			return nil
		}
		allowed := make([]string, 0, len(spec.Variants))
		for k := range spec.Variants {
			allowed = append(allowed, k)
		}
		sort.Strings(allowed)
		if !d.IsString() || d.StringValue() == "" {
			return []Failure{{dpath, fmt.Sprintf("missing required property '%s' (the discriminator): one of ['%s']", dpath, strings.Join(allowed, "','"))}}
		}
		ref, ok := spec.Variants[d.StringValue()].(string)
		if !ok {
			return []Failure{{dpath, fmt.Sprintf("'%s' is '%s' but expected one of ['%s']", dpath, d.StringValue(), strings.Join(allowed, "','"))}}
		}
		if t, ok := schema.Types[ref]; ok {
			return validate(t, obj, path)
		}
	}
	return nil
}

func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

func describe(v resource.PropertyValue) string {
	switch {
	case v.IsString():
		return fmt.Sprintf("the string '%s'", v.StringValue())
	case v.IsNumber():
		return fmt.Sprintf("the number %v", v.NumberValue())
	case v.IsBool():
		return fmt.Sprintf("the boolean %v", v.BoolValue())
	case v.IsArray():
		return "an array"
	case v.IsObject():
		return "an object"
	}
	return string(v.TypeString())
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
