package main

// The GitHub Actions workflows' invariants, read from .github/ as GitHub
// reads it. Each check returns the violations it finds; TestWorkflows wants
// none, and TestWorkflowChecksCatchMistakes applies one mistake at a time to
// a copy of the files and wants the check that guards against it to name it.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type ghWorkflow struct {
	On          yaml.Node
	Permissions yaml.Node // Kind 0 when absent
	Concurrency *ghConcurrency
	Env         map[string]string
	Jobs        map[string]*ghJob
}

type ghConcurrency struct {
	Group            string
	CancelInProgress *bool `yaml:"cancel-in-progress"`
}

type ghJob struct {
	Needs          ghList
	If             string
	Environment    string
	Permissions    yaml.Node // Kind 0 when absent
	Concurrency    *ghConcurrency
	TimeoutMinutes *int `yaml:"timeout-minutes"`
	Env            map[string]string
	Strategy       struct{ Matrix map[string][]string }
	Uses           string
	With           map[string]string
	Steps          []ghStep
}

type ghStep struct {
	ID, Name, Uses, Run, If string
	With                    map[string]string
}

// ghList is a YAML value written either as one string or as a list.
type ghList []string

func (l *ghList) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*l = ghList{n.Value}
		return nil
	}
	var s []string
	err := n.Decode(&s)
	*l = s
	return err
}

// ghRepo is what the checks read: every workflow and local action (parsed
// and as YAML trees, for the comments), the scripts they run, the CLI
// version file and the e2e toolchain's build script.
type ghRepo struct {
	root      string
	workflows map[string]*ghWorkflow // by file name
	trees     map[string]*yaml.Node  // by path under root
	files     map[string]string      // by path under root
}

// ghPaths are the files the checks read, relative to the repository root.
func ghPaths(root string) ([]string, error) {
	var paths []string
	for _, pattern := range []string{".github/workflows/*.yml", ".github/actions/*/action.yml", ".github/scripts/*.sh"} {
		m, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		for _, p := range m {
			rel, _ := filepath.Rel(root, p)
			paths = append(paths, rel)
		}
	}
	return append(paths, ".pulumi-version", "testtools/toolchain/build.sh"), nil
}

func loadGHRepo(t *testing.T, root string) *ghRepo {
	t.Helper()
	paths, err := ghPaths(root)
	if err != nil {
		t.Fatal(err)
	}
	r := &ghRepo{root: root, workflows: map[string]*ghWorkflow{}, trees: map[string]*yaml.Node{}, files: map[string]string{}}
	for _, p := range paths {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		r.files[p] = string(b)
		if !strings.HasSuffix(p, ".yml") {
			continue
		}
		var tree yaml.Node
		if err := yaml.Unmarshal(b, &tree); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		r.trees[p] = &tree
		if strings.HasPrefix(p, ".github/workflows/") {
			var w ghWorkflow
			if err := tree.Decode(&w); err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			r.workflows[filepath.Base(p)] = &w
		}
	}
	return r
}

var (
	pinnedUses     = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)
	versionComment = regexp.MustCompile(`^# v\d+\.\d+\.\d+$`)
	// Commands are matched at the start of a script line, so text that
	// only mentions them (an issue body, an error message) does not count.
	runsUp      = regexp.MustCompile(`(?m)^\s*pulumi up\b`)
	runsDestroy = regexp.MustCompile(`(?m)^\s*pulumi destroy\b`)
)

// walkUses calls f for every `uses:` value in a YAML tree.
func walkUses(n *yaml.Node, f func(v *yaml.Node)) {
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == "uses" && n.Content[i+1].Kind == yaml.ScalarNode {
				f(n.Content[i+1])
			}
		}
	}
	for _, c := range n.Content {
		walkUses(c, f)
	}
}

