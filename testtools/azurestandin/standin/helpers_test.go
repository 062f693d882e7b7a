package standin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"
)

// fakeKube records what Service Connector applied.
type fakeKube struct {
	mu              sync.Mutex
	serviceAccounts map[string]map[string]string
	secrets         map[string]map[string]string
}

func (f *fakeKube) ApplyServiceAccount(_ context.Context, ns, name string, ann map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.serviceAccounts[ns+"/"+name] = ann
	return nil
}

func (f *fakeKube) ApplySecret(_ context.Context, ns, name string, data map[string]string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.secrets[ns+"/"+name] = data
	return nil
}

// harness drives a Provider's gRPC methods directly, as the engine would.
type harness struct {
	t    *testing.T
	p    *Provider
	env  map[string]string
	kube *fakeKube
	dir  string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, dir: dir, env: map[string]string{
		EnvSCDelay:      "0s",
		EnvOIDCIssuer:   "https://issuer.example/oidc/",
		EnvDataplaneURL: "https://127.0.0.1:4443",
		EnvLog:          filepath.Join(dir, "calls.log"),
	}, kube: &fakeKube{serviceAccounts: map[string]map[string]string{}, secrets: map[string]map[string]string{}}}
	h.p = h.provider()
	return h
}

// provider is another plugin process on the same state.
// Its Service Connector goroutines still write the calls log after a test
// returns, so the test's cleanup waits for them before TempDir removes the
// directory (CI failed on "directory not empty").
func (h *harness) provider() *Provider {
	p := &Provider{
		Store: Store{Dir: filepath.Join(h.dir, "state")}, Version: "2.92.0",
		Getenv:  func(k string) string { return h.env[k] },
		NewKube: func() (Kube, error) { return h.kube, nil },
	}
	h.t.Cleanup(func() {
		if !p.Wait(time.Minute) {
			h.t.Error("Service Connector's cluster work still running a minute after the test")
		}
	})
	return p
}

const project = "urn:pulumi:dev::proj::"

func urnFor(token, name string) string { return project + token + "::" + name }

func toStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(resource.NewPropertyMapFromMap(m), plugin.MarshalOptions{KeepUnknowns: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func toStructPM(t *testing.T, pm resource.PropertyMap) *structpb.Struct {
	t.Helper()
	s, err := plugin.MarshalProperties(pm, plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fromStruct(t *testing.T, s *structpb.Struct) resource.PropertyMap {
	t.Helper()
	pm, err := plugin.UnmarshalProperties(s, plugin.MarshalOptions{KeepUnknowns: true})
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func (h *harness) check(token, name string, news, olds map[string]any) *pulumirpc.CheckResponse {
	h.t.Helper()
	req := &pulumirpc.CheckRequest{Urn: urnFor(token, name), Type: token, Name: name, News: toStruct(h.t, news), RandomSeed: []byte(name)}
	if olds != nil {
		req.Olds = toStruct(h.t, olds)
	}
	resp, err := h.p.Check(context.Background(), req)
	if err != nil {
		h.t.Fatalf("Check %s: %v", name, err)
	}
	return resp
}

// checked runs Check and fails on any failure, returning the inputs.
func (h *harness) checked(token, name string, news map[string]any) *structpb.Struct {
	h.t.Helper()
	resp := h.check(token, name, news, nil)
	for _, f := range resp.GetFailures() {
		h.t.Fatalf("Check %s: unexpected failure %s: %s", name, f.GetProperty(), f.GetReason())
	}
	return resp.GetInputs()
}

// create runs Check then Create.
func (h *harness) create(token, name string, news map[string]any) (string, resource.PropertyMap, error) {
	h.t.Helper()
	inputs := h.checked(token, name, news)
	resp, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(token, name), Type: token, Name: name, Properties: inputs})
	if err != nil {
		return "", nil, err
	}
	return resp.GetId(), fromStruct(h.t, resp.GetProperties()), nil
}

func (h *harness) mustCreate(token, name string, news map[string]any) (string, resource.PropertyMap) {
	h.t.Helper()
	id, out, err := h.create(token, name, news)
	if err != nil {
		h.t.Fatalf("Create %s: %v", name, err)
	}
	return id, out
}

func (h *harness) read(token, name, id string) *pulumirpc.ReadResponse {
	h.t.Helper()
	resp, err := h.p.Read(context.Background(), &pulumirpc.ReadRequest{Id: id, Urn: urnFor(token, name), Type: token})
	if err != nil {
		h.t.Fatalf("Read %s: %v", name, err)
	}
	return resp
}

func (h *harness) delete(token, name, id string) {
	h.t.Helper()
	if _, err := h.p.Delete(context.Background(), &pulumirpc.DeleteRequest{Id: id, Urn: urnFor(token, name), Type: token}); err != nil {
		h.t.Fatalf("Delete %s: %v", name, err)
	}
}

func (h *harness) state() *State {
	h.t.Helper()
	var st *State
	if err := h.p.Store.View(func(s *State) error { st = s; return nil }); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// oneOfTwoOverlappingWritesFails starts write "one" and, 100 ms into it,
// write "two", each from its own plugin process, and returns the error of
// the one that failed; it fails the test unless exactly one did.
func (h *harness) oneOfTwoOverlappingWritesFails(write func(p *Provider, name string) error) error {
	h.t.Helper()
	errs := make(chan error, 2)
	go func() { errs <- write(h.provider(), "one") }()
	time.Sleep(100 * time.Millisecond)
	go func() { errs <- write(h.provider(), "two") }()
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		h.t.Fatalf("%d of two overlapping writes failed: %v", len(failed), failed)
	}
	return failed[0]
}

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one with %q", parts)
	}
	msg := err.Error()
	if st, ok := status.FromError(err); ok {
		msg = st.Message()
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q lacks %q", msg, p)
		}
	}
}

