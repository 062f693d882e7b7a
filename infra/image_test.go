package infra

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/internals"

	"aks-openai-workload-identity/buildcontext"
	"aks-openai-workload-identity/buildcontext/contexttest"
	"aks-openai-workload-identity/testtools/mocks"
)

// buildImage packs the test app and builds it in a registry under m; it
// returns the packed context and the image reference or its error.
func buildImage(t *testing.T, m *mocks.Mocks) (*buildcontext.Packed, string, error) {
	t.Helper()
	bc, err := buildcontext.Pack(contexttest.WriteDir(t, contexttest.App), CheckInlineSize)
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
				bc, err := buildcontext.Pack(contexttest.WriteDir(t, contexttest.App), CheckInlineSize)
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

func TestOversizedSourceIsRefusedBeforeAnythingIsCreated(t *testing.T) {
	big := make([]byte, 200<<10)
	for i := range big {
		big[i] = byte(i*7919%251) ^ byte(i>>8)
	}
	files := map[string]string{"Dockerfile": "FROM scratch\n", "blob.bin": string(big)}
	_, err := buildcontext.Pack(contexttest.WriteDir(t, files), CheckInlineSize)
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
