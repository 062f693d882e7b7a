package infra

import (
	"aks-openai-workload-identity/buildcontext"
	"bufio"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-azure-native-sdk/containerregistry/v2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// ImageArgs configures an Image.
type ImageArgs struct {
	ResourceGroup *ResourceGroup
	Registry      *Registry
	// Context is the packed source, packed with CheckInlineSize.
	Context *buildcontext.Packed
	// Repository is the image's repository in the registry.
	Repository string
}

// MaxInlineSource bounds the base64 source inside the run request.
// acr-builder runs a step as one `sh -c "docker run --env K=V ... "` string
// (builder/context.go, getDockerRunArgs), so every env value of the step is
// inside one argument, which Linux caps at 128 KiB (MAX_ARG_STRLEN).
const MaxInlineSource = 96 << 10

// MaxTaskLine is the longest task line ACR reads: for `version: v1.1.0`,
// acr-builder splits the task into lines with bufio.Scanner's default
// buffer (graph/preprocessor.go, SeparateAliasFromRest) and ignores its
// error, so the first longer line and everything after it are dropped.
const MaxTaskLine = bufio.MaxScanTokenSize - 1

// sourceChunk is the base64 carried by one env line of the unpack step,
// well under MaxTaskLine with its indentation and name.
const sourceChunk = 48 << 10

// CheckInlineSize refuses a source too large to travel in the run request:
// buildcontext.Pack's limit for an image built by NewImage.
func CheckInlineSize(tarball []byte) error {
	if n := base64.StdEncoding.EncodedLen(len(tarball)); n > MaxInlineSource {
		return fmt.Errorf("the demo app's packed source is %d bytes (%d KiB) in base64; an inline ACR build carries at most %d bytes (%d KiB), because ACR passes it to one shell command: keep large files out of the app's folder (list them in its .dockerignore) or shrink them", n, n>>10, MaxInlineSource, MaxInlineSource>>10)
	}
	return nil
}

// Image is the demo image, built inside ACR as `az acr build` does, so the
// deploying machine needs no Docker.
type Image struct {
	pulumi.ResourceState

	// Ref is repository@digest: the workload runs exactly what was built.
	Ref pulumi.StringOutput
}

// NewImage runs the build. `az acr build` uploads the context to a
// short-lived blob first, an imperative step with no resource behind it.
// Here the context travels inside the run request instead: a first step
// unpacks it into the run's workspace, then the build and push steps use it.
// The request changes only when the packed source does, so the image is
// rebuilt only then.
func NewImage(ctx *pulumi.Context, name string, args ImageArgs, opts ...pulumi.ResourceOption) (*Image, error) {
	tag := args.Context.Hash[:16]
	if err := CheckInlineSize(args.Context.Tarball); err != nil {
		return nil, err
	}
	builder, err := args.Context.BaseImage()
	if err != nil {
		return nil, err
	}
	c := &Image{}
	if err := ctx.RegisterComponentResource(typePrefix+"Image", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	// The unpack step runs in the Dockerfile's first base image, which the
	// build pulls anyway and which has sh, base64 and tar.
	task := BuildTask(args.Repository, tag, builder, args.Context.Tarball)
	// The run has a fixed name, so the program can read the last one.
	runName := name
	forceUpdateTag := pulumi.All(rg.Name, args.Registry.Name).ApplyT(func(v []any) (string, error) {
		last, err := containerregistry.LookupTaskRun(ctx, &containerregistry.LookupTaskRunArgs{
			ResourceGroupName: v[0].(string), RegistryName: v[1].(string), TaskRunName: runName,
		}, pulumi.Parent(c))
		if isNotFound(err) {
			return tag, nil
		}
		if err != nil {
			return "", fmt.Errorf("reading the last ACR build run %s of registry %s: %w", runName, v[1], err)
		}
		return rerunTag(tag, last.ForceUpdateTag, last.RunResult), nil
	}).(pulumi.StringOutput)
	run, err := containerregistry.NewTaskRun(ctx, name, &containerregistry.TaskRunArgs{
		TaskRunName:       pulumi.String(runName),
		RegistryName:      args.Registry.Name,
		ResourceGroupName: rg.Name,
		Location:          pulumi.String(rg.Location),
		ForceUpdateTag:    forceUpdateTag,
		RunRequest: containerregistry.EncodedTaskRunRequestArgs{
			Type:               pulumi.String("EncodedTaskRunRequest"),
			EncodedTaskContent: pulumi.String(base64.StdEncoding.EncodeToString([]byte(task))),
			Platform: containerregistry.PlatformPropertiesArgs{
				Os:           pulumi.String("Linux"),
				Architecture: pulumi.String("amd64"),
			},
			// A Go build takes a few minutes; an hour-long hang should not.
			Timeout:          pulumi.Int(1200),
			IsArchiveEnabled: pulumi.Bool(false),
		},
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.Ref = pulumi.All(run.RunResult, args.Registry.Name, args.Registry.LoginServer).ApplyT(
		func(v []any) (string, error) {
			return imageRef(v[0].(containerregistry.RunResponse), v[1].(string), v[2].(string), args.Repository, tag)
		}).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"ref": c.Ref, "runId": run.RunResult.RunId().Elem()})
}

// rerunTag is the run's forceUpdateTag, given the last run Azure holds.
// ACR answers a PUT that repeats the last request and forceUpdateTag with
// the run it already made, even a failed one, so after a failed run the tag
// must change for the next `up` to build again; after a good run it must
// not, or every `up` would rebuild. A new source changes the request
// anyway, and starts over from the source's tag.
func rerunTag(tag string, lastTag *string, last containerregistry.RunResponse) string {
	prev := deref(lastTag)
	if prev != tag && !strings.HasPrefix(prev, tag+"-") {
		return tag
	}
	switch deref(last.Status) {
	case "Failed", "Canceled", "Error", "Timeout":
		return tag + "-after-" + deref(last.RunId)
	}
	return prev
}

// isNotFound tells an ARM 404 (no run yet) from other errors.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "404") && (strings.Contains(msg, "NotFound") || strings.Contains(msg, "Not Found"))
}

// BuildTask is the ACR task (YAML, v1.1.0) that unpacks the source carried
// in the request, builds it, and pushes the image. The base64 source is cut
// into env lines of sourceChunk characters, SOURCE_TGZ_0, SOURCE_TGZ_1, ...,
// which the unpack step joins in order, so no line exceeds MaxTaskLine.
func BuildTask(repository, tag, builderImage string, tarball []byte) string {
	image := "{{.Run.Registry}}/" + repository + ":" + tag
	encoded := base64.StdEncoding.EncodeToString(tarball)
	var refs, envs []string
	for i := 0; i == 0 || len(encoded) > 0; i++ {
		n := min(len(encoded), sourceChunk)
		name := fmt.Sprintf("SOURCE_TGZ_%d", i)
		refs = append(refs, "$"+name)
		envs = append(envs, "      - "+name+"="+encoded[:n])
		encoded = encoded[n:]
	}
	lines := []string{
		"version: v1.1.0",
		"steps:",
		"  - id: unpack",
		"    cmd: " + builderImage + " sh -c 'echo \"" + strings.Join(refs, "") + "\" | base64 -d | tar -xz -C /workspace'",
		"    env:",
	}
	lines = append(lines, envs...)
	lines = append(lines,
		"  - id: build",
		"    build: -t "+image+" -f Dockerfile .",
		"  - id: push",
		"    push:",
		"      - "+image,
		"",
	)
	return strings.Join(lines, "\n")
}

// imageRef checks the run and returns repository@digest of what it pushed.
// The run reports failure in its result, not as an ARM error, so without
// this check a failed build would pass silently.
func imageRef(run containerregistry.RunResponse, registryName, loginServer, repository, tag string) (string, error) {
	runID := deref(run.RunId)
	logs := fmt.Sprintf("read its log with: az acr task logs --registry %s --run-id %s", registryName, runID)
	if status := deref(run.Status); status != "Succeeded" {
		msg := run.RunErrorMessage
		if msg == "" {
			msg = "no error message"
		}
		return "", fmt.Errorf("ACR build of the demo image failed: run %s ended %q (%s); %s", runID, status, msg, logs)
	}
	for _, img := range run.OutputImages {
		if deref(img.Repository) == repository && deref(img.Tag) == tag && deref(img.Digest) != "" {
			return loginServer + "/" + repository + "@" + deref(img.Digest), nil
		}
	}
	return "", fmt.Errorf("ACR build run %s succeeded but reported no digest for %s:%s; %s", runID, repository, tag, logs)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
