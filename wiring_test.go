package main

import (
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"aks-openai-workload-identity/testtools/mocks"
)

// envOf is the container's env as name → value.
func envOf(container resource.PropertyValue) map[string]any {
	env := map[string]any{}
	for _, e := range mocks.At(container, "env").ArrayValue() {
		env[mocks.At(e, "name").StringValue()] = mocks.At(e, "value").V
	}
	return env
}

// wiringConfig is the dev stack with values that differ from each other
// and from the defaults, so an input wired to the wrong setting or output
// shows.
func wiringConfig(t *testing.T, stack string) map[string]string {
	cfg := stackConfig(t, stack)
	cfg["namespace"] = "openai-demo"
	cfg["deploymentName"] = "chat-deployment"
	cfg["demoDeadlineSeconds"] = "300"
	cfg["connectorWaitSeconds"] = "200"
	return cfg
}

type check struct {
	what      string
	got, want any
}

// errorf is what expect needs of a *testing.T.
type errorf interface {
	Helper()
	Errorf(format string, args ...any)
}

// expect wants each check's got to equal its want. A want that is nil or
// "" is itself a failure: a field the test reads from a missing output
// would equal a missing input, and the check would pass whatever the
// wiring.
func expect(t errorf, checks []check) {
	t.Helper()
	for _, c := range checks {
		switch {
		case c.want == nil || c.want == "":
			t.Errorf("%s: want is %#v, which a missing value also is; read the want from where it is set", c.what, c.want)
		case c.got != c.want:
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
}

func TestServiceConnectorModeWiring(t *testing.T) {
	m := &mocks.Mocks{}
	r, err := runProgram(t, m, wiringConfig(t, "dev"))
	if err != nil {
		t.Fatal(err)
	}
	cluster := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster")
	account := m.One(t.Fatalf, "azure-native:cognitiveservices:Account")
	deployment := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment")
	identity := m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity")
	registry := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry")
	linker := resource.NewProperty(m.One(t.Fatalf, "azure-native:servicelinker:Linker").Inputs)
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	jobIn := resource.NewProperty(job.Inputs)
	pod := mocks.At(jobIn, "spec", "template", "spec")
	container := mocks.At(pod, "containers", 0)
	env := envOf(container)
	clientID := identity.Outputs["clientId"].StringValue()
	endpoint := mocks.At(resource.NewProperty(account.Outputs), "properties", "endpoint").StringValue()
	waits := r.waitCalls()
	if len(waits) != 1 {
		t.Fatalf("waited for Service Connector %d times, want once", len(waits))
	}
	wait := waits[0]

	expect(t, []check{
		{"Linker resourceUri (source)", mocks.At(linker, "resourceUri").V, cluster.ID},
		{"Linker targetService.id", mocks.At(linker, "targetService", "id").V, account.ID},
		{"Linker authInfo.clientId", mocks.At(linker, "authInfo", "clientId").V, clientID},
		{"Linker scope", mocks.At(linker, "scope").V, "openai-demo"},
		{"Job namespace", mocks.At(jobIn, "metadata", "namespace").V, "openai-demo"},
		{"Job AZURE_OPENAI_ENDPOINT", env["AZURE_OPENAI_ENDPOINT"], endpoint},
		{"Job AZURE_OPENAI_DEPLOYMENT", env["AZURE_OPENAI_DEPLOYMENT"], deployment.Outputs["name"].StringValue()},
		{"deployment name", deployment.Outputs["name"].StringValue(), "chat-deployment"},
		{"Job serviceAccountName", mocks.At(pod, "serviceAccountName").V, "sc-account-" + clientID},
		{"Job envFrom secret", mocks.At(container, "envFrom", 0, "secretRef", "name").V, "sc-openaiconn-secret"},
		{"Job activeDeadlineSeconds", mocks.At(jobIn, "spec", "activeDeadlineSeconds").V, 300.0},
		{"Job create timeout", job.CreateTimeout, "360s"},
		{"registry anonymousPullEnabled (dev)", registry.Inputs["anonymousPullEnabled"].V, true},
		{"wait namespace", wait.Namespace, "openai-demo"},
		{"wait service account", wait.ServiceAccount, "sc-account-" + clientID},
		{"wait secret", wait.Secret, "sc-openaiconn-secret"},
		{"wait kubeconfig", wait.Kubeconfig, mocks.Kubeconfig},
		{"wait timeout", wait.Timeout, 200 * time.Second},
		{"demoLogCommand", r.resolved["demoLogCommand"], "kubectl logs --namespace openai-demo job/sc-demo-openai-identity"},
		{"output serviceAccountName", r.resolved["serviceAccountName"], "sc-account-" + clientID},
		{"output secretName", r.resolved["secretName"], "sc-openaiconn-secret"},
		{"output openaiEndpoint", r.resolved["openaiEndpoint"], endpoint},
	})
}

func TestDirectModeWiring(t *testing.T) {
	m := &mocks.Mocks{}
	cfg := wiringConfig(t, "prod")
	r, err := runProgram(t, m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	identity := m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity")
	account := m.One(t.Fatalf, "azure-native:cognitiveservices:Account")
	sa := m.One(t.Fatalf, "kubernetes:core/v1:ServiceAccount")
	secret := m.One(t.Fatalf, "kubernetes:core/v1:Secret")
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	jobIn := resource.NewProperty(job.Inputs)
	pod := mocks.At(jobIn, "spec", "template", "spec")
	container := mocks.At(pod, "containers", 0)
	saIn, secretIn := resource.NewProperty(sa.Inputs), resource.NewProperty(secret.Inputs)

	expect(t, []check{
		{"service account namespace", mocks.At(saIn, "metadata", "namespace").V, "openai-demo"},
		{"service account waits for the namespace", sa.DependsOn("kubernetes:core/v1:Namespace", "scdemo-namespace"), true},
		{"secret namespace", mocks.At(secretIn, "metadata", "namespace").V, "openai-demo"},
		{"secret waits for the namespace", secret.DependsOn("kubernetes:core/v1:Namespace", "scdemo-namespace"), true},
		{"secret AZURE_OPENAI_BASE", mocks.At(secretIn, "stringData", "AZURE_OPENAI_BASE").V,
			mocks.At(resource.NewProperty(account.Outputs), "properties", "endpoint").V},
		{"secret AZURE_OPENAI_CLIENTID", mocks.At(secretIn, "stringData", "AZURE_OPENAI_CLIENTID").V, identity.Outputs["clientId"].V},
		{"Job serviceAccountName", mocks.At(pod, "serviceAccountName").V, mocks.At(saIn, "metadata", "name").V},
		{"Job envFrom secret", mocks.At(container, "envFrom", 0, "secretRef", "name").V, mocks.At(secretIn, "metadata", "name").V},
		{"Job namespace", mocks.At(jobIn, "metadata", "namespace").V, "openai-demo"},
		{"registry anonymousPullEnabled (prod)", m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry").Inputs["anonymousPullEnabled"].V, false},
		{"demoLogCommand", r.resolved["demoLogCommand"], "kubectl logs --namespace openai-demo job/sc-demo-openai-identity"},
	})
}

// The wait for Service Connector's objects measures Service Connector's
// work in the cluster: it must not start while the link is being created,
// which on Azure takes minutes on a cluster's first link.
func TestTheWaitForServiceConnectorStartsWhenTheLinkExists(t *testing.T) {
	r := &run{}
	waitsWhileLinkerPending := -1
	m := &mocks.Mocks{BeforeCreate: func(typ string) {
		if typ != "azure-native:servicelinker:Linker" {
			return
		}
		// Everything else the wait needs (kubeconfig, client id) is ready
		// by now: a wait that did not need the link would start here.
		time.Sleep(300 * time.Millisecond)
		waitsWhileLinkerPending = len(r.waitCalls())
	}}
	if err := r.program(t, m, stackConfig(t, "dev")); err != nil {
		t.Fatal(err)
	}
	if n := len(r.waitCalls()); n != 1 {
		t.Fatalf("waited %d times, want once", n)
	}
	if waitsWhileLinkerPending != 0 {
		t.Errorf("the wait started %d times before the Linker was created", waitsWhileLinkerPending)
	}
}
