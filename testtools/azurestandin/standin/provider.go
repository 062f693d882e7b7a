// Package standin is a local stand-in for Azure behind the azure-native
// Pulumi provider: a resource provider server that keeps Azure's resources
// in a JSON state file, checks inputs and answers like ARM, and emulates
// Service Connector. See README.md.
package standin

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// DefaultVersion is the azure-native version reported when neither
// AZURE_STANDIN_VERSION nor the plugin's directory names one.
const DefaultVersion = "2.92.0"

// Provider serves pulumirpc.ResourceProviderServer as azure-native.
type Provider struct {
	pulumirpc.UnimplementedResourceProviderServer

	Store   Store
	Version string
	// Getenv reads the knobs (os.Getenv by default); tests replace it.
	Getenv func(string) string
	// NewKube makes the cluster client for Service Connector's objects;
	// by default a RESTKube on AZURE_STANDIN_KUBECONFIG.
	NewKube func() (Kube, error)
	Now     func() time.Time

	mu       sync.Mutex
	location string
	wg       sync.WaitGroup
}

// New makes a provider from the environment.
func New() *Provider {
	return &Provider{
		Store:   Store{Dir: os.Getenv(EnvState)},
		Version: PluginVersion(),
		Getenv:  os.Getenv,
	}
}

// PluginVersion is AZURE_STANDIN_VERSION, else the version in the plugin's
// directory name (~/.pulumi/plugins/resource-azure-native-v2.90.0/), else
// DefaultVersion.
func PluginVersion() string {
	if v := os.Getenv(EnvVersion); v != "" {
		return strings.TrimPrefix(v, "v")
	}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Base(filepath.Dir(exe))
		if _, v, ok := strings.Cut(dir, "resource-azure-native-v"); ok && v != "" {
			return v
		}
	}
	return DefaultVersion
}

// Wait blocks until Service Connector's pending cluster work is done, or
// the timeout passes.
func (p *Provider) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

func (p *Provider) env(k string) string {
	if p.Getenv == nil {
		return os.Getenv(k)
	}
	return p.Getenv(k)
}

func (p *Provider) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Provider) faults() []fault {
	f, _ := parseFaults(p.env(EnvFaults))
	return f
}

func (p *Provider) kube() (Kube, error) {
	if p.NewKube != nil {
		return p.NewKube()
	}
	return NewRESTKube(p.env(EnvKubeconfig))
}

// log appends one line per call to AZURE_STANDIN_LOG.
func (p *Provider) log(method, typ, name string, dur time.Duration, result string) {
	start := p.now().Add(-dur).UTC().Format(time.RFC3339Nano)
	logLine(p.env(EnvLog), fmt.Sprintf("%s version=%s pid=%d method=%s type=%s name=%s dur=%s result=%s",
		start, p.Version, os.Getpid(), method, typ, name, dur.Round(time.Millisecond), strings.ReplaceAll(result, "\n", " ")))
}

func (p *Provider) logged(method, typ, name string, errp *error) func() {
	start := p.now()
	return func() {
		result := "ok"
		if *errp != nil {
			result = "error: " + (*errp).Error()
		}
		p.log(method, typ, name, p.now().Sub(start), result)
	}
}

var (
	withUnknowns = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}
	plainOpts    = plugin.MarshalOptions{SkipNulls: true}
)

func unmarshal(s *structpb.Struct, opts plugin.MarshalOptions) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func marshal(pm resource.PropertyMap, opts plugin.MarshalOptions) (*structpb.Struct, error) {
	return plugin.MarshalProperties(pm, opts)
}

// urnType and urnName read a URN's type token and logical name.
func urnType(urn string) string {
	parts := strings.Split(urn, "::")
	if len(parts) < 4 {
		return ""
	}
	types := strings.Split(parts[2], "$")
	return types[len(types)-1]
}

