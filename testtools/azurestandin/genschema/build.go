package main

import (
	"fmt"
	"go/ast"
	"slices"
	"sort"
	"strings"
)

// spec and object are standin.Spec and standin.ObjectSchema as written:
// fields in alphabetical order and empty ones left out, so the file reads
// like the one json.MarshalIndent would give for sorted maps.
type spec struct {
	Const         string            `json:"const,omitempty"`
	Discriminator string            `json:"discriminator,omitempty"`
	Enum          []string          `json:"enum,omitempty"`
	Items         *spec             `json:"items,omitempty"`
	Open          *bool             `json:"open,omitempty"`
	Ref           string            `json:"ref,omitempty"`
	Type          string            `json:"type"`
	Values        *spec             `json:"values,omitempty"`
	Variants      map[string]string `json:"variants,omitempty"`
}

type object struct {
	APIVersion string           `json:"apiVersion,omitempty"`
	Args       map[string]*spec `json:"args,omitempty"`
	Outputs    []string         `json:"outputs,omitempty"`
	Properties map[string]*spec `json:"properties,omitempty"`
	Required   []string         `json:"required"`
}

type schemaFile struct {
	Functions map[string]*object `json:"functions"`
	Resources map[string]*object `json:"resources"`
	Source    string             `json:"source"`
	Types     map[string]*object `json:"types"`
}

// builder turns the SDK's plain structs into schema objects, following refs
// so that exactly the types reachable from the listed tokens are written.
type builder struct {
	out     *schemaFile
	overlay *overlay
	pending []typeRef
}

// typeRef is a plain struct of one package and the token prefix its types
// are published under (`azure-native:containerservice/v20240901`).
type typeRef struct {
	pkg    *goPkg
	prefix string
	name   string
}

func (b *builder) resource(tok string, p *goPkg, prefix, subPkg string) error {
	name, ok := p.resources[tok]
	if !ok {
		return fmt.Errorf("%s: no ctx.RegisterResource(%q)", p.dir, tok)
	}
	args := p.structs[lowerFirst(name)+"Args"]
	res := p.structs[name]
	if args == nil || res == nil {
		return fmt.Errorf("%s: %s or %sArgs is not a struct", p.dir, name, lowerFirst(name))
	}
	api, err := p.apiVersion(subPkg, name)
	if err != nil {
		return err
	}
	o, err := b.object(tok, typeRef{p, prefix, name}, args)
	if err != nil {
		return err
	}
	for _, goName := range p.required[name] {
		for _, f := range fields(args) {
			if f.goName == goName && !slices.Contains(o.Required, f.name) {
				o.Required = append(o.Required, f.name)
			}
		}
	}
	sort.Strings(o.Required)
	o.APIVersion = api
	o.Outputs = []string{}
	for _, f := range fields(res) {
		o.Outputs = append(o.Outputs, f.name)
	}
	sort.Strings(o.Outputs)
	b.out.Resources[tok] = o
	return nil
}

func (b *builder) function(tok string, p *goPkg, prefix string) error {
	name, ok := p.functions[tok]
	if !ok {
		return fmt.Errorf("%s: no ctx.Invoke(%q)", p.dir, tok)
	}
	o := &object{Args: map[string]*spec{}, Required: []string{}}
	// getClientConfig takes no arguments and has no Args struct.
	if args := p.structs[name+"Args"]; args != nil {
		a, err := b.object(tok, typeRef{p, prefix, name}, args)
		if err != nil {
			return err
		}
		o.Args, o.Required = a.Properties, a.Required
	}
	b.out.Functions[tok] = o
	return nil
}

// object reads a plain struct: a non-pointer field is required (that is how
// the SDK writes a required input), the rest are optional.
func (b *builder) object(owner string, at typeRef, st *ast.StructType) (*object, error) {
	o := &object{Properties: map[string]*spec{}, Required: []string{}}
	for _, f := range fields(st) {
		s, err := b.spec(owner+"."+f.name, at, f.typ)
		if err != nil {
			return nil, err
		}
		if m := expectedRe.FindStringSubmatch(f.doc); m != nil && s.Type == "string" {
			s.Const = m[1]
		}
		o.Properties[f.name] = s
		if _, ptr := f.typ.(*ast.StarExpr); !ptr && isScalarOrStruct(f.typ) {
			o.Required = append(o.Required, f.name)
		}
	}
	if extra, ok := b.overlay.Required[owner]; ok {
		o.Required = append(o.Required, extra.Add...)
	}
	sort.Strings(o.Required)
	return o, nil
}

