package workflowcheck

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// What the checks read: .github/ parsed as GitHub parses it.

// repoRoot is the repository's root, seen from this package.
const repoRoot = ".."

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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
