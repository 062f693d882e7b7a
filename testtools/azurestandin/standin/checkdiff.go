package standin

import (
	"context"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// Check validates inputs as azure-native and ARM would, fills in the
// provider's location, and auto-names the resource when its name is unset.
func (p *Provider) Check(_ context.Context, req *pulumirpc.CheckRequest) (resp *pulumirpc.CheckResponse, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	logical := urnName(req.GetUrn())
	defer p.logged("Check", token, logical, &err)()
	k, err := kindOf(token)
	if err != nil {
		return nil, err
	}
	olds, news, err := unmarshalPair(req.GetOlds(), req.GetNews())
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	loc := p.location
	p.mu.Unlock()
	autoname, failures, err := checkInputs(k, schema.Resources[token], olds, news, logical, req.GetRandomSeed(), loc)
	if err != nil {
		return nil, err
	}
	if autoname != "" {
		if err := p.Store.Update(func(s *State) error { s.Autonames[req.GetUrn()] = autoname; return nil }); err != nil {
			return nil, err
		}
	}
	inputs, err := marshal(news, withUnknowns)
	if err != nil {
		return nil, err
	}
	resp = &pulumirpc.CheckResponse{Inputs: inputs}
	seen := map[string]bool{}
	for _, f := range failures {
		if seen[f.Reason] {
			continue
		}
		seen[f.Reason] = true
		resp.Failures = append(resp.Failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
	}
	return resp, nil
}

// changedKeys lists the top-level keys whose values differ; unknown new
// values count as changed.
func changedKeys(olds, news resource.PropertyMap) []string {
	var out []string
	for _, k := range unionKeys(olds, news) {
		o, n := unwrap(olds[resource.PropertyKey(k)]), unwrap(news[resource.PropertyKey(k)])
		if !sameValue(o, n) {
			out = append(out, k)
		}
	}
	return out
}

func unionKeys(a, b resource.PropertyMap) []string {
	set := map[string]bool{}
	for k := range a {
		set[string(k)] = true
	}
	for k := range b {
		set[string(k)] = true
	}
	var out []string
	for k := range set {
		if !strings.HasPrefix(k, "__") {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// unmarshalPair reads the old and new properties of a Check or Diff,
// unknowns kept.
func unmarshalPair(olds, news *structpb.Struct) (resource.PropertyMap, resource.PropertyMap, error) {
	o, err := unmarshal(olds, withUnknowns)
	if err != nil {
		return nil, nil, err
	}
	n, err := unmarshal(news, withUnknowns)
	return o, n, err
}

// sameValue compares two values ignoring secretness; unknowns differ.
func sameValue(a, b resource.PropertyValue) bool {
	a, b = unwrap(a), unwrap(b)
	if a.ContainsUnknowns() || b.ContainsUnknowns() {
		return false
	}
	return reflect.DeepEqual(plainValue(a), plainValue(b))
}

// Diff compares the new inputs with the old ones and says what Azure must
// replace.
func (p *Provider) Diff(_ context.Context, req *pulumirpc.DiffRequest) (resp *pulumirpc.DiffResponse, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	defer p.logged("Diff", token, urnName(req.GetUrn()), &err)()
	k, err := kindOf(token)
	if err != nil {
		return nil, err
	}
	oldStruct := req.GetOldInputs()
	if oldStruct == nil {
		oldStruct = req.GetOlds()
	}
	olds, news, err := unmarshalPair(oldStruct, req.GetNews())
	if err != nil {
		return nil, err
	}
	changed := changedKeys(olds, news)
	if len(changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
	}
	resp = &pulumirpc.DiffResponse{
		Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed,
		DetailedDiff: map[string]*pulumirpc.PropertyDiff{}, HasDetailedDiff: true,
	}
	for _, c := range changed {
		replace := slices.Contains(k.replace, c)
		path := c
		for _, r := range k.replace {
			if top, _, nested := strings.Cut(r, "."); nested && top == c && !sameValue(getv(olds, r), getv(news, r)) &&
				!(getv(olds, r).IsNull() && getv(news, r).IsNull()) {
				replace, path = true, r
			}
		}
		if replace {
			resp.Replaces = append(resp.Replaces, c)
		}
		for p, d := range detailFor(olds, news, c, replace, path) {
			resp.DetailedDiff[p] = d
		}
	}
	if len(resp.Replaces) > 0 {
		resp.DeleteBeforeReplace = p.deleteBeforeReplace(req.GetUrn(), gets(olds, k.nameKey))
	}
	return resp, nil
}