// checkPinned: every action and reusable workflow from another repository
// is pinned to a full commit SHA, with the release it is in a comment; local
// ones exist.
func checkPinned(r *ghRepo) []string {
	var out []string
	for _, p := range sortedKeys(r.trees) {
		walkUses(r.trees[p], func(v *yaml.Node) {
			if strings.HasPrefix(v.Value, "./") {
				if _, err := os.Stat(filepath.Join(r.root, v.Value)); err != nil {
					out = append(out, fmt.Sprintf("%s:%d: uses %s, which does not exist", p, v.Line, v.Value))
				}
				return
			}
			if !pinnedUses.MatchString(v.Value) {
				out = append(out, fmt.Sprintf("%s:%d: uses %s is not pinned to a 40-hex commit", p, v.Line, v.Value))
			} else if !versionComment.MatchString(v.LineComment) {
				out = append(out, fmt.Sprintf("%s:%d: uses %s has no version comment (# vX.Y.Z), got %q", p, v.Line, v.Value, v.LineComment))
			}
		})
	}
	return out
}

// permissionsOf reads a permissions block; nil when it is absent.
func permissionsOf(n yaml.Node) (map[string]string, error) {
	if n.Kind == 0 {
		return nil, nil
	}
	m := map[string]string{}
	if err := n.Decode(&m); err != nil {
		return nil, fmt.Errorf("permissions must be a mapping (not read-all/write-all): %v", err)
	}
	return m, nil
}

// neededPermissions derives what a job uses from what it does.
func neededPermissions(r *ghRepo, j *ghJob) map[string]string {
	need := map[string]string{}
	if strings.HasPrefix(j.Uses, "./.github/workflows/") {
		called := r.workflows[filepath.Base(j.Uses)]
		if called == nil {
			return need
		}
		for _, cj := range called.Jobs {
			granted, _ := permissionsOf(cj.Permissions)
			for k, v := range granted {
				if need[k] != "write" {
					need[k] = v
				}
			}
		}
		return need
	}
	for _, s := range j.Steps {
		switch {
		case strings.HasPrefix(s.Uses, "actions/checkout@"):
			need["contents"] = "read"
		case s.Uses == "./.github/actions/pulumi-setup", strings.HasPrefix(s.Uses, "Azure/login@"):
			need["id-token"] = "write"
		}
		if s.With["comment-on-pr"] == "true" {
			need["pull-requests"] = "write"
		}
		if strings.Contains(s.Run, "gh issue") {
			need["issues"] = "write"
		}
	}
	return need
}

// checkPermissions: nothing granted at workflow level; each job grants
// exactly what it uses.
func checkPermissions(r *ghRepo) []string {
	var out []string
	for _, f := range sortedKeys(r.workflows) {
		w := r.workflows[f]
		if top, err := permissionsOf(w.Permissions); err != nil || top == nil || len(top) > 0 {
			out = append(out, fmt.Sprintf("%s: workflow-level permissions must be an explicit {} (each job says what it needs)", f))
		}
		for _, name := range sortedKeys(w.Jobs) {
			j := w.Jobs[name]
			granted, err := permissionsOf(j.Permissions)
			if err != nil {
				out = append(out, fmt.Sprintf("%s: job %s: %v", f, name, err))
				continue
			}
			if granted == nil {
				out = append(out, fmt.Sprintf("%s: job %s has no explicit permissions", f, name))
				continue
			}
			need := neededPermissions(r, j)
			for _, k := range sortedKeys(granted) {
				if need[k] != granted[k] {
					out = append(out, fmt.Sprintf("%s: job %s grants %s: %s it does not use", f, name, k, granted[k]))
				}
			}
			for _, k := range sortedKeys(need) {
				if granted[k] != need[k] {
					out = append(out, fmt.Sprintf("%s: job %s lacks %s: %s it needs", f, name, k, need[k]))
				}
			}
		}
	}
	return out
}

func jobRuns(j *ghJob, re *regexp.Regexp) bool {
	return slices.ContainsFunc(j.Steps, func(s ghStep) bool { return re.MatchString(s.Run) })
}

