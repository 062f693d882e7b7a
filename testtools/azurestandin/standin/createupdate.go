package standin

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

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
