package infra

import (
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
	// Context is the packed source; see PackBuildContext.
	Context *BuildContext
	// Repository is the image's repository in the registry.
	Repository string
}

// maxInlineSource bounds the base64 source inside the run request: ACR runs
// each step as one `sh -c` string, and Linux caps one argument at 128 KiB.
const maxInlineSource = 96 << 10

// Image is the demo image, built inside ACR as `az acr build` does, so the
// deploying machine needs no Docker.
type Image struct {
	pulumi.ResourceState

	// Ref is repository@digest: the workload runs exactly what was built.
	Ref pulumi.StringOutput
	Tag string
	// RunID names the ACR run, for `az acr task logs --run-id`.
	RunID pulumi.StringOutput
	// TaskRun is the build itself, for resources that must wait on it.
	TaskRun *containerregistry.TaskRun
}

// NewImage runs the build. `az acr build` uploads the context to a
// short-lived blob first, an imperative step with no resource behind it.
// Here the context travels inside the run request instead: a first step
// unpacks it into the run's workspace, then the build and push steps use it.
// The request changes only when the packed source does, so the image is
// rebuilt only then.
func NewImage(ctx *pulumi.Context, name string, args ImageArgs, opts ...pulumi.ResourceOption) (*Image, error) {
	tag := args.Context.Hash[:16]
	if n := base64.StdEncoding.EncodedLen(len(args.Context.Tarball)); n > maxInlineSource {
		return nil, fmt.Errorf("the demo app's packed source is %d KiB in base64; an inline ACR build carries at most %d KiB: keep large files out of the app's folder", n>>10, maxInlineSource>>10)
	}
	builder, err := args.Context.BaseImage()
	if err != nil {
		return nil, err
	}
	c := &Image{Tag: tag}
	if err := ctx.RegisterComponentResource(typePrefix+"Image", name, c, opts...); err != nil {
		return nil, err
	}
	rg := args.ResourceGroup
	// The unpack step runs in the Dockerfile's first base image, which the
	// build pulls anyway and which has sh, base64 and tar.
	task := BuildTask(args.Repository, tag, builder, args.Context.Tarball)
	run, err := containerregistry.NewTaskRun(ctx, name, &containerregistry.TaskRunArgs{
		RegistryName:      args.Registry.Name,
		ResourceGroupName: rg.Name,
		Location:          pulumi.String(rg.Location),
		ForceUpdateTag:    pulumi.String(tag),
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
	c.TaskRun = run
	c.RunID = run.RunResult.RunId().Elem()
	c.Ref = pulumi.All(run.RunResult, args.Registry.Name, args.Registry.LoginServer).ApplyT(
		func(v []any) (string, error) {
			return imageRef(v[0].(containerregistry.RunResponse), v[1].(string), v[2].(string), args.Repository, tag)
		}).(pulumi.StringOutput)
	return c, ctx.RegisterResourceOutputs(c, pulumi.Map{"ref": c.Ref, "runId": c.RunID})
}

// BuildTask is the ACR task (YAML, v1.1.0) that unpacks the source carried
// in the request, builds it, and pushes the image.
func BuildTask(repository, tag, builderImage string, tarball []byte) string {
	image := "{{.Run.Registry}}/" + repository + ":" + tag
	return strings.Join([]string{
		"version: v1.1.0",
		"steps:",
		"  - id: unpack",
		"    cmd: " + builderImage + " sh -c 'echo \"$SOURCE_TGZ\" | base64 -d | tar -xz -C /workspace'",
		"    env:",
		"      - SOURCE_TGZ=" + base64.StdEncoding.EncodeToString(tarball),
		"  - id: build",
		"    build: -t " + image + " -f Dockerfile .",
		"  - id: push",
		"    push:",
		"      - " + image,
		"",
	}, "\n")
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
