package main

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"gopkg.in/yaml.v3"

	"aks-openai-workload-identity/k8s"
	"aks-openai-workload-identity/testtools/azurestandin/arm"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
	"aks-openai-workload-identity/testtools/mocks"
)

// fakeARM is the stand-in's ARM read API with its built-in catalog, on a
// TLS server shared by the tests.
var fakeARM = sync.OnceValue(func() *httptest.Server {
	dir, err := os.MkdirTemp("", "fake-arm-")
	if err != nil {
		panic(err)
	}
	return httptest.NewTLSServer(&arm.Handler{Store: standin.Store{Dir: dir}})
})

// stackConfig is what `pulumi up` hands the program for a stack: the
// defaults of Pulumi.yaml's config block, overlaid by Pulumi.<stack>.yaml.
func stackConfig(t *testing.T, stack string) map[string]string {
	t.Helper()
	var project struct {
		Name   string
		Config map[string]struct {
			Type        string
			Default     any
			Description string
		}
	}
	readYAML(t, "Pulumi.yaml", &project)
	cfg := map[string]string{}
	for key, spec := range project.Config {
		if spec.Description == "" || spec.Type == "" {
			t.Errorf("Pulumi.yaml config %s lacks a type or description", key)
		}
		cfg[key] = yamlScalar(spec.Default)
	}
	var st struct{ Config map[string]any }
	readYAML(t, "Pulumi."+stack+".yaml", &st)
	for key, v := range st.Config {
		name, ok := strings.CutPrefix(key, project.Name+":")
		if !ok {
			t.Fatalf("Pulumi.%s.yaml key %s is not in the project's namespace", stack, key)
		}
		if _, known := project.Config[name]; !known {
			t.Fatalf("Pulumi.%s.yaml sets %s, which Pulumi.yaml does not declare", stack, key)
		}
		cfg[name] = yamlScalar(v)
	}
	return cfg
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func yamlScalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		return fmt.Sprint(v)
	}
}

// run runs the real program under the mocks, with a recorder in place of
// the wait on Service Connector's objects, and resolves every output.
type run struct {
	resolved map[string]any
	secret   map[string]bool
	mu       sync.Mutex
	waits    []k8s.ServiceConnectorObjects
}

func (r *run) waitCalls() []k8s.ServiceConnectorObjects {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]k8s.ServiceConnectorObjects(nil), r.waits...)
}

func runProgram(t *testing.T, m *mocks.Mocks, cfg map[string]string) (*run, error) {
	t.Helper()
	r := &run{}
	return r, r.program(t, m, cfg)
}

// program runs the program, recording into r.
func (r *run) program(t *testing.T, m *mocks.Mocks, cfg map[string]string) error {
	t.Helper()
	r.resolved, r.secret = map[string]any{}, map[string]bool{}
	opts := options{appDir: "demo", waitForObjects: func(_ context.Context, w k8s.ServiceConnectorObjects) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.waits = append(r.waits, w)
		return nil
	}, armClient: fakeARM().Client(), kubeTokenDir: t.TempDir()}
	// The preflight reads the stand-in's ARM API, unless the test points
	// it elsewhere.
	// There, as in the suite, azure-native's cloud is the stand-in's
	// (metadataHost), so the token may go there.
	if cfg["armEndpoint"] == "https://management.azure.com" {
		cfg["armEndpoint"] = fakeARM().URL
		if _, set := cfg["azure-native:metadataHost"]; !set {
			cfg["azure-native:metadataHost"] = strings.TrimPrefix(fakeARM().URL, "https://")
		}
	}
	err := mocks.Run(m, cfg, func(ctx *pulumi.Context) error {
		out, err := deploy(ctx, opts)
		if err != nil {
			return err
		}
		for name, v := range out {
			res := mocks.Await(t, ctx, v.(pulumi.Output))
			r.resolved[name], r.secret[name] = res.Value, res.Secret
		}
		return nil
	})
	return err
}

