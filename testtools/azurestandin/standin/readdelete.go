package standin

import (
	"context"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

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
