package k8s

import (
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"aks-openai-workload-identity/infra/nativetypes"
	"aks-openai-workload-identity/testtools/mocks"
)

// runDemo declares the demo behind a Linker, as the program does, and
// returns the demo's log command.
func runDemo(t *testing.T, m *mocks.Mocks) string {
	t.Helper()
	var logCommand string
	err := mocks.Run(m, nil, func(ctx *pulumi.Context) error {
		linker, err := nativetypes.NewLinker(ctx, "link", nativetypes.LinkerArgs{
			ResourceUri: pulumi.String(mocks.ARMID("rg1", "Microsoft.ContainerService/managedClusters", "aks1")), LinkerName: pulumi.String("conn"),
		})
		if err != nil {
			return err
		}
		d, err := NewDemo(ctx, "scdemo-demo", DemoArgs{
			Namespace:          "demo",
			ServiceAccountName: pulumi.String("sc-account-123"),
			SecretName:         "sc-conn-secret",
			Image:              pulumi.String("r.azurecr.io/demo@sha256:abc"),
			Endpoint:           pulumi.String("https://x.openai.azure.com/"),
			DeploymentName:     pulumi.String("chat"),
			DependsOn:          []pulumi.Resource{linker},
			Deadline:           660 * time.Second,
		})
		if err != nil {
			return err
		}
		logCommand, _ = mocks.Await(t, ctx, d.LogCommand).Value.(string)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return logCommand
}

// get is mocks.At, short for the many paths below.
var get = mocks.At

func TestDemoJobIsTheTutorialsWorkloadHardened(t *testing.T) {
	m := &mocks.Mocks{}
	logCommand := runDemo(t, m)
	job := m.One(t.Fatalf, "kubernetes:batch/v1:Job")
	in := resource.NewProperty(job.Inputs)
	pod := get(in, "spec", "template", "spec")
	c := get(pod, "containers", 0)
	want := []struct {
		path []any
		v    any
	}{
		{[]any{"metadata", "name"}, "sc-demo-openai-identity"},
		{[]any{"metadata", "namespace"}, "demo"},
		{[]any{"metadata", "annotations", "pulumi.com/replaceUnready"}, "true"},
		{[]any{"spec", "backoffLimit"}, 0.0},
		{[]any{"spec", "activeDeadlineSeconds"}, 660.0},
		{[]any{"spec", "template", "metadata", "labels", "azure.workload.identity/use"}, "true"},
		{[]any{"spec", "template", "spec", "serviceAccountName"}, "sc-account-123"},
		{[]any{"spec", "template", "spec", "restartPolicy"}, "Never"},
		{[]any{"spec", "template", "spec", "automountServiceAccountToken"}, false},
		{[]any{"spec", "template", "spec", "securityContext", "runAsNonRoot"}, true},
		{[]any{"spec", "template", "spec", "securityContext", "seccompProfile", "type"}, "RuntimeDefault"},
	}
	for _, w := range want {
		if got := get(in, w.path...).V; got != w.v {
			t.Errorf("%v = %v, want %v", w.path, got, w.v)
		}
	}
	containerWant := map[string]any{
		"image": "r.azurecr.io/demo@sha256:abc", "terminationMessagePolicy": "FallbackToLogsOnError",
		"resources.requests.cpu": "100m", "resources.requests.memory": "128Mi",
		"resources.limits.cpu": "250m", "resources.limits.memory": "256Mi",
		"securityContext.allowPrivilegeEscalation": false, "securityContext.readOnlyRootFilesystem": true,
		"securityContext.runAsNonRoot": true, "securityContext.privileged": false,
		"securityContext.seccompProfile.type": "RuntimeDefault",
	}
	for path, w := range containerWant {
		var p []any
		for _, s := range strings.Split(path, ".") {
			p = append(p, s)
		}
		if got := get(c, p...).V; got != w {
			t.Errorf("container %s = %v, want %v", path, got, w)
		}
	}
	if get(c, "securityContext", "capabilities", "drop", 0).V != "ALL" {
		t.Error("capabilities not dropped")
	}
	if get(c, "envFrom", 0, "secretRef", "name").V != "sc-conn-secret" {
		t.Errorf("envFrom %v", get(c, "envFrom"))
	}
	env := map[string]any{}
	for _, e := range get(c, "env").ArrayValue() {
		env[get(e, "name").StringValue()] = get(e, "value").V
	}
	if env["AZURE_OPENAI_ENDPOINT"] != "https://x.openai.azure.com/" || env["AZURE_OPENAI_DEPLOYMENT"] != "chat" || env["AZURE_OPENAI_RETRY_SECONDS"] != "600" {
		t.Errorf("env %v", env)
	}
	if !job.DependsOn("azure-native:servicelinker:Linker", "link") {
		t.Errorf("job does not wait on the link: %v", job.Dependencies)
	}
	if job.CreateTimeout != "720s" {
		t.Errorf("create timeout %q", job.CreateTimeout)
	}
	if want := "kubectl logs --namespace demo job/sc-demo-openai-identity"; logCommand != want {
		t.Errorf("log command %q, want %q", logCommand, want)
	}
}

func TestServiceAccountAndSecretCarryServiceConnectorsKeys(t *testing.T) {
	m := &mocks.Mocks{}
	err := mocks.Run(m, nil, func(ctx *pulumi.Context) error {
		_, err := NewServiceAccountAndSecret(ctx, "wi", ServiceAccountAndSecretArgs{
			Namespace: "demo", ServiceAccountName: "sa", SecretName: "conn",
			ClientID: pulumi.String("cid"), Endpoint: pulumi.String("https://x.openai.azure.com/"),
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sa := resource.NewProperty(m.One(t.Fatalf, "kubernetes:core/v1:ServiceAccount").Inputs)
	if get(sa, "metadata", "name").V != "sa" || get(sa, "metadata", "namespace").V != "demo" ||
		get(sa, "metadata", "annotations", "azure.workload.identity/client-id").V != "cid" {
		t.Errorf("service account %v", sa)
	}
	sec := resource.NewProperty(m.One(t.Fatalf, "kubernetes:core/v1:Secret").Inputs)
	if get(sec, "metadata", "name").V != "conn" || get(sec, "stringData", "AZURE_OPENAI_BASE").V != "https://x.openai.azure.com/" ||
		get(sec, "stringData", "AZURE_OPENAI_CLIENTID").V != "cid" {
		t.Errorf("secret %v", sec)
	}
}