func jobRunsText(j *ghJob, text string) bool {
	return slices.ContainsFunc(j.Steps, func(s ghStep) bool { return strings.Contains(s.Run, text) })
}

// checkProdGate: prod deploys after dev and after a fresh prod preview that
// ran on the same commit, outside the protected environment, and wrote its
// diff to the run's summary.
func checkProdGate(r *ghRepo) []string {
	w := r.workflows["deploy.yml"]
	if w == nil {
		return []string{"deploy.yml is missing"}
	}
	var out []string
	var prod, dev, preview string
	for _, name := range sortedKeys(w.Jobs) {
		j := w.Jobs[name]
		switch {
		case j.Environment == "prod":
			prod = name
		case j.Environment == "dev" && jobRuns(j, regexp.MustCompile(`(?m)^\s*pulumi up --stack dev\b`)):
			dev = name
		case jobRuns(j, regexp.MustCompile(`(?m)^\s*pulumi preview --stack prod\b.*--diff`)):
			preview = name
		}
	}
	if prod == "" || !jobRuns(w.Jobs[prod], regexp.MustCompile(`(?m)^\s*pulumi up --stack prod\b`)) {
		return append(out, "deploy.yml: no job in environment prod runs pulumi up --stack prod")
	}
	if dev == "" {
		out = append(out, "deploy.yml: no job in environment dev runs pulumi up --stack dev")
	} else if !slices.Contains(w.Jobs[prod].Needs, dev) {
		out = append(out, fmt.Sprintf("deploy.yml: prod does not need dev (%s)", dev))
	}
	if preview == "" {
		return append(out, "deploy.yml: no job runs pulumi preview --stack prod --diff")
	}
	p := w.Jobs[preview]
	if !slices.Contains(w.Jobs[prod].Needs, preview) {
		out = append(out, fmt.Sprintf("deploy.yml: prod does not need the fresh prod preview (%s)", preview))
	}
	if p.Environment != "preview-prod" {
		out = append(out, fmt.Sprintf("deploy.yml: the prod preview runs in environment %q; want preview-prod (read-only identity, no approval)", p.Environment))
	}
	if !jobRunsText(p, `"$GITHUB_STEP_SUMMARY"`) {
		out = append(out, "deploy.yml: the prod preview does not write to the step summary, where the approver reads it")
	}
	return out
}

// checkNoCancel: a workflow that runs up or destroy never cancels a run in
// progress; a job never overrides that.
func checkNoCancel(r *ghRepo) []string {
	var out []string
	for _, f := range sortedKeys(r.workflows) {
		w := r.workflows[f]
		deploys := false
		for _, j := range w.Jobs {
			deploys = deploys || jobRuns(j, runsUp) || jobRuns(j, runsDestroy)
			if j.Concurrency != nil && (j.Concurrency.CancelInProgress == nil || *j.Concurrency.CancelInProgress) {
				out = append(out, fmt.Sprintf("%s: a job's concurrency may cancel in progress", f))
			}
		}
		if deploys && (w.Concurrency == nil || w.Concurrency.Group == "" ||
			w.Concurrency.CancelInProgress == nil || *w.Concurrency.CancelInProgress) {
			out = append(out, fmt.Sprintf("%s runs up or destroy: it needs a concurrency group with cancel-in-progress: false", f))
		}
	}
	return out
}