// Type tokens used by the tests.
const (
	tRG       = "azure-native:resources:ResourceGroup"
	tCluster  = "azure-native:containerservice:ManagedCluster"
	tIdentity = "azure-native:managedidentity:UserAssignedIdentity"
	tFIC      = "azure-native:managedidentity:FederatedIdentityCredential"
	tAccount  = "azure-native:cognitiveservices:Account"
	tDeploy   = "azure-native:cognitiveservices:Deployment"
	tRegistry = "azure-native:containerregistry/v20230101preview:Registry"
	tRegV2    = "azure-native:containerregistry:Registry"
	tTaskRun  = "azure-native:containerregistry:TaskRun"
	tRole     = "azure-native:authorization:RoleAssignment"
	tLinker   = "azure-native:servicelinker:Linker"
)

// world is the tutorial's resources, created through the provider.
type world struct {
	rg, clusterID, identityID, clientID, principalID, accountID, endpoint string
}

func clusterInputs(rg string) map[string]any {
	return map[string]any{
		"resourceGroupName": rg, "location": "eastus2", "dnsPrefix": "scdemo-aks", "enableRBAC": true,
		"identity": map[string]any{"type": "SystemAssigned"},
		"agentPoolProfiles": []any{map[string]any{
			"name": "system", "mode": "System", "osType": "Linux", "type": "VirtualMachineScaleSets", "count": 1, "vmSize": "Standard_D2s_v5",
		}},
		"oidcIssuerProfile": map[string]any{"enabled": true},
		"securityProfile":   map[string]any{"workloadIdentity": map[string]any{"enabled": true}},
	}
}

func accountInputs(rg, sub string) map[string]any {
	return map[string]any{
		"resourceGroupName": rg, "accountName": sub, "location": "eastus2", "kind": "OpenAI",
		"sku":        map[string]any{"name": "S0"},
		"properties": map[string]any{"customSubDomainName": sub, "disableLocalAuth": true, "publicNetworkAccess": "Enabled"},
	}
}

func (h *harness) world() world {
	h.t.Helper()
	var w world
	_, rg := h.mustCreate(tRG, "scdemo", map[string]any{"location": "eastus2"})
	w.rg = rg["name"].StringValue()
	w.clusterID, _ = h.mustCreate(tCluster, "scdemo-aks", clusterInputs(w.rg))
	var id resource.PropertyMap
	w.identityID, id = h.mustCreate(tIdentity, "scdemo-identity", map[string]any{"resourceGroupName": w.rg, "location": "eastus2"})
	w.clientID, w.principalID = id["clientId"].StringValue(), id["principalId"].StringValue()
	var acct resource.PropertyMap
	w.accountID, acct = h.mustCreate(tAccount, "scdemo-openai", accountInputs(w.rg, "scdemo-oai-1234abcd"))
	w.endpoint = gets(acct, "properties.endpoint")
	h.mustCreate(tDeploy, "scdemo-openai-chat", map[string]any{
		"resourceGroupName": w.rg, "accountName": "scdemo-oai-1234abcd", "deploymentName": "chat",
		"sku": map[string]any{"name": "GlobalStandard", "capacity": 10},
		"properties": map[string]any{
			"model":                map[string]any{"format": "OpenAI", "name": "gpt-5.4-mini", "version": "2026-03-17"},
			"versionUpgradeOption": "NoAutoUpgrade",
		},
	})
	return w
}

func linkerInputs(w world, namespace string) map[string]any {
	return map[string]any{
		"resourceUri":   w.clusterID,
		"linkerName":    "openaiconn",
		"targetService": map[string]any{"type": "AzureResource", "id": w.accountID},
		"authInfo":      map[string]any{"authType": "userAssignedIdentity", "clientId": w.clientID, "subscriptionId": SubscriptionID},
		"clientType":    "none",
		"scope":         namespace,
	}
}

func readLog(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return string(data)
}
