package standin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// appArchive is a tar.gz with a Dockerfile and, if given, a file of noise
// (which does not compress) to make it as large as a test needs.
func appArchive(noise []byte) []byte {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	files := map[string][]byte{"Dockerfile": []byte("FROM scratch\n")}
	if noise != nil {
		files["noise.go"] = noise
	}
	for _, name := range []string{"Dockerfile", "noise.go"} {
		data, ok := files[name]
		if !ok {
			continue
		}
		_ = tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data))})
		_, _ = tw.Write(data)
	}
	_ = tw.Close()
	_ = gz.Close()
	return buf.Bytes()
}

func noise(n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(1)).Read(b)
	return b
}

// sourceTask carries the archive in env lines of at most chunk base64
// characters, joined by the unpack step, then builds and pushes.
func sourceTask(repo, tag string, archive []byte, chunk int) string {
	enc := base64.StdEncoding.EncodeToString(archive)
	var refs, envs []string
	for i := 0; i == 0 || enc != ""; i++ {
		n := min(len(enc), chunk)
		refs = append(refs, fmt.Sprintf("$SRC_%d", i))
		envs = append(envs, fmt.Sprintf("      - SRC_%d=%s", i, enc[:n]))
		enc = enc[n:]
	}
	image := "{{.Run.Registry}}/" + repo + ":" + tag
	return strings.Join(append(append([]string{
		"version: v1.1.0",
		"steps:",
		"  - id: unpack",
		"    cmd: golang:1.26 sh -c 'echo \"" + strings.Join(refs, "") + "\" | base64 -d | tar -xz -C /workspace'",
		"    env:",
	}, envs...),
		"  - id: build",
		"    build: -t "+image+" -f Dockerfile .",
		"  - id: push",
		"    push:",
		"      - "+image,
		""), "\n")
}

// acr-builder reads a v1.1.0 task line by line with bufio.Scanner's
// default 64 KiB limit and ignores the scanner's error: from an over-long
// line on, the task is gone, and the run fails later, on what is left.
func TestAnOverlongTaskLineDropsTheRestOfTheTask(t *testing.T) {
	archive := appArchive(noise(60 << 10)) // ~80 KiB of base64
	oneLine := sourceTask("demo", "t1", archive, 1<<20)
	if kept := taskLinesACRReads(oneLine); strings.Contains(kept, "SRC_0=") || strings.Contains(kept, "id: build") || !strings.Contains(kept, "id: unpack") {
		t.Fatalf("ACR would read:\n%.300s", kept)
	}
	r := runACRTask(oneLine, "acr1.azurecr.io", "ca1")
	if r.failed != "failed to run step ID: unpack: exit status 2" || !strings.Contains(r.log, "gzip: stdin: unexpected end of file") || r.pushed != nil {
		t.Errorf("one over-long line: %+v", r)
	}
	// The same source in lines under the limit unpacks, builds and pushes.
	split := sourceTask("demo", "t1", archive, 48<<10)
	if taskLinesACRReads(split) != split {
		t.Error("ACR would drop part of a task whose lines all fit")
	}
	r = runACRTask(split, "acr1.azurecr.io", "ca1")
	if r.failed != "" || len(r.pushed) != 1 || r.pushed[0] != "acr1.azurecr.io/demo:t1" {
		t.Errorf("split source: %+v", r)
	}
	// Before v1.1.0 there is no alias pass, so no scanner.
	old := strings.Replace(oneLine, "version: v1.1.0", "version: v1.0.0", 1)
	if r := runACRTask(old, "acr1.azurecr.io", "ca1"); r.failed != "" {
		t.Errorf("v1.0.0 task: %+v", r)
	}
}

// A step runs as one `sh -c "docker run --env ..."` argument, which Linux
// caps at 128 KiB: a larger source fails even in lines that fit.
func TestAStepOverLinuxsArgumentLimitFails(t *testing.T) {
	task := sourceTask("demo", "t1", appArchive(noise(100<<10)), 48<<10)
	r := runACRTask(task, "acr1.azurecr.io", "ca1")
	if r.failed != "failed to run step ID: unpack: exit status 1" || r.log != "fork/exec /bin/sh: argument list too long" {
		t.Errorf("%+v", r)
	}
}

