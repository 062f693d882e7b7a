package standin

import (
	"context"
	"fmt"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
)

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
