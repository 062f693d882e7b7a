package standin

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// How ACR runs an encoded task, as far as the stand-in can tell without
// Docker: which lines it reads, which steps it runs, what the workspace
// holds after a step that unpacks an archive, and what the build and push
// steps then find. Sources: Azure/acr-builder (graph/preprocessor.go,
// cmd/acb/commands/exec/exec.go, builder/context.go, builder/builder.go).

// maxArgStrlen is Linux's cap on one argument or env string
// (MAX_ARG_STRLEN = 32 pages, include/uapi/linux/binfmts.h), NUL included.
const maxArgStrlen = 32 * 4096

// dockerRunOverhead is what acr-builder's `docker run` string holds besides
// the step's env and command (--rm, --name, three --volume, HOME, --workdir).
// *assumption*: measured from builder/context.go's format, rounded up.
const dockerRunOverhead = 512

// acrTask is the part of a task's YAML the stand-in runs.
type acrTask struct {
	Version string    `yaml:"version"`
	Steps   []acrStep `yaml:"steps"`
}

type acrStep struct {
	ID    string   `yaml:"id"`
	Cmd   string   `yaml:"cmd"`
	Build string   `yaml:"build"`
	Push  []string `yaml:"push"`
	Env   []string `yaml:"env"`
}

// acrRunResult is a run's outcome: the images pushed, or the failed step.
type acrRunResult struct {
	pushed []string
	// failed is the error ACR reports for the run ("" on success); log is
	// what the failing step printed.
	failed, log string
}

// taskLinesACRReads is the task as acr-builder reads it. From v1.1.0 on, it
// separates the alias block with a bufio.Scanner of default size and does
// not check the scanner's error: an over-long line ends the task there,
// silently, and the rest is dropped.
func taskLinesACRReads(task string) string {
	if taskVersion(task) < "v1.1.0" {
		return task
	}
	sc := bufio.NewScanner(strings.NewReader(task))
	var kept strings.Builder
	for sc.Scan() {
		kept.WriteString(sc.Text() + "\n")
	}
	return kept.String()
}

// taskVersion is the task's top-level `version:` value.
func taskVersion(task string) string {
	for _, line := range strings.Split(task, "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.Trim(strings.TrimSpace(k), `'"`) == "version" && !strings.HasPrefix(line, " ") {
			return strings.Trim(strings.TrimSpace(v), `'"`)
		}
	}
	return ""
}

var envRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

// runACRTask runs the task's steps against a modelled workspace: a step
// whose command pipes env values through `base64 -d | tar -x` unpacks them,
// a build step needs its Dockerfile there, a push step pushes what was built.
func runACRTask(task, loginServer, runID string) acrRunResult {
	task = strings.NewReplacer("{{.Run.Registry}}", loginServer, "{{.Run.ID}}", runID).Replace(taskLinesACRReads(task))
	var t acrTask
	if err := yaml.Unmarshal([]byte(task), &t); err != nil {
		return acrRunResult{failed: "failed to unmarshal task before running: " + err.Error()}
	}
	if len(t.Steps) == 0 {
		return acrRunResult{failed: "failed to initialize run: the task has no steps"}
	}
	workspace := map[string]bool{}
	built := map[string]bool{}
	var res acrRunResult
	for i, step := range t.Steps {
		id := step.ID
		if id == "" {
			id = fmt.Sprintf("acb_step_%d", i)
		}
		fail := func(code int, log string) acrRunResult {
			res.failed, res.log = fmt.Sprintf("failed to run step ID: %s: exit status %d", id, code), log
			return res
		}
		switch {
		case step.Cmd != "":
			n := dockerRunOverhead + len(step.Cmd)
			for _, e := range step.Env {
				n += len(" --env ") + len(e)
			}
			if n >= maxArgStrlen {
				return fail(1, "fork/exec /bin/sh: argument list too long")
			}
			if strings.Contains(step.Cmd, "base64 -d") && strings.Contains(step.Cmd, "tar -x") {
				if log := unpackInto(workspace, step); log != "" {
					return fail(2, log)
				}
			}
		case step.Build != "":
			f := strings.Fields(step.Build)
			dockerfile, tags := "Dockerfile", []string{}
			for j := 0; j+1 < len(f); j++ {
				switch f[j] {
				case "-f", "--file":
					dockerfile = f[j+1]
				case "-t", "--tag":
					tags = append(tags, f[j+1])
				}
			}
			if !workspace[path.Clean(dockerfile)] {
				return fail(1, "unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat /workspace/"+dockerfile+": no such file or directory")
			}
			for _, tag := range tags {
				built[tag] = true
			}
		case len(step.Push) > 0:
			for _, img := range step.Push {
				if !built[img] {
					return fail(1, "An image does not exist locally with the tag: "+img)
				}
				res.pushed = append(res.pushed, img)
			}
		}
	}
	return res
}

// unpackInto decodes the env values the command names, in order, as
// `echo "$A$B" | base64 -d | tar -xz` does, and records the files; it
// returns tar's complaint when the archive is not there or not whole.
func unpackInto(workspace map[string]bool, step acrStep) string {
	env := map[string]string{}
	for _, e := range step.Env {
		if k, v, ok := strings.Cut(e, "="); ok {
			env[k] = v
		}
	}
	echo := step.Cmd
	if _, after, ok := strings.Cut(echo, "echo "); ok {
		echo, _, _ = strings.Cut(after, "|")
	}
	var joined strings.Builder
	for _, m := range envRef.FindAllStringSubmatch(echo, -1) {
		joined.WriteString(env[m[1]])
	}
	const tarFailed = "gzip: stdin: unexpected end of file\ntar: Child returned status 1\ntar: Error is not recoverable: exiting now"
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(joined.String()))
	if err != nil {
		return "base64: invalid input\n" + tarFailed
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return tarFailed
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return tarFailed
		}
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return tarFailed
		}
		workspace[path.Clean(h.Name)] = true
	}
}