func urnName(urn string) string {
	parts := strings.Split(urn, "::")
	return parts[len(parts)-1]
}

func typeOf(reqType, urn string) string {
	if reqType != "" {
		return reqType
	}
	return urnType(urn)
}

func kindOf(token string) (*kind, error) {
	k, ok := kinds[token]
	if !ok {
		return nil, fmt.Errorf("the Azure stand-in does not support resource type %s", token)
	}
	return k, nil
}

// --- provider configuration --------------------------------------------------

// GetPluginInfo reports the version this binary serves as.
func (p *Provider) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: p.Version}, nil
}

// GetSchema returns a minimal package schema.
func (p *Provider) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":"azure-native","version":%q}`, p.Version)}, nil
}

// CheckConfig accepts any configuration.
func (p *Provider) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	var failures []*pulumirpc.CheckFailure
	if _, err := parseFaults(p.env(EnvFaults)); err != nil {
		failures = append(failures, &pulumirpc.CheckFailure{Reason: err.Error()})
	}
	if _, err := latencies(p.env(EnvLatency)); err != nil {
		failures = append(failures, &pulumirpc.CheckFailure{Reason: err.Error()})
	}
	if _, err := p.callerGrants(); err != nil {
		failures = append(failures, &pulumirpc.CheckFailure{Reason: err.Error()})
	}
	return &pulumirpc.CheckResponse{Inputs: req.GetNews(), Failures: failures}, nil
}

// DiffConfig reports a change (never a replacement) when the config differs.
func (p *Provider) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, news, err := unmarshalPair(req.GetOldInputs(), req.GetNews())
	if err != nil {
		return nil, err
	}
	if changed := changedKeys(olds, news); len(changed) > 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_SOME, Diffs: changed}, nil
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// Configure takes the provider's location, the default for resources that
// have none, and its subscription.
func (p *Provider) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	loc := req.GetVariables()["azure-native:config:location"]
	sub := req.GetVariables()["azure-native:config:subscriptionId"]
	if args, err := unmarshal(req.GetArgs(), plainOpts); err == nil {
		if gets(args, "location") != "" {
			loc = gets(args, "location")
		}
		if gets(args, "subscriptionId") != "" {
			sub = gets(args, "subscriptionId")
		}
	}
	p.configureSubscription(sub)
	p.mu.Lock()
	p.location = loc
	p.mu.Unlock()
	return &pulumirpc.ConfigureResponse{SupportsPreview: true}, nil
}

