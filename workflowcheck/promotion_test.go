package workflowcheck

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
)

// The promotion path: dev before prod, nothing cancelled mid-deploy, a
// second look after each up, the Azure test's teardown, drift, and the
// destroy guard.

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