// checkAfterDeploy: every up is followed, in its job, by a preview that
// must change nothing and by the stack outputs in the step summary; the
// script behind the first really passes --expect-no-changes.
func checkAfterDeploy(r *ghRepo) []string {
	var out []string
	for _, f := range sortedKeys(r.workflows) {
		for _, name := range sortedKeys(r.workflows[f].Jobs) {
			steps := r.workflows[f].Jobs[name].Steps
			for i, s := range steps {
				if !runsUp.MatchString(s.Run) {
					continue
				}
				later := &ghJob{Steps: steps[i+1:]}
				if !jobRunsText(later, "bash .github/scripts/expect-no-changes.sh ") {
					out = append(out, fmt.Sprintf("%s: job %s: no expect-no-changes preview after pulumi up", f, name))
				}
				if !jobRunsText(later, "bash .github/scripts/outputs-summary.sh ") {
					out = append(out, fmt.Sprintf("%s: job %s: no stack outputs in the step summary after pulumi up", f, name))
				}
			}
		}
	}
	script := r.files[".github/scripts/expect-no-changes.sh"]
	if !regexp.MustCompile(`(?m)^pulumi preview .*--expect-no-changes`).MatchString(script) {
		out = append(out, "expect-no-changes.sh does not run pulumi preview --expect-no-changes")
	}
	if !strings.Contains(r.files[".github/scripts/outputs-summary.sh"], `>>"$GITHUB_STEP_SUMMARY"`) {
		out = append(out, "outputs-summary.sh does not write to the step summary")
	}
	return out
}

// checkAzureE2E: the real-Azure test runs by hand and nightly in the
// throwaway environment, one at a time; its teardown is a job of its own
// that runs always, every step of it too, and destroys, purges the
// soft-deleted OpenAI account and removes the stack, in that order.
func checkAzureE2E(r *ghRepo) []string {
	w := r.workflows["e2e-azure.yml"]
	if w == nil {
		return []string{"e2e-azure.yml is missing"}
	}
	var out []string
	var on map[string]any
	_ = w.On.Decode(&on)
	if _, ok := on["schedule"]; !ok {
		out = append(out, "e2e-azure.yml: not scheduled")
	}
	if _, ok := on["workflow_dispatch"]; !ok {
		out = append(out, "e2e-azure.yml: no workflow_dispatch")
	}
	if w.Env["STACK"] != "e2e-${{ github.run_id }}" {
		out = append(out, fmt.Sprintf("e2e-azure.yml: STACK is %q; want e2e-${{ github.run_id }}", w.Env["STACK"]))
	}
	var up, down string
	for _, name := range sortedKeys(w.Jobs) {
		j := w.Jobs[name]
		if j.Environment != "throwaway" {
			out = append(out, fmt.Sprintf("e2e-azure.yml: job %s is not in environment throwaway", name))
		}
		if jobRuns(j, runsUp) {
			up = name
		}
		if jobRuns(j, runsDestroy) {
			down = name
		}
	}
	if up == "" || down == "" || up == down {
		return append(out, "e2e-azure.yml: want one job that runs pulumi up and another that runs pulumi destroy")
	}
	d := w.Jobs[down]
	if !slices.Contains(d.Needs, up) || !strings.Contains(d.If, "always()") {
		out = append(out, fmt.Sprintf("e2e-azure.yml: teardown %s must need %s and run if: always()", down, up))
	}
	for _, s := range d.Steps {
		if !strings.Contains(s.If, "always()") {
			out = append(out, fmt.Sprintf("e2e-azure.yml: teardown step %q does not run always()", s.Name+s.Uses))
		}
	}
	last := -1
	for _, cmd := range []string{"pulumi destroy", "az cognitiveservices account purge", "pulumi stack rm"} {
		i := slices.IndexFunc(d.Steps, func(s ghStep) bool { return strings.Contains(s.Run, cmd) })
		if i < 0 || i < last {
			out = append(out, fmt.Sprintf("e2e-azure.yml: teardown does not run %q after the step before it", cmd))
		}
		last = i
	}
	return out
}

