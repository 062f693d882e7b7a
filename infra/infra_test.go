package infra

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"aks-openai-workload-identity/config"
	"aks-openai-workload-identity/testtools/mocks"
)

// prop walks a property map by keys.
func prop(m resource.PropertyMap, path ...string) resource.PropertyValue {
	var v resource.PropertyValue = resource.NewProperty(m)
	for _, k := range path {
		if v.IsSecret() {
			v = v.SecretValue().Element
		}
		if !v.IsObject() {
			return resource.PropertyValue{}
		}
		v = v.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}

func propStr(m resource.PropertyMap, path ...string) string {
	v := prop(m, path...)
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func runInfra(t *testing.T, m *mocks.Mocks, body func(ctx *pulumi.Context, rg *ResourceGroup) error) error {
	t.Helper()
	return mocks.Run(m, nil, func(ctx *pulumi.Context) error {
		rg, err := NewResourceGroup(ctx, "scdemo", ResourceGroupArgs{Location: "eastus2", Tags: map[string]string{"stack": "dev"}})
		if err != nil {
			return err
		}
		return body(ctx, rg)
	})
}

func TestGlobalNamesDeriveFromTheGroupsGeneratedName(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		if _, err := NewRegistry(ctx, "scdemo-acr", RegistryArgs{ResourceGroup: rg, NamePrefix: "scdemo", AnonymousPull: true}); err != nil {
			return err
		}
		_, err := NewOpenAI(ctx, "scdemo-openai", OpenAIArgs{ResourceGroup: rg, NamePrefix: "scdemo", Model: testModel})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	rgName := propStr(m.One(t.Fatalf, "azure-native:resources:ResourceGroup").Outputs, "name")
	suffix := UniqueSuffix(rgName)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(suffix) {
		t.Fatalf("suffix %q", suffix)
	}
	reg := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry")
	if got := propStr(reg.Inputs, "registryName"); got != "scdemoacr"+suffix || !regexp.MustCompile(`^[a-zA-Z0-9]{5,50}$`).MatchString(got) {
		t.Errorf("registry name %q", got)
	}
	acct := m.One(t.Fatalf, "azure-native:cognitiveservices:Account")
	if got := propStr(acct.Inputs, "properties", "customSubDomainName"); got != "scdemo-oai-"+suffix || got != propStr(acct.Inputs, "accountName") {
		t.Errorf("subdomain %q, account %q", got, propStr(acct.Inputs, "accountName"))
	}
	// A new group (after destroy, or another stack) gets new names.
	if UniqueSuffix(rgName+"x") == suffix || UniqueSuffix(rgName) != suffix {
		t.Error("suffix is not a stable function of the group's name")
	}
}

var testModel = config.Model{Name: "gpt-5.4-mini", Version: "2026-03-17", Format: "OpenAI", DeploymentName: "chat", SkuName: "GlobalStandard", Capacity: 7, VersionUpgrade: "OnceCurrentVersionExpired"}

func TestClusterEnablesWorkloadIdentityAndReturnsASecretKubeconfig(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		c, err := NewCluster(ctx, "scdemo-aks", ClusterArgs{ResourceGroup: rg, NodeCount: 3, NodeVMSize: "Standard_D4s_v5", KubernetesVersion: "1.33", UpgradeChannel: "patch"})
		if err != nil {
			return err
		}
		kc := mocks.Await(t, ctx, c.Kubeconfig)
		if kc.Value != mocks.Kubeconfig || !kc.Secret {
			t.Errorf("kubeconfig %q secret=%v", kc.Value, kc.Secret)
		}
		if iss := mocks.Await(t, ctx, c.OIDCIssuerURL); !strings.HasPrefix(iss.Value.(string), "https://") {
			t.Errorf("issuer %v", iss.Value)
		}
		if obj := mocks.Await(t, ctx, c.KubeletObjectID); obj.Value == "" {
			t.Error("no kubelet object id")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	in := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").Inputs
	checks := map[string]any{
		"identity.type": "SystemAssigned", "oidcIssuerProfile.enabled": true,
		"securityProfile.workloadIdentity.enabled": true, "kubernetesVersion": "1.33", "enableRBAC": true,
		"autoUpgradeProfile.upgradeChannel": "patch",
	}
	for path, want := range checks {
		if got := prop(in, strings.Split(path, ".")...).V; got != want {
			t.Errorf("%s = %v, want %v", path, got, want)
		}
	}
	if roc := m.One(t.Fatalf, "azure-native:containerservice/v20240901:ManagedCluster").ReplaceOnChanges; len(roc) != 1 || roc[0] != "agentPoolProfiles[*].vmSize" {
		t.Errorf("replaceOnChanges %v, want the pools' VM size (AKS refuses it in place)", roc)
	}
	pools := in["agentPoolProfiles"].ArrayValue()
	if len(pools) != 1 {
		t.Fatalf("pools %v", pools)
	}
	pool := pools[0].ObjectValue()
	if pool["count"].NumberValue() != 3 || pool["vmSize"].StringValue() != "Standard_D4s_v5" || pool["mode"].StringValue() != "System" {
		t.Errorf("pool %v", pool)
	}
	var listed bool
	for _, c := range m.Calls() {
		if c.Token == "azure-native:containerservice/v20240901:listManagedClusterUserCredentials" {
			listed = c.Args["resourceName"].StringValue() == "scdemo-aksa1b2c3d4"
		}
	}
	if !listed {
		t.Error("kubeconfig not listed for the cluster")
	}
}

func TestDecodeKubeconfigErrors(t *testing.T) {
	if _, err := decodeKubeconfig(nil); err == nil || !strings.Contains(err.Error(), "no user kubeconfig") {
		t.Errorf("empty: %v", err)
	}
}

func TestOpenAIIsKeylessWithTheConfiguredDeployment(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		o, err := NewOpenAI(ctx, "scdemo-openai", OpenAIArgs{ResourceGroup: rg, NamePrefix: "scdemo", Model: testModel})
		if err != nil {
			return err
		}
		ep := mocks.Await(t, ctx, o.Endpoint).Value.(string)
		if !regexp.MustCompile(`^https://scdemo-oai-[0-9a-f]{8}\.openai\.azure\.com/$`).MatchString(ep) {
			t.Errorf("endpoint %q", ep)
		}
		if d := mocks.Await(t, ctx, o.DeploymentName).Value; d != "chat" {
			t.Errorf("deployment %v", d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	acct := m.One(t.Fatalf, "azure-native:cognitiveservices:Account").Inputs
	if propStr(acct, "kind") != "OpenAI" || propStr(acct, "sku", "name") != "S0" ||
		prop(acct, "properties", "disableLocalAuth").V != true || propStr(acct, "location") != "eastus2" {
		t.Errorf("account %v", acct)
	}
	dep := m.One(t.Fatalf, "azure-native:cognitiveservices:Deployment")
	want := map[string]any{
		"deploymentName": "chat", "sku.name": "GlobalStandard", "sku.capacity": 7.0,
		"properties.model.format": "OpenAI", "properties.model.name": "gpt-5.4-mini",
		"properties.model.version": "2026-03-17", "properties.versionUpgradeOption": "OnceCurrentVersionExpired",
	}
	for path, w := range want {
		if got := prop(dep.Inputs, strings.Split(path, ".")...).V; got != w {
			t.Errorf("deployment %s = %v, want %v", path, got, w)
		}
	}
	if propStr(dep.Inputs, "accountName") != propStr(acct, "accountName") {
		t.Error("deployment is not on the account")
	}
	// Cognitive Services refuses a write under an account while another
	// runs (409 RequestConflict): the deployment waits for the account's
	// write, and Pulumi deletes it before the account.
	if !dep.DependsOn("azure-native:cognitiveservices:Account", "scdemo-openai") {
		t.Errorf("the deployment does not depend on the account: %v", dep.Dependencies)
	}
}

func TestRegistryIsStandardWithoutAdminUser(t *testing.T) {
	for _, anonymous := range []bool{true, false} {
		m := &mocks.Mocks{}
		err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
			_, err := NewRegistry(ctx, "scdemo-acr", RegistryArgs{ResourceGroup: rg, NamePrefix: "scdemo", AnonymousPull: anonymous})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		in := m.One(t.Fatalf, "azure-native:containerregistry/v20230101preview:Registry").Inputs
		if propStr(in, "sku", "name") != "Standard" || in["adminUserEnabled"].V != false || in["anonymousPullEnabled"].V != anonymous {
			t.Errorf("anonymous=%v: registry %v", anonymous, in)
		}
	}
}

func writeApp(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var app = map[string]string{
	"Dockerfile":  "# syntax\nFROM --platform=linux/amd64 mcr.microsoft.com/oss/go/microsoft/golang:1.26 AS build\nFROM scratch\n",
	"main.go":     "package main\nfunc main() {}\n",
	"go.mod":      "module demo\n",
	"run_test.go": "package main\n",
	".env":        "SECRET=1\n",
}

// buildImage packs the test app and builds it in a registry under m; it
// returns the packed context and the image reference or its error.
func buildImage(t *testing.T, m *mocks.Mocks) (*BuildContext, string, error) {
	t.Helper()
	bc, err := PackBuildContext(writeApp(t, app))
	if err != nil {
		t.Fatal(err)
	}
	var ref string
	var refErr error
	err = runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		reg, err := NewRegistry(ctx, "scdemo-acr", RegistryArgs{ResourceGroup: rg, NamePrefix: "scdemo"})
		if err != nil {
			return err
		}
		img, err := NewImage(ctx, "scdemo-image", ImageArgs{ResourceGroup: rg, Registry: reg, Context: bc, Repository: "demo"})
		if err != nil {
			return err
		}
		r, err := internals.UnsafeAwaitOutput(ctx.Context(), img.Ref)
		ref, _ = r.Value.(string)
		refErr = err
		return nil
	})
	// A rejected image reference also fails the run: that is the point.
	if err != nil && refErr == nil {
		t.Fatal(err)
	}
	return bc, ref, refErr
}

func TestImageBuildsInsideACRAndPinsTheDigest(t *testing.T) {
	m := &mocks.Mocks{}
	bc, ref, err := buildImage(t, m)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^scdemoacr[0-9a-f]{8}\.azurecr\.io/demo@` + mocks.ImageDigest + `$`).MatchString(ref) {
		t.Errorf("ref %q", ref)
	}
	run := m.One(t.Fatalf, "azure-native:containerregistry:TaskRun").Inputs
	if propStr(run, "forceUpdateTag") != bc.Hash[:16] || propStr(run, "runRequest", "type") != "EncodedTaskRunRequest" ||
		propStr(run, "runRequest", "platform", "os") != "Linux" {
		t.Errorf("task run %v", run)
	}
	// ACR refuses a run timeout outside 300-28800 s (containerregistry spec).
	if timeout, _ := prop(run, "runRequest", "timeout").V.(float64); timeout != 1200 {
		t.Errorf("run timeout %v s, want 1200 (ACR allows 300 to 28800)", prop(run, "runRequest", "timeout").V)
	}
	task, err := base64.StdEncoding.DecodeString(propStr(run, "runRequest", "encodedTaskContent"))
	if err != nil {
		t.Fatal(err)
	}
	if raw := unpackedSource(t, string(task)); string(raw) != string(bc.Tarball) {
		t.Error("the source in the task is not the packed context")
	}
	for _, want := range []string{
		"version: v1.1.0",
		"cmd: mcr.microsoft.com/oss/go/microsoft/golang:1.26 sh -c",
		"build: -t {{.Run.Registry}}/demo:" + bc.Hash[:16] + " -f Dockerfile .",
		"push:\n      - {{.Run.Registry}}/demo:" + bc.Hash[:16],
	} {
		if !strings.Contains(string(task), want) {
			t.Errorf("task lacks %q:\n%s", want, task)
		}
	}
}

// The program reads the run Azure holds and repeats its forceUpdateTag,
// unless that run failed: then it asks for a new run.
func TestTheNextUpAfterAFailedRunBuildsAgain(t *testing.T) {
	for _, c := range []struct {
		name, lastTag, lastStatus, want string
	}{
		{"no run yet", "", "", "%s"},
		{"failed", "%s", "Failed", "%s-after-ca1"},
		{"timed out", "%s", "Timeout", "%s-after-ca1"},
		{"succeeded", "%s", "Succeeded", "%s"},
		{"succeeded after a rerun", "%s-after-ca1", "Succeeded", "%s-after-ca1"},
		{"older source, failed", "fedcba9876543210", "Failed", "%s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := &mocks.Mocks{}
			hash := ""
			if c.lastStatus != "" {
				bc, err := PackBuildContext(writeApp(t, app))
				if err != nil {
					t.Fatal(err)
				}
				hash = bc.Hash[:16]
				m.LastRun = resource.PropertyMap{
					"forceUpdateTag": resource.NewProperty(strings.ReplaceAll(c.lastTag, "%s", hash)),
					"runResult":      resource.NewProperty(resource.PropertyMap{"runId": resource.NewProperty("ca1"), "status": resource.NewProperty(c.lastStatus)}),
				}
			}
			bc, _, err := buildImage(t, m)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.ReplaceAll(c.want, "%s", bc.Hash[:16])
			run := m.One(t.Fatalf, "azure-native:containerregistry:TaskRun").Inputs
			if got := propStr(run, "forceUpdateTag"); got != want {
				t.Errorf("forceUpdateTag %q, want %q", got, want)
			}
			if got := propStr(run, "taskRunName"); got != "scdemo-image" {
				t.Errorf("taskRunName %q", got)
			}
			var lookup *mocks.Call
			for _, call := range m.Calls() {
				if call.Token == "azure-native:containerregistry:getTaskRun" {
					lookup = &call
				}
			}
			if lookup == nil || propStr(lookup.Args, "taskRunName") != "scdemo-image" || !strings.HasPrefix(propStr(lookup.Args, "registryName"), "scdemoacr") ||
				propStr(lookup.Args, "resourceGroupName") == "" {
				t.Errorf("last run read with %v", lookup)
			}
		})
	}
}

func TestRerunTagKeepsASucceededRunsTag(t *testing.T) {
	s := func(v string) *string { return &v }
	ok := containerregistry.RunResponse{RunId: s("ca7"), Status: s("Succeeded")}
	failed := containerregistry.RunResponse{RunId: s("ca7"), Status: s("Failed")}
	running := containerregistry.RunResponse{RunId: s("ca7"), Status: s("Running")}
	for _, c := range []struct {
		last    *string
		run     containerregistry.RunResponse
		want    string
		comment string
	}{
		{nil, containerregistry.RunResponse{}, "abc", "no run"},
		{s("abc"), ok, "abc", "good run"},
		{s("abc-after-ca3"), ok, "abc-after-ca3", "good rerun"},
		{s("abc-after-ca3"), failed, "abc-after-ca7", "failed rerun"},
		{s("abc"), running, "abc", "a run still going is awaited, not restarted"},
		{s("abcdef"), failed, "abc", "another source"},
	} {
		if got := rerunTag("abc", c.last, c.run); got != c.want {
			t.Errorf("%s: got %q, want %q", c.comment, got, c.want)
		}
	}
}

func TestFailedACRRunFailsWithRunIDAndLogCommand(t *testing.T) {
	_, _, refErr := buildImage(t, &mocks.Mocks{RunStatus: "Failed"})
	if refErr == nil {
		t.Fatal("failed run accepted")
	}
	for _, want := range []string{`run ca1 ended "Failed"`, "failed to build step build", "az acr task logs --registry scdemoacr", "--run-id ca1"} {
		if !strings.Contains(refErr.Error(), want) {
			t.Errorf("error %q lacks %q", refErr, want)
		}
	}
}

func TestBuildContextChangesOnlyWithTheImagesSource(t *testing.T) {
	pack := func(files map[string]string) *BuildContext {
		t.Helper()
		bc, err := PackBuildContext(writeApp(t, files))
		if err != nil {
			t.Fatal(err)
		}
		return bc
	}
	with := func(k, v string) map[string]string {
		c := map[string]string{}
		for a, b := range app {
			c[a] = b
		}
		c[k] = v
		return c
	}
	base := pack(app)
	if strings.Join(base.Files, ",") != "Dockerfile,go.mod,main.go" {
		t.Errorf("packed %v", base.Files)
	}
	if pack(app).Hash != base.Hash {
		t.Error("same source, different hash")
	}
	if pack(with("run_test.go", "package main // changed\n")).Hash != base.Hash {
		t.Error("a test edit changed the image hash")
	}
	if pack(with("main.go", "package main\nfunc main() { println() }\n")).Hash == base.Hash {
		t.Error("a source edit kept the hash")
	}
	if img, err := base.BaseImage(); err != nil || img != "mcr.microsoft.com/oss/go/microsoft/golang:1.26" {
		t.Errorf("base image %q %v", img, err)
	}
	if _, err := PackBuildContext(writeApp(t, map[string]string{"main.go": "package main\n"})); err == nil || !strings.Contains(err.Error(), "no Dockerfile") {
		t.Errorf("no Dockerfile: %v", err)
	}
}

func TestBuildContextHonoursDockerignore(t *testing.T) {
	files := map[string]string{
		"Dockerfile":    "FROM scratch\n",
		".dockerignore": "# allow-list\n*\n!go.mod\n!*.go\n*_test.go\n",
		"main.go":       "package main\n",
		"go.mod":        "module x\n",
		"demo":          "a built binary",
		"README.md":     "docs",
		"sub/x.go":      "package sub\n",
	}
	bc, err := PackBuildContext(writeApp(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bc.Files, ","); got != "Dockerfile,go.mod,main.go" {
		t.Errorf("packed %s", got)
	}
}

// Docker's `**` crosses folders, and a later '!' line takes a file back.
func TestBuildContextMatchesDockersDoubleStar(t *testing.T) {
	files := map[string]string{
		"Dockerfile":          "FROM scratch\n",
		".dockerignore":       "**/*.md\n!keep/**/KEEP.md\nbuild/**\n",
		"main.go":             "package main\n",
		"README.md":           "docs",
		"docs/a/b/guide.md":   "docs",
		"keep/x/KEEP.md":      "kept",
		"build/out/demo":      "binary",
		"internal/x/x.go":     "package x\n",
		"internal/x/notes.md": "notes",
	}
	bc, err := PackBuildContext(writeApp(t, files))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bc.Files, ","); got != "Dockerfile,internal/x/x.go,keep/x/KEEP.md,main.go" {
		t.Errorf("packed %s", got)
	}
}

func TestBuildContextRefusesABadDockerignorePattern(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM scratch\n", ".dockerignore": "[\n", "main.go": "package main\n"}
	if _, err := PackBuildContext(writeApp(t, files)); err == nil || !strings.Contains(err.Error(), ".dockerignore") {
		t.Errorf("bad pattern: %v", err)
	}
}

func TestOversizedSourceIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i*7919%251) ^ byte(i>>8)
	}
	files := map[string]string{"Dockerfile": "FROM scratch\n", "blob.bin": string(big)}
	_, err := PackBuildContext(writeApp(t, files))
	for _, want := range []string{"packed source is 171964 bytes (167 KiB) in base64; an inline ACR build carries at most 98304 bytes (96 KiB)", ".dockerignore"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %q", err, want)
		}
	}
}

// unpackedSource is what the task's unpack step decodes: the env values it
// names, joined in the order its command names them.
func unpackedSource(t *testing.T, task string) []byte {
	t.Helper()
	cmd := regexp.MustCompile(`cmd: .* sh -c 'echo "((?:\$SOURCE_TGZ_\d+)+)" \| base64 -d \| tar -xz -C /workspace'`).FindStringSubmatch(task)
	if cmd == nil {
		t.Fatalf("no unpack command in the task:\n%.2000s", task)
	}
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^      - (SOURCE_TGZ_\d+)=(\S+)$`).FindAllStringSubmatch(task, -1) {
		env[m[1]] = m[2]
	}
	var joined strings.Builder
	for _, name := range strings.Split(cmd[1], "$")[1:] {
		v, ok := env[name]
		if !ok {
			t.Fatalf("the unpack step names %s, which the task does not set", name)
		}
		joined.WriteString(v)
	}
	raw, err := base64.StdEncoding.DecodeString(joined.String())
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// A source too long for one task line (ACR would silently drop the line and
// everything after it) is split so that every line fits, and the unpack
// step still rebuilds the same archive.
func TestLargeSourceIsSplitSoEveryTaskLineFitsACRsScanner(t *testing.T) {
	tarball := make([]byte, (MaxInlineSource/4)*3-64)
	for i := range tarball {
		tarball[i] = byte(i*7919%251) ^ byte(i>>8)
	}
	task := BuildTask("demo", "0123456789abcdef", "golang:1.26", tarball)
	sc := bufio.NewScanner(strings.NewReader(task))
	lines := 0
	for sc.Scan() {
		lines++
		if n := len(sc.Text()); n > MaxTaskLine {
			t.Errorf("line %d is %d bytes, over %d", lines, n, MaxTaskLine)
		}
	}
	if sc.Err() != nil {
		t.Fatalf("ACR's scanner stops at line %d: %v", lines+1, sc.Err())
	}
	if want := strings.Count(task, "\n"); lines != want {
		t.Errorf("scanner read %d lines, task has %d", lines, want)
	}
	if n := strings.Count(task, "      - SOURCE_TGZ_"); n != 2 {
		t.Errorf("source in %d env lines, want 2 for %d bytes of base64", n, base64.StdEncoding.EncodedLen(len(tarball)))
	}
	if !bytes.Equal(unpackedSource(t, task), tarball) {
		t.Error("the unpack step does not rebuild the archive")
	}
	if !strings.HasSuffix(task, "  - id: push\n    push:\n      - {{.Run.Registry}}/demo:0123456789abcdef\n") {
		t.Errorf("the push step is not last:\n%s", task[len(task)-200:])
	}
}

func TestIdentityExposesItsIDs(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		id, err := NewIdentity(ctx, "scdemo-identity", IdentityArgs{ResourceGroup: rg})
		if err != nil {
			return err
		}
		for _, o := range []pulumi.StringOutput{id.ClientID, id.PrincipalID} {
			if v := mocks.Await(t, ctx, o).Value; !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(v.(string)) {
				t.Errorf("id %v", v)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if propStr(m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity").Inputs, "location") != "eastus2" {
		t.Error("identity not in the group's region")
	}
}

func TestServiceConnectorLinkIsTheTutorialsLinker(t *testing.T) {
	m := &mocks.Mocks{}
	err := runInfra(t, m, func(ctx *pulumi.Context, rg *ResourceGroup) error {
		id, err := NewIdentity(ctx, "scdemo-identity", IdentityArgs{ResourceGroup: rg})
		if err != nil {
			return err
		}
		_, err = NewServiceConnectorLink(ctx, "scdemo-connection", ServiceConnectorLinkArgs{
			ClusterID:        pulumi.String("/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c"),
			TargetID:         pulumi.String("/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a"),
			IdentityClientID: id.ClientID,
			ConnectionName:   "openaiconn",
			Namespace:        "demo",
			ClientType:       "none",
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	clientID := propStr(m.One(t.Fatalf, "azure-native:managedidentity:UserAssignedIdentity").Outputs, "clientId")
	l := m.One(t.Fatalf, "azure-native:servicelinker:Linker")
	want := map[string]any{
		"resourceUri":             "/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerService/managedClusters/c",
		"linkerName":              "openaiconn",
		"targetService.type":      "AzureResource",
		"targetService.id":        "/subscriptions/s/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/a",
		"authInfo.authType":       "userAssignedIdentity",
		"authInfo.clientId":       clientID,
		"authInfo.subscriptionId": mocks.SubscriptionID,
		// Service Connector then removes its credential and grant with the link.
		"authInfo.deleteOrUpdateBehavior": "ForcedCleanup",
		"clientType":                      "none",
		"scope":                           "demo",
		// Service Connector must not write the account's network settings.
		"publicNetworkSolution.action": "optOut",
	}
	for path, w := range want {
		if got := prop(l.Inputs, strings.Split(path, ".")...).V; got != w {
			t.Errorf("linker %s = %v, want %v", path, got, w)
		}
	}
	if len(l.Inputs) != 7 {
		t.Errorf("linker sends more than the tutorial and the network opt-out: %v", l.Inputs)
	}
}
