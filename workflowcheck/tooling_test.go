package workflowcheck

import (
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// The tools the workflows run: one Pulumi CLI version, a timeout on every
// job, scripts that parse.

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