// checkDrift: drift is checked nightly and by hand for dev and prod with a
// refresh that writes nothing and fails on changes.
func checkDrift(r *ghRepo) []string {
	w, stack := r.workflows["drift.yml"], r.workflows["drift-stack.yml"]
	if w == nil || stack == nil {
		return []string{"drift.yml or drift-stack.yml is missing"}
	}
	var out []string
	var on map[string]any
	_ = w.On.Decode(&on)
	if _, ok := on["schedule"]; !ok {
		out = append(out, "drift.yml: not scheduled")
	}
	if _, ok := on["workflow_dispatch"]; !ok {
		out = append(out, "drift.yml: no workflow_dispatch")
	}
	stacks := map[string]bool{}
	for _, j := range w.Jobs {
		if j.Uses == "./.github/workflows/drift-stack.yml" && j.With["stack"] == "${{ matrix.stack }}" {
			for _, s := range j.Strategy.Matrix["stack"] {
				stacks[s] = true
			}
		}
	}
	if !stacks["dev"] || !stacks["prod"] {
		out = append(out, fmt.Sprintf("drift.yml: checks stacks %v; want dev and prod", sortedKeys(stacks)))
	}
	refresh := regexp.MustCompile(`(?m)^\s*pulumi refresh .*--preview-only --expect-no-changes`)
	if !slices.ContainsFunc(sortedKeys(stack.Jobs), func(n string) bool { return jobRuns(stack.Jobs[n], refresh) }) {
		out = append(out, "drift-stack.yml: no job runs pulumi refresh --preview-only --expect-no-changes")
	}
	return out
}

// checkDestroyRefuses: destroy.yml's guard job fails for dev and prod (its
// script is run here), the destroy job waits for it and skips them too.
func checkDestroyRefuses(r *ghRepo) []string {
	w := r.workflows["destroy.yml"]
	if w == nil {
		return []string{"destroy.yml is missing"}
	}
	var out []string
	var destroy string
	for _, name := range sortedKeys(w.Jobs) {
		if jobRuns(w.Jobs[name], runsDestroy) {
			destroy = name
		}
	}
	if destroy == "" {
		return []string{"destroy.yml: no job runs pulumi destroy"}
	}
	d := w.Jobs[destroy]
	for _, s := range []string{"dev", "prod"} {
		if !strings.Contains(d.If, fmt.Sprintf("inputs.stack != '%s'", s)) {
			out = append(out, fmt.Sprintf("destroy.yml: job %s does not skip %s", destroy, s))
		}
	}
	if d.Env["STACK"] != "${{ inputs.stack }}" {
		out = append(out, "destroy.yml: the destroy job's STACK is not the input")
	}
	guards := 0
	for _, g := range d.Needs {
		gj := w.Jobs[g]
		if gj == nil || len(gj.Steps) != 1 || gj.Env["STACK"] != "${{ inputs.stack }}" {
			continue
		}
		guards++
		for stack, refuse := range map[string]bool{"dev": true, "prod": true, "feature-x": false, "e2e-123": false} {
			cmd := exec.Command("bash", "-e", "-c", gj.Steps[0].Run)
			cmd.Env = append(os.Environ(), "STACK="+stack)
			err := cmd.Run()
			if refuse && err == nil {
				out = append(out, fmt.Sprintf("destroy.yml: guard %s lets stack %s through", g, stack))
			}
			if !refuse && err != nil {
				out = append(out, fmt.Sprintf("destroy.yml: guard %s refuses stack %s: %v", g, stack, err))
			}
		}
	}
	if guards == 0 {
		out = append(out, fmt.Sprintf("destroy.yml: job %s needs no guard job (one step, STACK from the input)", destroy))
	}
	return out
}