func TestBuildNeedsItsDockerfileAndPushWhatWasBuilt(t *testing.T) {
	noUnpack := "version: v1.1.0\nsteps:\n  - id: build\n    build: -t {{.Run.Registry}}/demo:t1 -f Dockerfile .\n  - push: [\"{{.Run.Registry}}/demo:t1\"]\n"
	if r := runACRTask(noUnpack, "acr1.azurecr.io", "ca1"); !strings.Contains(r.log, "lstat /workspace/Dockerfile: no such file or directory") || r.failed != "failed to run step ID: build: exit status 1" {
		t.Errorf("no source: %+v", r)
	}
	pushOther := strings.Replace(sourceTask("demo", "t1", appArchive(nil), 1<<20), "      - {{.Run.Registry}}/demo:t1\n", "      - {{.Run.Registry}}/other:t1\n", 1)
	if r := runACRTask(pushOther, "acr1.azurecr.io", "ca1"); r.log != "An image does not exist locally with the tag: acr1.azurecr.io/other:t1" {
		t.Errorf("push of an image not built: %+v", r)
	}
	if r := runACRTask("version: v1.1.0\n", "acr1.azurecr.io", "ca1"); r.failed != "failed to initialize run: the task has no steps" {
		t.Errorf("no steps: %+v", r)
	}
}

// An identical PUT answers with the run already made, failed or not; a new
// forceUpdateTag runs it again. getTaskRun reads what Azure holds.
func TestIdenticalTaskRunPutAnswersTheExistingRun(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	args := map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "taskRunName": "scdemo-image"}
	_, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerregistry:getTaskRun", Args: toStruct(t, args)})
	wantErr(t, err, `Status=404 Code="ResourceNotFound"`, "scdemo-image")

	in := map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "taskRunName": "scdemo-image", "forceUpdateTag": "t1",
		"runRequest": map[string]any{"type": "EncodedTaskRunRequest", "encodedTaskContent": encodedTask("demo", "t1"), "platform": map[string]any{"os": "Linux"}}}
	news := h.checked(tTaskRun, "image", in)
	h.env[EnvFaults] = "TaskRun:run:1=Failed"
	_, err = h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, Properties: news})
	wantErr(t, err, "The status for Run ca1 is Failed")
	id := h.state().Objects[key(rgID(w.rg)+"/providers/Microsoft.ContainerRegistry/registries/scdemoacr1/taskRuns/scdemo-image")].ID

	update := func() (string, error) {
		h.p = h.provider() // each `up` is another plugin process
		olds := toStructPM(t, fromState(h.state().Get(id).Outputs))
		resp, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: id, Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, Olds: olds, News: h.checked(tTaskRun, "image", in)})
		if err != nil {
			return "", err
		}
		run := fromStruct(t, resp.GetProperties())["runResult"].ObjectValue()
		return gets(run, "runId") + " " + gets(run, "status"), nil
	}
	// The same request again: the failed run ca1, no new run.
	_, err = update()
	wantErr(t, err, "The status for Run ca1 is Failed")
	got, err := h.p.Invoke(context.Background(), &pulumirpc.InvokeRequest{Tok: "azure-native:containerregistry:getTaskRun", Args: toStruct(t, args)})
	if err != nil {
		t.Fatal(err)
	}
	ret := fromStruct(t, got.GetReturn())
	if gets(ret, "forceUpdateTag") != "t1" || gets(ret, "runResult.status") != "Failed" || gets(ret, "runResult.runId") != "ca1" || gets(ret, "id") != id {
		t.Errorf("getTaskRun %v", ret)
	}
	// A new forceUpdateTag: a new run, which succeeds.
	in["forceUpdateTag"] = "t1-after-ca1"
	if got, err := update(); err != nil || got != "ca2 Succeeded" {
		t.Fatalf("rerun: %q %v", got, err)
	}
	// The same again: the good run ca2, not a third.
	if got, err := update(); err != nil || got != "ca2 Succeeded" {
		t.Errorf("identical PUT after success: %q %v", got, err)
	}
	if n := h.state().Counters["acr-run:"+key(rgID(w.rg)+"/providers/Microsoft.ContainerRegistry/registries/scdemoacr1")]; n != 2 {
		t.Errorf("%d runs, want 2", n)
	}
}

// Entra's rules for federated credentials on one identity: an issuer and
// subject pair at most once (400), at most 20 credentials (400).
func TestFederatedCredentialRulesOfOneIdentity(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	fic := func(name, subject string) error {
		_, _, err := h.create(tFIC, name, map[string]any{"resourceGroupName": w.rg, "resourceName": describeName(w.identityID),
			"federatedIdentityCredentialResourceName": name, "issuer": "https://issuer.example/oidc/", "subject": subject,
			"audiences": []any{"api://AzureADTokenExchange"}})
		return err
	}
	if err := fic("fic0", "system:serviceaccount:demo:a0"); err != nil {
		t.Fatal(err)
	}
	wantErr(t, fic("dup", "system:serviceaccount:demo:a0"), `Status=400 Code="BadRequest"`, "Issuer and subject combination already exists for this Managed Identity")
	for i := 1; i < maxFICsPerIdentity; i++ {
		if err := fic(fmt.Sprintf("fic%d", i), fmt.Sprintf("system:serviceaccount:demo:a%d", i)); err != nil {
			t.Fatalf("credential %d: %v", i+1, err)
		}
	}
	wantErr(t, fic("fic20", "system:serviceaccount:demo:a20"), `Status=400`, "at most 20 federated identity credentials")
}