func TestDevStackDeploysTheWholeTutorial(t *testing.T) {
	m := &mocks.Mocks{}
	r, err := runProgram(t, m, stackConfig(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	resolved, secret, calls := r.resolved, r.secret, r.waitCalls()

	// Every tutorial step is there, once.
	for _, typ := range []string{
		"azure-native:resources:ResourceGroup",
		"azure-native:containerservice/v20240901:ManagedCluster",
		"azure-native:cognitiveservices:Account",
		"azure-native:cognitiveservices:Deployment",
		"azure-native:containerregistry/v20230101preview:Registry",
		"azure-native:containerregistry:TaskRun",
		"azure-native:managedidentity:UserAssignedIdentity",
		"azure-native:servicelinker:Linker",
		"kubernetes:batch/v1:Job",
		"pulumi:providers:kubernetes",
	} {
		m.One(t.Fatalf, typ)
	}
	if n := len(m.Find("kubernetes:core/v1:Namespace")); n != 0 {
		t.Errorf("the default namespace was declared (%d)", n)
	}

	// One explicit azure-native provider, version 2.92.0, serves every
	// Azure resource and invoke.
	providers := m.Find("pulumi:providers:azure-native")
	if len(providers) != 1 {
		t.Fatalf("azure-native providers: %d", len(providers))
	}
	if v := providers[0].Version; v != azureNativeVersion {
		t.Errorf("provider version %q", v)
	}
	for _, r := range m.Registrations() {
		switch {
		case strings.HasPrefix(r.Type, "azure-native:"):
			if !strings.Contains(r.Provider, "::pulumi:providers:azure-native::azure::") {
				t.Errorf("%s %s uses provider %q", r.Type, r.Name, r.Provider)
			}
		case strings.HasPrefix(r.Type, "kubernetes:"):
			if !strings.Contains(r.Provider, "::pulumi:providers:kubernetes::scdemo-k8s::") {
				t.Errorf("%s %s uses provider %q", r.Type, r.Name, r.Provider)
			}
		}
		// Every resource but the providers (and the optional namespace,
		// which the dev stack lacks) lives inside one of our components.
		if r.Custom && !strings.HasPrefix(r.Type, "pulumi:providers:") && r.Type != "kubernetes:core/v1:Namespace" &&
			!strings.Contains(r.Parent, "::aksopenai:") {
			t.Errorf("%s %s has parent %q, not one of our components", r.Type, r.Name, r.Parent)
		}
	}
	for _, c := range m.Calls() {
		if !strings.Contains(c.Provider, "::pulumi:providers:azure-native::azure::") {
			t.Errorf("invoke %s uses provider %q", c.Token, c.Provider)
		}
	}

	// The workload waits on the link itself and uses what was built.
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	if !job.DependsOn("azure-native:servicelinker:Linker", "scdemo-connection") {
		t.Errorf("Job does not depend on the Linker: %v", job.Dependencies)
	}
	container := job.Inputs["spec"].ObjectValue()["template"].ObjectValue()["spec"].ObjectValue()["containers"].ArrayValue()[0].ObjectValue()
	if img := container["image"].StringValue(); img != resolved["image"] || !strings.HasSuffix(img, "/sc-demo-openai-identity@"+mocks.ImageDigest) {
		t.Errorf("job image %q, built %v", img, resolved["image"])
	}

	// Service Connector's names, derived in one place.
	clientID := resolved["identityClientId"].(string)
	if resolved["serviceAccountName"] != "sc-account-"+clientID || resolved["secretName"] != "sc-openaiconn-secret" {
		t.Errorf("names %v %v", resolved["serviceAccountName"], resolved["secretName"])
	}
	if len(calls) != 1 || calls[0].ServiceAccount != "sc-account-"+clientID || calls[0].Secret != "sc-openaiconn-secret" ||
		calls[0].Kubeconfig != mocks.Kubeconfig {
		t.Errorf("connector check %+v", calls)
	}

	// Outputs: all present, the kubeconfig secret and nothing else.
	for _, name := range []string{
		"resourceGroupName", "clusterName", "kubeconfig", "oidcIssuerUrl", "openaiEndpoint", "deploymentName",
		"registryLoginServer", "image", "identityClientId", "connectionId", "serviceAccountName", "secretName", "demoLogCommand",
	} {
		if v, ok := resolved[name]; !ok || v == nil || v == "" {
			t.Errorf("output %s missing or empty: %v", name, v)
		}
		if secret[name] != (name == "kubeconfig") {
			t.Errorf("output %s secret=%v", name, secret[name])
		}
	}
	if len(resolved) != 13 {
		t.Errorf("%d outputs", len(resolved))
	}
	kp := m.One(t.Fatalf, "pulumi:providers:kubernetes").Inputs
	if !kp["kubeconfig"].ContainsSecrets() {
		t.Errorf("the kubernetes provider's kubeconfig is not secret")
	}
	// A destroy must finish when the cluster went first.
	if kp["deleteUnreachable"].V != true {
		t.Errorf("kubernetes provider deleteUnreachable = %v, want true", kp["deleteUnreachable"])
	}
	if id := fmt.Sprint(resolved["connectionId"]); !strings.HasPrefix(id, "/subscriptions/") ||
		!strings.Contains(id, "/providers/Microsoft.ServiceLinker/linkers/openaiconn") {
		t.Errorf("connection id %v", resolved["connectionId"])
	}
}

func TestAnotherNamespaceIsCreatedBeforeTheLink(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := stackConfig(t, "dev")
	cfg["namespace"] = "openai-demo"
	if _, err := runProgram(t, m, cfg); err != nil {
		t.Fatal(err)
	}
	ns := m.One(t.Fatalf, "kubernetes:core/v1:Namespace")
	if ns.Inputs["metadata"].ObjectValue()["name"].StringValue() != "openai-demo" {
		t.Errorf("namespace %v", ns.Inputs)
	}
	linker := m.One(t.Fatalf, "azure-native:servicelinker:Linker")
	if !linker.DependsOn("kubernetes:core/v1:Namespace", "scdemo-namespace") || linker.Inputs["scope"].StringValue() != "openai-demo" {
		t.Errorf("linker %v deps %v", linker.Inputs["scope"], linker.Dependencies)
	}
}

func TestBadConfigStopsBeforeAnyResource(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := stackConfig(t, "dev")
	cfg["nodeCount"] = "0"
	cfg["connectionName"] = "openai conn"
	_, err := runProgram(t, m, cfg)
	if err == nil {
		t.Fatal("bad config accepted")
	}
	for _, want := range []string{"config " + mocks.Project + ":nodeCount: \"0\"", "config " + mocks.Project + ":connectionName: \"openai conn\""} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(m.Registrations()); n != 0 {
		t.Errorf("%d resources declared despite bad config", n)
	}
}

func TestProdStackIsDirectWithAcrPull(t *testing.T) {
	m := &mocks.Mocks{}
	r, err := runProgram(t, m, stackConfig(t, "prod"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Find("azure-native:servicelinker:Linker")); n != 0 {
		t.Errorf("%d Linkers in direct mode", n)
	}
	if len(r.waitCalls()) != 0 {
		t.Errorf("waited for Service Connector in direct mode")
	}
	clusterOut := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Outputs
	issuer := clusterOut["oidcIssuerProfile"].ObjectValue()["issuerURL"].StringValue()
	kubelet := clusterOut["identityProfile"].ObjectValue()["kubeletidentity"].ObjectValue()["objectId"].StringValue()
	identity := m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity").Outputs

	fic := m.One(t.Fatalf, "azure-native:managedidentity:FederatedIdentityCredential").Inputs
	if fic["issuer"].StringValue() != issuer || fic["subject"].StringValue() != "system:serviceaccount:sc-demo:sc-demo-openai-identity" ||
		len(fic["audiences"].ArrayValue()) != 1 || fic["audiences"].ArrayValue()[0].StringValue() != "api://AzureADTokenExchange" ||
		fic["resourceName"].StringValue() != identity["name"].StringValue() {
		t.Errorf("federated credential %v", fic)
	}

	roles := map[string]resourceInputs{}
	for _, ra := range m.Find("azure-native:authorization:RoleAssignment") {
		def := ra.Inputs["roleDefinitionId"].StringValue()
		roles[def[strings.LastIndex(def, "/")+1:]] = ra.Inputs
		if !strings.HasPrefix(def, "/subscriptions/"+mocks.SubscriptionID+"/providers/Microsoft.Authorization/roleDefinitions/") ||
			ra.Inputs["principalType"].StringValue() != "ServicePrincipal" {
			t.Errorf("role assignment %v", ra.Inputs)
		}
	}
	openaiUser, acrPull := roles["5e0bd9bd-7b93-4f28-af87-19fc36ad61bd"], roles["7f951dda-4ed3-4680-a7ca-43fe172d538d"]
	if len(roles) != 2 || openaiUser == nil || acrPull == nil {
		t.Fatalf("roles %v", roles)
	}
	if openaiUser["principalId"].StringValue() != identity["principalId"].StringValue() ||
		!strings.Contains(openaiUser["scope"].StringValue(), "/providers/Microsoft.CognitiveServices/accounts/") {
		t.Errorf("OpenAI role %v", openaiUser)
	}
	if acrPull["principalId"].StringValue() != kubelet || !strings.Contains(acrPull["scope"].StringValue(), "/providers/Microsoft.ContainerRegistry/registries/") {
		t.Errorf("AcrPull role %v", acrPull)
	}
	if reg := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry").Inputs; reg["anonymousPullEnabled"].V != false {
		t.Errorf("anonymous pull on in prod: %v", reg["anonymousPullEnabled"])
	}

	sa := m.One(t.Fatalf, "kubernetes:core/v1:ServiceAccount").Inputs["metadata"].ObjectValue()
	if sa["name"].StringValue() != "sc-demo-openai-identity" || sa["namespace"].StringValue() != "sc-demo" ||
		sa["annotations"].ObjectValue()["azure.workload.identity/client-id"].StringValue() != identity["clientId"].StringValue() {
		t.Errorf("service account %v", sa)
	}
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	for _, dep := range [][2]string{
		{"azure-native:managedidentity:FederatedIdentityCredential", "scdemo-direct-fic"},
		{"azure-native:authorization:RoleAssignment", "scdemo-direct-openai-user"},
		{"azure-native:authorization:RoleAssignment", "scdemo-acr-acrpull"},
		{"kubernetes:core/v1:ServiceAccount", "scdemo-workload-identity"},
		{"kubernetes:core/v1:Secret", "scdemo-workload-identity"},
	} {
		if !job.DependsOn(dep[0], dep[1]) {
			t.Errorf("Job does not wait on %s %s: %v", dep[0], dep[1], job.Dependencies)
		}
	}
	if _, ok := r.resolved["connectionId"]; ok {
		t.Error("connectionId output in direct mode")
	}
	for _, name := range []string{"federatedCredentialId", "roleAssignmentId"} {
		if v, ok := r.resolved[name].(pulumi.ID); !ok || v == "" {
			t.Errorf("output %s missing: %v", name, r.resolved[name])
		}
	}
	if r.resolved["serviceAccountName"] != "sc-demo-openai-identity" || r.resolved["secretName"] != "sc-demo-openai-identity-connection" {
		t.Errorf("names %v %v", r.resolved["serviceAccountName"], r.resolved["secretName"])
	}
}

func TestProductionRefusesAnonymousPull(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := stackConfig(t, "prod")
	cfg["registryPull"] = "anonymous"
	_, err := runProgram(t, m, cfg)
	if err == nil || !strings.Contains(err.Error(), `registryPull: "anonymous" is unsafe on a production stack`) {
		t.Fatalf("got %v", err)
	}
	if n := len(m.Registrations()); n != 0 {
		t.Errorf("%d resources declared", n)
	}
}

type resourceInputs = resource.PropertyMap

// The preflight runs with the explicit provider's credentials before any
// Azure resource is declared, and its problems stop the run there.
func TestPreflightRunsBeforeAnyAzureResource(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := stackConfig(t, "dev")
	cfg["location"], cfg["kubernetesVersion"] = "nowhere", "1.29"
	_, err := runProgram(t, m, cfg)
	if err == nil || !strings.Contains(err.Error(), "config "+mocks.Project+`:location: "nowhere" is not a region of subscription `+mocks.SubscriptionID) {
		t.Fatalf("got %v", err)
	}
	for _, r := range m.Registrations() {
		if r.Type != "pulumi:providers:azure-native" && r.Type != "pulumi:pulumi:Stack" {
			t.Errorf("%s %s declared before the preflight passed", r.Type, r.Name)
		}
	}
	var tokens []mocks.Call
	for _, c := range m.Calls() {
		if c.Token == "azure-native:authorization:getClientToken" {
			tokens = append(tokens, c)
		}
	}
	if len(tokens) != 1 || !strings.Contains(tokens[0].Provider, "pulumi:providers:azure-native::azure::") {
		t.Errorf("getClientToken calls %+v, want one on the explicit provider", tokens)
	}

	// preflight false: no token, no reads, resources declared.
	m = &mocks.Mocks{}
	cfg["preflight"] = "false"
	if _, err := runProgram(t, m, cfg); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Calls() {
		if c.Token == "azure-native:authorization:getClientToken" {
			t.Errorf("preflight off still asked for a token")
		}
	}
	if len(m.Registrations()) < 10 {
		t.Errorf("only %d registrations with preflight off", len(m.Registrations()))
	}
}