// Cancel is a no-op.
func (p *Provider) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// --- Check and Diff ------------------------------------------------------------

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
	sch := schema.Resources[token]
	p.mu.Lock()
	loc := p.location
	p.mu.Unlock()
	if _, has := sch.Properties["location"]; has && getv(news, "location").IsNull() && loc != "" {
		news["location"] = str(loc)
	}

	nk := resource.PropertyKey(k.nameKey)
	if v := news[nk]; v.IsNull() {
		name := ""
		if old := unwrap(olds[nk]); old.IsString() && old.StringValue() != "" {
			name = old.StringValue()
		} else if k.guidName {
			name = newGUID()
		} else if name, err = resource.NewUniqueName(req.GetRandomSeed(), logical, 8, 0, nil); err != nil {
			return nil, err
		}
		news[nk] = str(name)
		if err := p.Store.Update(func(s *State) error { s.Autonames[req.GetUrn()] = name; return nil }); err != nil {
			return nil, err
		}
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
		failures = append(failures, k.check(p, news)...)
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

// --- Create, Read, Update, Delete --------------------------------------------

// fault counts an operation and returns the ARM error a matching
// AZURE_STANDIN_FAULTS rule injects. The count is committed even when the
// operation then fails, so "the 1st create" means the 1st attempt.
func (p *Provider) fault(short, opName string) error {
	rules := p.faults()
	if len(rules) == 0 {
		return nil
	}
	var ferr error
	err := p.Store.Update(func(s *State) error {
		if v, hit := faultFor(rules, s, short, opName); hit {
			ferr = statusFault(short, opName, v)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return ferr
}

// latency sleeps AZURE_STANDIN_LATENCY's delay for the type.
func (p *Provider) latency(short string) {
	time.Sleep(p.latencyOf(short))
}

// Create records the resource after checking what ARM checks.
func (p *Provider) Create(_ context.Context, req *pulumirpc.CreateRequest) (resp *pulumirpc.CreateResponse, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	defer p.logged(map[bool]string{true: "Create(preview)", false: "Create"}[req.GetPreview()], token, urnName(req.GetUrn()), &err)()
	id, props, err := p.put(token, req.GetUrn(), req.GetProperties(), nil, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

// Update applies new inputs to an existing resource (ARM PUT).
func (p *Provider) Update(_ context.Context, req *pulumirpc.UpdateRequest) (resp *pulumirpc.UpdateResponse, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	defer p.logged(map[bool]string{true: "Update(preview)", false: "Update"}[req.GetPreview()], token, urnName(req.GetUrn()), &err)()
	olds, err := unmarshal(req.GetOlds(), withUnknowns)
	if err != nil {
		return nil, err
	}
	old := &Object{ID: req.GetId(), Type: token, Outputs: plain(olds)}
	_, props, err := p.put(token, req.GetUrn(), req.GetNews(), old, req.GetPreview())
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

// put is an ARM PUT, the create (old nil) or update of a resource: in a
// preview the outputs a preview shows; else the result, stored when ARM
// accepts the PUT and returned after the type's latency (accepted.go). A
// PUT that ends in failure leaves the resource behind, failed, as
// azure-native reports it.
func (p *Provider) put(token, urn string, news *structpb.Struct, old *Object, preview bool) (string, *structpb.Struct, error) {
	k, err := kindOf(token)
	if err != nil {
		return "", nil, err
	}
	in, err := unmarshal(news, withUnknowns)
	if err != nil {
		return "", nil, err
	}
	if preview {
		props, err := marshal(previewOutputs(k, token, in, old), withUnknowns)
		return "", props, err
	}
	if err := p.authorizePut(k, in, old == nil); err != nil {
		return "", nil, err
	}
	p.azureChanges()
	if err := p.prepare(k, in); err != nil {
		return "", nil, err
	}
	end, err := p.beginWrite(k, in)
	if err != nil {
		return "", nil, err
	}
	defer end()
	op := "create"
	if old != nil {
		op = "update"
	}
	c, err := p.apply(k, token, urn, in, old, op)
	if err != nil {
		return "", nil, err
	}
	p.latency(k.short)
	for _, f := range c.after {
		f()
	}
	props, err := marshal(c.out, plainOpts)
	if err != nil {
		return "", nil, err
	}
	if c.initFailed != nil {
		return "", nil, initFailed(c.id, props, news, c.initFailed)
	}
	return c.id, props, nil
}

// authorizePut is ARM's check of a PUT: write on the resource, after, for
// a create, azure-native's read of the id (canCreate).
func (p *Provider) authorizePut(k *kind, in resource.PropertyMap, create bool) error {
	for _, ik := range k.idKeys {
		if gets(in, ik) == "" {
			return nil // apply answers the missing name
		}
	}
	id := k.id(in)
	role := assigningRole(k, func(key string) string { return gets(in, key) })
	if create {
		if err := p.canCreate(k, id); err != nil {
			return err
		}
	}
	return p.authorize(k.actionType()+"/write", id, role)
}

// initFailed reports an operation that left the resource behind, failed, as
// azure-native does when a long-running operation ends in failure.
func initFailed(id string, props, inputs *structpb.Struct, cause error) error {
	st, err := status.New(codes.Unknown, cause.Error()).WithDetails(&pulumirpc.ErrorResourceInitFailed{
		Id: id, Properties: props, Inputs: inputs, Reasons: []string{cause.Error()},
	})
	if err != nil {
		return cause
	}
	return st.Err()
}

// previewOutputs is what a preview shows: the inputs that are outputs, the
// old outputs on update, and unknowns for what Azure computes.
func previewOutputs(k *kind, token string, in resource.PropertyMap, old *Object) resource.PropertyMap {
	out := resource.PropertyMap{}
	if old != nil {
		out = fromState(old.Outputs)
	}
	outs := schema.Resources[token].Outputs
	for key, v := range in {
		if slices.Contains(outs, string(key)) {
			out[key] = v
		}
	}
	if old == nil {
		out["name"] = in[resource.PropertyKey(k.nameKey)]
		for _, path := range k.previewUnknown {
			setv(out, path, computed())
		}
	} else {
		for _, path := range k.rerun {
			setv(out, path, computed())
		}
	}
	return out
}

// apply runs a create or an update against the state.
func (p *Provider) apply(k *kind, token, urn string, in resource.PropertyMap, old *Object, opName string) (*op, error) {
	for _, ik := range k.idKeys {
		if gets(in, ik) == "" {
			return nil, armErr(400, "InvalidRequestContent", "The request is missing '%s'.", ik)
		}
	}
	c := &op{p: p, k: k, in: in, old: old, urn: urn, now: p.now(), id: k.id(in), name: gets(in, k.nameKey)}
	if err := p.fault(k.short, opName); err != nil {
		return nil, err
	}
	err := p.Store.Update(func(s *State) error {
		c.st = s
		existing := s.Get(c.id)
		if old != nil && !strings.EqualFold(old.ID, c.id) {
			return armErr(400, "InvalidRequestContent", "The resource id changed from '%s' to '%s' in an update.", old.ID, c.id)
		}
		if existing != nil {
			c.old = existing
		}
		if k.short != "ResourceGroup" && gets(in, "resourceGroupName") != "" && s.Get(rgID(gets(in, "resourceGroupName"))) == nil {
			return armErr(404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", gets(in, "resourceGroupName"))
		}
		if k.parent != nil {
			if id, perr := k.parent(in); s.Get(id) == nil {
				return perr
			}
		}
		c.out = resource.PropertyMap{}
		outs := schema.Resources[token].Outputs
		for key, v := range in {
			if slices.Contains(outs, string(key)) {
				c.out[key] = v
			}
		}
		c.out["name"] = str(c.name)
		if slices.Contains(outs, "type") {
			c.out["type"] = str(k.armType)
		}
		if k.apply != nil {
			if err := k.apply(c); err != nil {
				return err
			}
		}
		created := c.now
		if c.old != nil {
			created = c.old.Created
		}
		s.Put(&Object{ID: c.id, Type: token, URN: urn, Inputs: plain(in), Outputs: plain(c.out), Created: created, Updated: c.now, BusyUntil: c.busyUntil})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Read returns the resource as the state has it; an empty id when gone.
func (p *Provider) Read(_ context.Context, req *pulumirpc.ReadRequest) (resp *pulumirpc.ReadResponse, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	defer p.logged("Read", token, urnName(req.GetUrn()), &err)()
	if k, kerr := kindOf(token); kerr == nil {
		if err = p.authorize(k.actionType()+"/read", req.GetId(), ""); err != nil {
			return nil, err
		}
	}
	if err = p.fault(ShortType(token), "read"); err != nil {
		return nil, err
	}
	p.azureChanges()
	var obj *Object
	err = p.Store.View(func(s *State) error {
		obj = s.Get(req.GetId())
		return nil
	})
	if err != nil {
		return nil, err
	}
	if obj == nil {
		return &pulumirpc.ReadResponse{}, nil
	}
	props, err := marshal(fromState(obj.Outputs), plainOpts)
	if err != nil {
		return nil, err
	}
	inputs, err := p.readInputs(token, req, obj)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: obj.ID, Properties: props, Inputs: inputs}, nil
}

// Delete removes the resource and everything nested in it; a resource
// already gone is not an error.
func (p *Provider) Delete(_ context.Context, req *pulumirpc.DeleteRequest) (_ *emptypb.Empty, err error) {
	token := typeOf(req.GetType(), req.GetUrn())
	defer p.logged("Delete", token, urnName(req.GetUrn()), &err)()
	short := ShortType(token)
	k, kerr := kindOf(token)
	var stored *Object
	if kerr == nil {
		_ = p.Store.View(func(s *State) error {
			stored = s.Get(req.GetId())
			return nil
		})
		role := ""
		if stored != nil {
			role = assigningRole(k, stored.Input)
		}
		if err = p.authorize(k.actionType()+"/delete", req.GetId(), role); err != nil {
			return nil, err
		}
	}
	if err = p.fault(short, "delete"); err != nil {
		return nil, err
	}
	if kerr == nil {
		if stored != nil {
			// A link's delete writes credentials only when it cleans up.
			if k.short != "Linker" || forcedCleanup(fromState(stored.Inputs)) {
				end, err := p.beginWrite(k, fromState(stored.Inputs))
				if err != nil {
					return nil, err
				}
				defer end()
			}
			// Stored when accepted, like a PUT (accepted.go).
			defer p.latency(k.short)
		}
	}
	err = p.Store.Update(func(s *State) error {
		obj := s.Get(req.GetId())
		if obj == nil {
			return nil
		}
		for _, o := range s.Remove(obj.ID) {
			if ShortType(o.Type) == "Linker" && forcedCleanup(fromState(o.Inputs)) {
				removeManaged(s, o.ID)
			}
			// Deleted accounts, also those of a deleted group, stay
			// soft-deleted with their subdomain reserved.
			if ShortType(o.Type) == "Account" && p.env(EnvSoftDelete) != "0" {
				s.SoftDeleted[key(o.ID)] = SoftDeleted{ID: o.ID, Subdomain: o.Input("properties.customSubDomainName"), Deleted: p.now()}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, nil
}

// --- Invoke ----------------------------------------------------------------------

// Invoke serves getClientConfig, the cluster credential functions and
// getTaskRun.
func (p *Provider) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (resp *pulumirpc.InvokeResponse, err error) {
	tok := req.GetTok()
	args, err := unmarshal(req.GetArgs(), plainOpts)
	if err != nil {
		return nil, err
	}
	defer p.logged("Invoke", tok, gets(args, "resourceName"), &err)()
	p.azureChanges()
	var ret resource.PropertyMap
	if fn, ok := schema.Functions[tok]; ok {
		var failures []*pulumirpc.CheckFailure
		for _, f := range validate(fn, args, "") {
			failures = append(failures, &pulumirpc.CheckFailure{Property: f.Property, Reason: f.Reason})
		}
		if len(failures) > 0 {
			return &pulumirpc.InvokeResponse{Failures: failures}, nil
		}
	}
	switch tok {
	case "azure-native:authorization:getClientConfig":
		ret = resource.PropertyMap{
			"subscriptionId": str(Subscription()), "tenantId": str(TenantID),
			"clientId": str(ClientID), "objectId": str(ObjectID),
		}
	case "azure-native:authorization:getClientToken":
		if err = p.fault("getClientToken", "invoke"); err != nil {
			return nil, err
		}
		if ret, err = p.clientToken(args); err != nil {
			return nil, err
		}
	case "azure-native:containerservice:listManagedClusterUserCredentials", "azure-native:containerservice:listManagedClusterAdminCredentials",
		"azure-native:containerservice/v20240901:listManagedClusterUserCredentials", "azure-native:containerservice/v20240901:listManagedClusterAdminCredentials":
		if ret, err = p.credentials(tok, args); err != nil {
			return nil, err
		}
	case "azure-native:cognitiveservices:getAccount", "azure-native:cognitiveservices:getDeployment":
		k := kinds["azure-native:cognitiveservices:Account"]
		if strings.HasSuffix(tok, "getDeployment") {
			k = kinds["azure-native:cognitiveservices:Deployment"]
		}
		if ret, err = p.getResource(tok, k, args); err != nil {
			return nil, err
		}
	case "azure-native:containerregistry:getTaskRun":
		if ret, err = p.getResource(tok, kinds["azure-native:containerregistry:TaskRun"], args); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("the Azure stand-in does not support function %s", tok)
	}
	out, err := marshal(ret, plainOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.InvokeResponse{Return: out}, nil
}

// getResource is an ARM GET of the resource the args name: its outputs,
// or 404 as ARM answers for a missing group, parent or resource.
func (p *Provider) getResource(tok string, k *kind, args resource.PropertyMap) (resource.PropertyMap, error) {
	id := k.id(args)
	if err := p.authorize(k.actionType()+"/read", id, ""); err != nil {
		return nil, err
	}
	if err := p.fault(ShortType(tok), "invoke"); err != nil {
		return nil, err
	}
	var obj *Object
	err := p.Store.View(func(s *State) error {
		if rg := gets(args, "resourceGroupName"); s.Get(rgID(rg)) == nil {
			return armErr(404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		if k.parent != nil {
			if pid, perr := k.parent(args); s.Get(pid) == nil {
				return perr
			}
		}
		if obj = s.Get(id); obj == nil {
			return notFound(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := fromState(obj.Outputs)
	out["id"] = str(obj.ID)
	return out, nil
}

func (p *Provider) credentials(tok string, args resource.PropertyMap) (resource.PropertyMap, error) {
	rg, name := gets(args, "resourceGroupName"), gets(args, "resourceName")
	id := inRG("Microsoft.ContainerService/managedClusters", "resourceName")(args)
	// POST .../listClusterUserCredential (or ...Admin...), an action of its own.
	action := "Microsoft.ContainerService/managedClusters/listClusterUserCredential/action"
	if strings.HasSuffix(tok, "AdminCredentials") {
		action = "Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action"
	}
	if err := p.authorize(action, id, ""); err != nil {
		return nil, err
	}
	if err := p.fault(ShortType(tok), "invoke"); err != nil {
		return nil, err
	}
	var cluster *Object
	err := p.Store.View(func(s *State) error {
		if s.Get(rgID(rg)) == nil {
			return armErr(404, "ResourceGroupNotFound", "Resource group '%s' could not be found.", rg)
		}
		if cluster = s.Get(id); cluster == nil {
			return notFound(id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if admin := strings.HasSuffix(tok, "AdminCredentials"); admin {
		if local, _ := getb(fromState(cluster.Inputs), "disableLocalAccounts"); local {
			return nil, armErr(400, "BadRequest", "Getting static credential is not allowed because this cluster is set to disable local accounts.")
		}
	}
	path := p.env(EnvKubeconfig)
	if path == "" {
		return nil, errors.New(EnvKubeconfig + " is not set: the stand-in has no kubeconfig to return for cluster " + name)
	}
	data, err := userKubeconfig(path, cluster, name)
	if err != nil {
		return nil, fmt.Errorf("reading the cluster's kubeconfig (%s): %w", EnvKubeconfig, err)
	}
	credName := "clusterUser"
	if strings.HasSuffix(tok, "AdminCredentials") {
		credName = "clusterAdmin"
	}
	return resource.PropertyMap{"kubeconfigs": resource.NewArrayProperty([]resource.PropertyValue{
		resource.NewObjectProperty(resource.PropertyMap{
			"name":  str(credName),
			"value": str(base64.StdEncoding.EncodeToString(data)),
		}),
	})}, nil
}