// Two writes of credentials under one identity at once, from two plugin
// processes, collide with Entra's 409; one after the other they do not.
// Service Connector's link writes a credential on its identity too.
func TestConcurrentCredentialWritesOnOneIdentityConflict(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.env[EnvLatency] = "FederatedIdentityCredential=1s,Linker=1s"
	fic := func(p *Provider, name string) error {
		in := h.checked(tFIC, name, map[string]any{"resourceGroupName": w.rg, "resourceName": describeName(w.identityID),
			"federatedIdentityCredentialResourceName": name, "issuer": "https://issuer.example/oidc/", "subject": "system:serviceaccount:demo:" + name,
			"audiences": []any{"api://AzureADTokenExchange"}})
		_, err := p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tFIC, name), Type: tFIC, Properties: in})
		return err
	}
	wantErr(t, h.oneOfTwoOverlappingWritesFails(fic), `Status=409 Code="ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity"`, "Concurrent Federated Identity Credentials writes under the same managed identity are not supported")
	// In sequence: fine.
	if err := fic(h.provider(), "three"); err != nil {
		t.Fatal(err)
	}
	// A link's credential and the program's, at once: the same conflict.
	errs := make(chan error, 1)
	go func() {
		_, _, err := h.create(tLinker, "conn", linkerInputs(w, "demo"))
		errs <- err
	}()
	time.Sleep(100 * time.Millisecond)
	wantErr(t, fic(h.provider(), "four"), "ConcurrentFederatedIdentityCredentialsWritesForSingleManagedIdentity")
	if err := <-errs; err != nil {
		t.Fatalf("the link: %v", err)
	}
}

// A free-trial subscription may not run ACR Tasks: the run is refused.
func TestFreeTrialSubscriptionsCannotRunACRTasks(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	h.env[EnvFreeTrial] = "1"
	_, _, err := h.create(tTaskRun, "image", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "runRequest": map[string]any{
		"type": "EncodedTaskRunRequest", "encodedTaskContent": encodedTask("demo", "t1"), "platform": map[string]any{"os": "Linux"}}})
	wantErr(t, err, `Status=400 Code="TasksOperationsNotAllowed"`, "ACR Tasks requests for the registry scdemoacr1", "are not permitted")
	if n := len(h.state().Find("TaskRun", nil)); n != 0 {
		t.Errorf("%d task runs stored", n)
	}
}

// pulumi/pulumi-azure-native#1713: the run is made but polling it hits a
// 404 and the operation fails; the same request again answers the run.
func TestTaskRunPolling404LeavesTheRunBehind(t *testing.T) {
	h := newHarness(t)
	w := h.world()
	h.mustCreate(tRegistry, "acr", map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "location": "eastus2", "sku": map[string]any{"name": "Standard"}})
	in := map[string]any{"resourceGroupName": w.rg, "registryName": "scdemoacr1", "taskRunName": "scdemo-image", "forceUpdateTag": "t1",
		"runRequest": map[string]any{"type": "EncodedTaskRunRequest", "encodedTaskContent": encodedTask("demo", "t1"), "platform": map[string]any{"os": "Linux"}}}
	h.env[EnvFaults] = "TaskRun:poll:1=404"
	news := h.checked(tTaskRun, "image", in)
	_, err := h.p.Create(context.Background(), &pulumirpc.CreateRequest{Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, Properties: news})
	wantErr(t, err, "Future#WaitForCompletion: the number of retries has been exceeded: StatusCode=404")
	runs := h.state().Find("TaskRun", nil)
	if len(runs) != 1 || runs[0].Output("runResult.status") != "Succeeded" {
		t.Fatalf("runs %v", runs)
	}
	olds := toStructPM(t, fromState(runs[0].Outputs))
	resp, err := h.p.Update(context.Background(), &pulumirpc.UpdateRequest{Id: runs[0].ID, Urn: urnFor(tTaskRun, "image"), Type: tTaskRun, Olds: olds, News: news})
	if err != nil {
		t.Fatalf("the same request after the 404: %v", err)
	}
	if got := fromStruct(t, resp.GetProperties())["runResult"].ObjectValue(); gets(got, "runId") != "ca1" {
		t.Errorf("run %v", got)
	}
}