// checkOneCLIVersion: the CLI version is written once, in .pulumi-version,
// which every install reads and which is the version the e2e suite builds;
// plugins come from a cache.
func checkOneCLIVersion(r *ghRepo) []string {
	var out []string
	version := strings.TrimSpace(r.files[".pulumi-version"])
	m := regexp.MustCompile(`(?m)^PULUMI_VERSION=(\S+)`).FindStringSubmatch(r.files["testtools/toolchain/build.sh"])
	if m == nil || m[1] != version {
		out = append(out, fmt.Sprintf(".pulumi-version is %q but the e2e toolchain builds %v", version, m))
	}
	cached := false
	for _, p := range sortedKeys(r.trees) {
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			if n.Kind == yaml.MappingNode {
				var uses string
				with := map[string]string{}
				for i := 0; i+1 < len(n.Content); i += 2 {
					switch n.Content[i].Value {
					case "pulumi-version":
						out = append(out, fmt.Sprintf("%s:%d: pulumi-version written here; use pulumi-version-file: .pulumi-version", p, n.Content[i].Line))
					case "uses":
						uses = n.Content[i+1].Value
					case "with":
						_ = n.Content[i+1].Decode(&with)
					}
				}
				if strings.HasPrefix(uses, "pulumi/actions@") && with["pulumi-version-file"] != ".pulumi-version" {
					out = append(out, fmt.Sprintf("%s: pulumi/actions without pulumi-version-file: .pulumi-version", p))
				}
				if strings.HasPrefix(uses, "actions/cache@") && with["path"] == "~/.pulumi/plugins" {
					cached = true
				}
			}
			for _, c := range n.Content {
				walk(c)
			}
		}
		walk(r.trees[p])
	}
	if !cached {
		out = append(out, "no actions/cache of ~/.pulumi/plugins")
	}
	return out
}

// checkTimeouts: every job that runs on a runner has a timeout.
func checkTimeouts(r *ghRepo) []string {
	var out []string
	for _, f := range sortedKeys(r.workflows) {
		for _, name := range sortedKeys(r.workflows[f].Jobs) {
			j := r.workflows[f].Jobs[name]
			if j.Uses == "" && j.TimeoutMinutes == nil {
				out = append(out, fmt.Sprintf("%s: job %s has no timeout-minutes", f, name))
			}
		}
	}
	return out
}

// checkScriptsParse: every run block and script is valid bash (GitHub runs
// them with bash -e), so a typo fails here rather than on the runner.
func checkScriptsParse(r *ghRepo) []string {
	var out []string
	parse := func(where, script string) {
		cmd := exec.Command("bash", "-n")
		cmd.Stdin = strings.NewReader(script)
		if msg, err := cmd.CombinedOutput(); err != nil {
			out = append(out, fmt.Sprintf("%s does not parse: %s", where, strings.TrimSpace(string(msg))))
		}
	}
	for _, f := range sortedKeys(r.workflows) {
		for _, name := range sortedKeys(r.workflows[f].Jobs) {
			for i, s := range r.workflows[f].Jobs[name].Steps {
				if s.Run != "" {
					parse(fmt.Sprintf("%s: job %s step %d", f, name, i+1), s.Run)
				}
			}
		}
	}
	for _, p := range sortedKeys(r.files) {
		if strings.HasSuffix(p, ".sh") {
			parse(p, r.files[p])
		}
	}
	return out
}

var workflowChecks = map[string]func(*ghRepo) []string{
	"scriptsParse":   checkScriptsParse,
	"pinned":         checkPinned,
	"permissions":    checkPermissions,
	"prodGate":       checkProdGate,
	"noCancel":       checkNoCancel,
	"afterDeploy":    checkAfterDeploy,
	"azureE2E":       checkAzureE2E,
	"drift":          checkDrift,
	"destroyRefuses": checkDestroyRefuses,
	"oneCLIVersion":  checkOneCLIVersion,
	"timeouts":       checkTimeouts,
}

func TestWorkflows(t *testing.T) {
	r := loadGHRepo(t, ".")
	for _, name := range sortedKeys(workflowChecks) {
		t.Run(name, func(t *testing.T) {
			for _, v := range workflowChecks[name](r) {
				t.Error(v)
			}
		})
	}
}

// mistake is one edit of one file (old becomes new, first occurrence) that
// check must report with a violation containing want.
type mistake struct{ name, check, file, old, new, want string }

