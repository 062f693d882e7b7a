package workflowcheck

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The GitHub Actions workflows' invariants, read from .github/ as GitHub
// reads it. Each check returns the violations it finds; TestWorkflows wants
// none, and TestWorkflowChecksCatchMistakes applies one mistake at a time to
// a copy of the files and wants the check that guards against it to name it.

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
	r := loadGHRepo(t, repoRoot)
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
	paths, err := ghPaths(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, p := range paths {
				b, err := os.ReadFile(filepath.Join(repoRoot, p))
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