// isScalarOrStruct leaves out slices, maps and interfaces: the SDK writes
// them the same whether they are required or not.
func isScalarOrStruct(t ast.Expr) bool {
	_, ok := t.(*ast.Ident)
	return ok
}

func (b *builder) spec(where string, at typeRef, t ast.Expr) (*spec, error) {
	switch t := t.(type) {
	case *ast.StarExpr:
		return b.spec(where, at, t.X)
	case *ast.ArrayType:
		items, err := b.spec(where, at, t.Elt)
		return &spec{Type: "array", Items: items}, err
	case *ast.MapType:
		if k, ok := t.Key.(*ast.Ident); !ok || k.Name != "string" {
			return nil, fmt.Errorf("%s: map key is not string", where)
		}
		values, err := b.spec(where, at, t.Value)
		return &spec{Type: "map", Values: values}, err
	case *ast.InterfaceType:
		return b.union(where, at)
	case *ast.Ident:
		switch t.Name {
		case "string":
			return &spec{Type: "string"}, nil
		case "int":
			return &spec{Type: "integer"}, nil
		case "float64":
			return &spec{Type: "number"}, nil
		case "bool":
			return &spec{Type: "boolean"}, nil
		}
		if values, ok := at.pkg.enums[t.Name]; ok {
			closed := false
			return &spec{Type: "string", Enum: values, Open: &closed}, nil
		}
		if _, ok := at.pkg.structs[t.Name]; ok {
			ref := typeRef{at.pkg, at.prefix, t.Name}
			b.pending = append(b.pending, ref)
			return &spec{Type: "object", Ref: ref.token()}, nil
		}
	}
	return nil, fmt.Errorf("%s: Go type %T %v has no schema type", where, t, t)
}

// union: the SDK types a union as interface{}; which structs are its
// variants comes from the overlay, their discriminator values from the SDK.
func (b *builder) union(where string, at typeRef) (*spec, error) {
	u, ok := b.overlay.Unions[where]
	if !ok {
		return nil, fmt.Errorf("%s is interface{} in the SDK: list its variants in the overlay's unions", where)
	}
	b.overlay.usedUnions[where] = true
	s := &spec{Type: "union", Variants: map[string]string{}}
	for _, v := range u.Variants {
		st := at.pkg.structs[v]
		if st == nil {
			return nil, fmt.Errorf("%s: variant %s is not a struct in %s", where, v, at.pkg.dir)
		}
		disc, value := "", ""
		for _, f := range fields(st) {
			if m := expectedRe.FindStringSubmatch(f.doc); m != nil {
				disc, value = f.name, m[1]
			}
		}
		if disc == "" || (s.Discriminator != "" && s.Discriminator != disc) {
			return nil, fmt.Errorf("%s: variant %s has no discriminator field shared with the others", where, v)
		}
		s.Discriminator = disc
		ref := typeRef{at.pkg, at.prefix, v}
		b.pending = append(b.pending, ref)
		s.Variants[value] = ref.token()
	}
	return s, nil
}

// drain writes every type reached so far, and those they reach.
func (b *builder) drain() error {
	for len(b.pending) > 0 {
		ref := b.pending[0]
		b.pending = b.pending[1:]
		tok := ref.token()
		if _, done := b.out.Types[tok]; done {
			continue
		}
		b.out.Types[tok] = &object{} // placeholder: a recursive type stops here
		o, err := b.object(tok, ref, ref.pkg.structs[ref.name])
		if err != nil {
			return err
		}
		b.out.Types[tok] = o
	}
	return nil
}

func (r typeRef) token() string { return r.prefix + ":" + r.name }

func lowerFirst(s string) string { return strings.ToLower(s[:1]) + s[1:] }