func TestWorkflowChecksCatchMistakes(t *testing.T) {
	cases := []mistake{
		{"an action by tag", "pinned", ".github/workflows/deploy.yml",
			"actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7",
			"actions/checkout@v7 is not pinned"},
		{"a pin without its version", "pinned", ".github/actions/pulumi-setup/action.yml",
			"27d5ce7f107fe9357f9df03efb73ab90386fccae # v5.0.5", "27d5ce7f107fe9357f9df03efb73ab90386fccae",
			"has no version comment"},
		{"a local action that is not there", "pinned", ".github/workflows/destroy.yml",
			"uses: ./.github/actions/pulumi-setup", "uses: ./.github/actions/pulumi-set-up",
			"does not exist"},
		{"permissions for every job at workflow level", "permissions", ".github/workflows/e2e-azure.yml",
			"permissions: {}\n", "permissions:\n  contents: read\n",
			"workflow-level permissions must be an explicit {}"},
		{"a job without permissions", "permissions", ".github/workflows/destroy.yml",
			"    timeout-minutes: 5\n    permissions: {}\n", "    timeout-minutes: 5\n",
			"job guard has no explicit permissions"},
		{"a permission the job does not use", "permissions", ".github/workflows/drift-stack.yml",
			"no stored credentials\n    outputs:", "no stored credentials\n      issues: write\n    outputs:",
			"job refresh grants issues: write it does not use"},
		{"write-all", "permissions", ".github/workflows/destroy.yml",
			"    timeout-minutes: 5\n    permissions: {}\n", "    timeout-minutes: 5\n    permissions: write-all\n",
			"permissions must be a mapping"},
		{"no right to comment the preview", "permissions", ".github/workflows/preview.yml",
			"      pull-requests: write # the preview comment\n", "",
			"job preview lacks pull-requests: write"},
		{"a reusable workflow above its caller's ceiling", "permissions", ".github/workflows/drift.yml",
			"      issues: write # the drift issue\n", "",
			"job drift lacks issues: write"},
		{"prod without dev", "prodGate", ".github/workflows/deploy.yml",
			"needs: [dev, prod-preview]", "needs: [prod-preview]", "prod does not need dev"},
		{"prod without the fresh preview", "prodGate", ".github/workflows/deploy.yml",
			"needs: [dev, prod-preview]", "needs: [dev]", "prod does not need the fresh prod preview"},
		{"the preview as the prod deploy identity", "prodGate", ".github/workflows/deploy.yml",
			"environment: preview-prod", "environment: prod-deploy", "want preview-prod"},
		{"the preview's diff not in the summary", "prodGate", ".github/workflows/deploy.yml",
			`} >>"$GITHUB_STEP_SUMMARY"`, `} >/dev/null`, "does not write to the step summary"},
		{"a deploy cancelled by the next push", "noCancel", ".github/workflows/deploy.yml",
			"cancel-in-progress: false", "cancel-in-progress: true", "deploy.yml runs up or destroy"},
		{"the Azure test cancelled by the next run", "noCancel", ".github/workflows/e2e-azure.yml",
			"  group: e2e-azure\n  cancel-in-progress: false\n", "  group: e2e-azure\n",
			"e2e-azure.yml runs up or destroy"},
		{"no second look after prod's up", "afterDeploy", ".github/workflows/deploy.yml",
			"run: bash .github/scripts/expect-no-changes.sh prod", "run: echo skipped",
			"job prod: no expect-no-changes preview after pulumi up"},
		{"no outputs after dev's up", "afterDeploy", ".github/workflows/deploy.yml",
			"run: bash .github/scripts/outputs-summary.sh dev", "run: echo skipped",
			"job dev: no stack outputs in the step summary"},
		{"a second look that expects nothing", "afterDeploy", ".github/scripts/expect-no-changes.sh",
			" --expect-no-changes --json", " --json", "does not run pulumi preview --expect-no-changes"},
		{"a teardown that runs only after success", "azureE2E", ".github/workflows/e2e-azure.yml",
			"    needs: up\n    if: always()\n", "    needs: up\n", "must need up and run if: always()"},
		{"a teardown step skipped after a failed one", "azureE2E", ".github/workflows/e2e-azure.yml",
			"if: always() && steps.names.outputs.account != ''", "if: steps.names.outputs.account != ''",
			"does not run always()"},
		{"no purge", "azureE2E", ".github/workflows/e2e-azure.yml",
			"run: az cognitiveservices account purge", "run: az cognitiveservices account show",
			`does not run "az cognitiveservices account purge"`},
		{"a stack name shared between runs", "azureE2E", ".github/workflows/e2e-azure.yml",
			"STACK: e2e-${{ github.run_id }}", "STACK: e2e", "want e2e-${{ github.run_id }}"},
		{"the test outside the throwaway environment", "azureE2E", ".github/workflows/e2e-azure.yml",
			"    timeout-minutes: 75\n    environment: throwaway\n", "    timeout-minutes: 75\n    environment: dev\n",
			"job up is not in environment throwaway"},
		{"drift of dev only", "drift", ".github/workflows/drift.yml",
			"stack: [dev, prod]", "stack: [dev]", "want dev and prod"},
		{"a refresh that writes", "drift", ".github/workflows/drift-stack.yml",
			`--preview-only --expect-no-changes --diff`, `--yes --expect-no-changes --diff`,
			"no job runs pulumi refresh --preview-only --expect-no-changes"},
		{"a guard that lets prod through", "destroyRefuses", ".github/workflows/destroy.yml",
			"dev | prod)", "dev)", "guard guard lets stack prod through"},
		{"destroy without its guard", "destroyRefuses", ".github/workflows/destroy.yml",
			"    needs: guard\n", "", "needs no guard job"},
		{"destroy's own condition forgets dev", "destroyRefuses", ".github/workflows/destroy.yml",
			"if: inputs.stack != 'dev' && inputs.stack != 'prod'", "if: inputs.stack != 'prod'",
			"does not skip dev"},
		{"the CLI version written in a workflow", "oneCLIVersion", ".github/workflows/preview.yml",
			"pulumi-version-file: .pulumi-version", "pulumi-version: 3.274.1", "pulumi-version written here"},
		{"a CLI other than the e2e suite's", "oneCLIVersion", ".pulumi-version",
			"3.274.1", "3.275.0", "the e2e toolchain builds"},
		{"no plugin cache", "oneCLIVersion", ".github/actions/pulumi-setup/action.yml",
			"path: ~/.pulumi/plugins", "path: ~/.pulumi/nothing", "no actions/cache of ~/.pulumi/plugins"},
		{"a script that does not parse", "scriptsParse", ".github/scripts/expect-no-changes.sh",
			"done <<<\"$changed\"", "<<<\"$changed\"", "expect-no-changes.sh does not parse"},
		{"a run block that does not parse", "scriptsParse", ".github/workflows/drift-stack.yml",
			"              gh issue close", "              (gh issue close", "drift-stack.yml: job issue step 1 does not parse"},
		{"a job without a timeout", "timeouts", ".github/workflows/drift-stack.yml",
			"    timeout-minutes: 5\n", "", "job issue has no timeout-minutes"},
	}
	for name := range workflowChecks {
		if !slices.ContainsFunc(cases, func(c mistake) bool { return c.check == name }) {
			t.Errorf("check %s has no mistake that it must catch", name)
		}
	}
	paths, err := ghPaths(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range paths {
				b, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if p == c.file {
					if n := strings.Count(string(b), c.old); n < 1 {
						t.Fatalf("%s: the text to mutate is not there: %q", p, c.old)
					}
					b = []byte(strings.Replace(string(b), c.old, c.new, 1))
				}
				if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, p), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := workflowChecks[c.check](loadGHRepo(t, dir))
			if !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, c.want) }) {
				t.Errorf("check %s: want a violation containing %q, got %q", c.check, c.want, got)
			}
		})
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
