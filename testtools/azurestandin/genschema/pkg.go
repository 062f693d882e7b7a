package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// goPkg is what one SDK package's generated sources say about its tokens.
// The generator writes every fact the stand-in needs in a fixed shape (a
// RegisterResource call, a nil check, a plain struct, a typed const), so
// reading the syntax is enough: no type checking, no build of the SDK.
type goPkg struct {
	dir       string
	structs   map[string]*ast.StructType
	typeDocs  map[string]string   // doc comment of each type declaration
	enums     map[string][]string // enum type -> values, in declaration order
	resources map[string]string   // token -> resource struct name
	functions map[string]string   // token -> exported invoke function name
	required  map[string][]string // resource name -> inputs NewX rejects when nil
}

// Parsed once per directory: the top-level packages are shared by several tokens.
var pkgCache = map[string]*goPkg{}

func loadPkg(dir string) (*goPkg, error) {
	if p, ok := pkgCache[dir]; ok {
		return p, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	p := &goPkg{dir: dir, structs: map[string]*ast.StructType{}, typeDocs: map[string]string{},
		enums: map[string][]string{}, resources: map[string]string{}, functions: map[string]string{},
		required: map[string][]string{}}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return nil, err
		}
		p.addFile(f)
	}
	pkgCache[dir] = p
	return p, nil
}

func (p *goPkg) addFile(f *ast.File) {
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			p.addGenDecl(d)
		case *ast.FuncDecl:
			p.addFunc(d)
		}
	}
}

func (p *goPkg) addGenDecl(d *ast.GenDecl) {
	for _, s := range d.Specs {
		switch s := s.(type) {
		case *ast.TypeSpec:
			doc := s.Doc
			if doc == nil {
				doc = d.Doc
			}
			p.typeDocs[s.Name.Name] = doc.Text()
			if st, ok := s.Type.(*ast.StructType); ok {
				p.structs[s.Name.Name] = st
			}
		case *ast.ValueSpec:
			// Enum values are written `Name = EnumType("value")`.
			if d.Tok != token.CONST || len(s.Values) != 1 {
				continue
			}
			call, ok := s.Values[0].(*ast.CallExpr)
			if !ok || len(call.Args) != 1 {
				continue
			}
			typ, ok1 := call.Fun.(*ast.Ident)
			lit, ok2 := call.Args[0].(*ast.BasicLit)
			if !ok1 || !ok2 || lit.Kind != token.STRING {
				continue
			}
			v, _ := strconv.Unquote(lit.Value)
			if !slices.Contains(p.enums[typ.Name], v) {
				p.enums[typ.Name] = append(p.enums[typ.Name], v)
			}
		}
	}
}

// addFunc records NewX's token and required inputs, and an invoke's token.
func (p *goPkg) addFunc(fn *ast.FuncDecl) {
	if fn.Body == nil || fn.Recv != nil {
		return
	}
	name := fn.Name.Name
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || len(n.Args) == 0 {
				return true
			}
			lit, ok := n.Args[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			tok, _ := strconv.Unquote(lit.Value)
			switch {
			case sel.Sel.Name == "RegisterResource" && strings.HasPrefix(name, "New"):
				p.resources[tok] = strings.TrimPrefix(name, "New")
			case sel.Sel.Name == "Invoke":
				p.functions[tok] = name
			}
		case *ast.IfStmt:
			// `if args.X == nil { return nil, errors.New("... required argument 'X'") }`
			if field := nilCheckedArg(n.Cond); field != "" && mentionsRequired(n.Body) {
				p.required[strings.TrimPrefix(name, "New")] = append(p.required[strings.TrimPrefix(name, "New")], field)
			}
		}
		return true
	})
}

func nilCheckedArg(cond ast.Expr) string {
	b, ok := cond.(*ast.BinaryExpr)
	if !ok || b.Op != token.EQL {
		return ""
	}
	sel, ok := b.X.(*ast.SelectorExpr)
	nilIdent, ok2 := b.Y.(*ast.Ident)
	if !ok || !ok2 || nilIdent.Name != "nil" {
		return ""
	}
	if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "args" {
		return ""
	}
	return sel.Sel.Name
}

func mentionsRequired(body *ast.BlockStmt) bool {
	found := false
	ast.Inspect(body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && strings.Contains(lit.Value, "required argument") {
			found = true
		}
		return !found
	})
	return found
}

// field is one `pulumi:"name"` field of a struct.
type field struct {
	goName, name string
	typ          ast.Expr
	doc          string
}

func fields(st *ast.StructType) []field {
	var out []field
	for _, f := range st.Fields.List {
		if f.Tag == nil || len(f.Names) != 1 {
			continue
		}
		tag, _ := strconv.Unquote(f.Tag.Value)
		name := reflect.StructTag(tag).Get("pulumi")
		if name == "" {
			continue
		}
		out = append(out, field{goName: f.Names[0].Name, name: name, typ: f.Type, doc: f.Doc.Text()})
	}
	return out
}

var (
	// "Azure REST API version: X." up to about v2.85, "Uses Azure REST API version X." after.
	apiVersionRe = regexp.MustCompile(`Azure REST API version:? ([0-9A-Za-z-]+)\.`)
	expectedRe   = regexp.MustCompile(`Expected value is '([^']+)'\.`)
	versionPkgRe = regexp.MustCompile(`^v(\d{4})(\d{2})(\d{2})([a-z]*)$`)
)

// apiVersion is the sub-package's version when the token names one (the
// sub-package IS that API version, and its docs do not repeat it), else the
// default version the resource's doc comment states.
func (p *goPkg) apiVersion(subPkg, resource string) (string, error) {
	if m := versionPkgRe.FindStringSubmatch(subPkg); m != nil {
		v := m[1] + "-" + m[2] + "-" + m[3]
		if m[4] != "" {
			v += "-" + m[4]
		}
		return v, nil
	}
	m := apiVersionRe.FindStringSubmatch(p.typeDocs[resource])
	if m == nil {
		return "", fmt.Errorf("%s: no \"Azure REST API version\" in the doc comment of %s", p.dir, resource)
	}
	return m[1], nil
}
