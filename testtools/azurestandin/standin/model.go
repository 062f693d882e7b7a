package standin

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// checkInputs is Check's work on one resource's inputs, shared by the
// provider and by the unit tests' mocks (Model): the provider's location
// where the type has one and none is set, the auto-name when the name is
// unset (returned, for the provider to keep), then the schema, the name
// rule and the kind's static rules.
func checkInputs(k *kind, sch *ObjectSchema, olds, news resource.PropertyMap, logical string, seed []byte, loc string) (string, []Failure, error) {
	if sch == nil {
		return "", nil, fmt.Errorf("the Azure stand-in's schema.json has no entry for %s", k.tokens[0])
	}
	if _, has := sch.Properties["location"]; has && getv(news, "location").IsNull() && loc != "" {
		news["location"] = str(loc)
	}
	nk := resource.PropertyKey(k.nameKey)
	autoname := ""
	if v := news[nk]; v.IsNull() {
		var err error
		if old := unwrap(olds[nk]); old.IsString() && old.StringValue() != "" {
			autoname = old.StringValue()
		} else if k.guidName {
			autoname = newGUID()
		} else if autoname, err = resource.NewUniqueName(seed, logical, 8, 0, nil); err != nil {
			return "", nil, err
		}
		news[nk] = str(autoname)
	}
	failures := validate(sch, news, "")
	if v := unwrap(news[nk]); v.IsString() {
		if v.StringValue() == "" {
			failures = append(failures, Failure{k.nameKey, fmt.Sprintf("'%s' must not be empty", k.nameKey)})
		} else if k.namePattern != nil && !k.namePattern.MatchString(v.StringValue()) {
			failures = append(failures, Failure{k.nameKey, fmt.Sprintf("'%s' is '%s' but must be %s", k.nameKey, v.StringValue(), k.nameRule)})
		}
	}
	if k.check != nil {
		failures = append(failures, k.check(news)...)
	}
	return autoname, failures, nil
}

// Tokens lists every resource token the stand-in has a kind for, sorted:
// the types its schema.json must describe.
func Tokens() []string {
	out := make([]string, 0, len(kinds))
	for t := range kinds {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Modeled is a resource as the stand-in's Check leaves it, with what ARM
// would call it.
type Modeled struct {
	// Kind is the stand-in's short name for the type (ManagedCluster), the
	// same for every API version's token.
	Kind, Name, ID, ARMType string
	// Inputs are the checked inputs: the auto-name and location filled in.
	Inputs resource.PropertyMap
}

// ModelInvoke checks an invoke's arguments against the schema, as the
// stand-in's Invoke does (a function the schema lacks is not checked).
func ModelInvoke(token string, args resource.PropertyMap) error {
	fn, ok := schema.Functions[token]
	if !ok {
		return nil
	}
	var reasons []string
	for _, f := range validate(fn, args, "") {
		reasons = append(reasons, f.Reason)
	}
	if len(reasons) > 0 {
		return fmt.Errorf("%s: %s", token, strings.Join(reasons, "; "))
	}
	return nil
}

// Model answers for a Pulumi mock from the same kind table and schema the
// stand-in serves, so that `go test` fails on what a real Check or ARM
// would refuse from the inputs alone: an unknown type, a missing required
// input, a misspelt property, a closed enum's wrong value, a broken name
// rule, a kind's static rule. What needs Azure's state (parents, quotas,
// the catalog, Service Connector) stays with the stand-in. seed makes the
// auto-name repeatable, as the engine's random seed does. The provider has
// no location to fill in: the program sets each resource's own.
func Model(token, logical string, seed []byte, in resource.PropertyMap) (Modeled, error) {
	k, err := kindOf(token)
	if err != nil {
		return Modeled{}, err
	}
	news := in.Copy()
	_, failures, err := checkInputs(k, schema.Resources[token], nil, news, logical, seed, "")
	if err != nil {
		return Modeled{}, err
	}
	if len(failures) > 0 {
		reasons := make([]string, len(failures))
		for i, f := range failures {
			reasons[i] = f.Reason
		}
		return Modeled{}, fmt.Errorf("%s %q: Check failed: %s", token, logical, strings.Join(reasons, "; "))
	}
	return Modeled{Kind: k.short, Name: gets(news, k.nameKey), ID: k.id(news), ARMType: k.armType, Inputs: news}, nil
}
