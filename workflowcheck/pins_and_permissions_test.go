package workflowcheck

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// What a workflow runs and with which rights: pinned actions, least
// permissions per job.

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
