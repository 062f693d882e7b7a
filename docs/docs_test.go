// Package docs holds the documentation pages; its test keeps them true to
// the tree: every repository path, make target, setting and local link a
// page names exists, and the README's layout table covers the top level.
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const root = ".."

// pages are the documents a reader follows from the README.
func pages(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "README.md"), filepath.Join(root, "CONTRIBUTING.md"))
	out := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = string(b)
	}
	return out
}

var (
	codeSpan  = regexp.MustCompile("`([^`\n]+)`")
	localLink = regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	makeCall  = regexp.MustCompile(`(?m)(?:^|\x60)make ([a-z][a-z0-9-]*)`)
	fence     = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	target    = regexp.MustCompile(`(?m)^([a-z][a-z0-9-]*):`)
	// A setting named with its project (or the README's `…:` for it), or
	// set with pulumi config set.
	settingRef = regexp.MustCompile(`(?:aks-openai-workload-identity:|…:)([a-z][A-Za-z]+)([^A-Za-z:]|$)|pulumi config set (?:--stack \S+ )?([a-z][A-Za-z]+) `)
	configKey  = regexp.MustCompile(`(?m)^  ([a-zA-Z]+):$`)
)

// topLevel are the repository's top-level names: a span whose first
// segment is one of them is a path of this repository (others, such as
// azure-native's provider/pkg/..., are paths of other repositories).
func topLevel(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// repoPath says whether a code span names a path of this repository.
func repoPath(span string, top []string) bool {
	if strings.ContainsAny(span, " <>*…$={}") || strings.HasPrefix(span, "/") {
		return false
	}
	first, _, nested := strings.Cut(span, "/")
	return nested && slices.Contains(top, first) || !nested && slices.Contains(top, span)
}

func TestEveryPathAPageNamesExists(t *testing.T) {
	top := topLevel(t)
	for page, text := range pages(t) {
		for _, m := range codeSpan.FindAllStringSubmatch(text, -1) {
			span := strings.TrimSuffix(strings.TrimSuffix(m[1], ","), ".")
			if !repoPath(span, top) {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, span)); err != nil {
				t.Errorf("%s names `%s`, which is not in the repository", page, span)
			}
		}
		for _, m := range localLink.FindAllStringSubmatch(text, -1) {
			link := m[1]
			if strings.Contains(link, "://") || strings.HasPrefix(link, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(page), link)); err != nil {
				t.Errorf("%s links to %s, which is not there", page, link)
			}
		}
	}
}

func TestEveryMakeTargetAPageNamesExists(t *testing.T) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, m := range target.FindAllStringSubmatch(string(makefile), -1) {
		targets = append(targets, m[1])
	}
	for page, text := range pages(t) {
		// Commands are in code: spans, and fenced blocks' lines.
		code := text
		for _, f := range fence.FindAllStringSubmatch(text, -1) {
			code += "\n" + f[1]
		}
		for _, m := range makeCall.FindAllStringSubmatch(code, -1) {
			if !slices.Contains(targets, m[1]) {
				t.Errorf("%s names `make %s`; the Makefile has %v", page, m[1], targets)
			}
		}
	}
}

func pulumiYAML(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// settings are the keys Pulumi.yaml declares, each with its default.
func settings(t *testing.T) []string {
	t.Helper()
	_, config, ok := strings.Cut(pulumiYAML(t), "\nconfig:\n")
	if !ok {
		t.Fatal("Pulumi.yaml has no config section")
	}
	if end := regexp.MustCompile(`(?m)^\S`).FindStringIndex(config); end != nil {
		config = config[:end[0]]
	}
	var keys []string
	for _, m := range configKey.FindAllStringSubmatch(config, -1) {
		keys = append(keys, m[1])
	}
	if len(keys) < 10 {
		t.Fatalf("read only %v from Pulumi.yaml's config", keys)
	}
	return keys
}

func TestEverySettingAPageNamesExists(t *testing.T) {
	keys := settings(t)
	for page, text := range pages(t) {
		for _, m := range settingRef.FindAllStringSubmatch(text, -1) {
			key := m[1] + m[3]
			if !slices.Contains(keys, key) {
				t.Errorf("%s names the setting %q, which Pulumi.yaml does not declare", page, key)
			}
		}
	}
}

// The configuration page lists every setting, and only those.
func TestTheConfigurationPageListsEverySetting(t *testing.T) {
	keys := settings(t)
	text := pages(t)["configuration.md"]
	row := regexp.MustCompile("(?m)^\\| `([a-zA-Z]+)`(?: / `([a-zA-Z]+)`)? \\|")
	var listed []string
	for _, m := range row.FindAllStringSubmatch(text, -1) {
		listed = append(listed, m[1])
		if m[2] != "" {
			listed = append(listed, m[2])
		}
	}
	for _, k := range keys {
		if !slices.Contains(listed, k) {
			t.Errorf("docs/configuration.md does not list the setting %q", k)
		}
	}
	for _, k := range listed {
		if !slices.Contains(keys, k) {
			t.Errorf("docs/configuration.md lists %q, which Pulumi.yaml does not declare", k)
		}
	}
}

// The README's layout table names every top-level entry of the tree
// (generated ones and Go's go.sum aside).
func TestTheLayoutTableCoversTheTree(t *testing.T) {
	readme := pages(t)[filepath.Join(root, "README.md")]
	_, layout, ok := strings.Cut(readme, "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	named := map[string]bool{}
	for _, line := range strings.Split(layout, "\n") {
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "| "), " |")
		for _, m := range codeSpan.FindAllStringSubmatch(first, -1) {
			first, _, _ := strings.Cut(m[1], "/")
			named[first] = true
		}
	}
	for _, name := range topLevel(t) {
		switch {
		case name == ".git" || name == ".build" || name == "go.sum" || strings.HasSuffix(name, "_test.go"):
		case !named[name]:
			t.Errorf("README's layout table does not name %s", name)
		}
	}
}

// `pulumi new` asks for the template's settings: each must be one the
// program declares, with the same default.
func TestTheTemplateAsksForRealSettings(t *testing.T) {
	declared := pulumiYAML(t)
	_, tmpl, ok := strings.Cut(declared, "\ntemplate:\n")
	if !ok {
		t.Fatal("Pulumi.yaml has no template section")
	}
	tmpl, _, _ = strings.Cut(tmpl, "\nconfig:\n")
	asked := regexp.MustCompile(`(?m)^    ([a-zA-Z]+):\n      description: .*\n      default: (\S+)$`).FindAllStringSubmatch(tmpl, -1)
	if len(asked) == 0 {
		t.Fatal("the template asks for no setting")
	}
	for _, a := range asked {
		if !slices.Contains(settings(t), a[1]) {
			t.Errorf("the template asks for %q, which the program does not declare", a[1])
		}
		if !regexp.MustCompile(`(?m)^  ` + a[1] + `:\n    type: \w+\n    default: ` + regexp.QuoteMeta(a[2]) + `$`).MatchString(declared) {
			t.Errorf("the template's default for %q is %s, not the program's", a[1], a[2])
		}
	}
}

// The suite's page lists every scenario, and every test a page names is
// one the repository has.
func TestTheScenariosThePagesNameExist(t *testing.T) {
	declared := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() && (d.Name() == ".git" || d.Name() == ".build") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range regexp.MustCompile(`(?m)^func (Test\w+)\(t \*testing\.T\)`).FindAllStringSubmatch(string(b), -1) {
			declared[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	all := pages(t)
	for page, text := range all {
		for _, m := range regexp.MustCompile("`(Test\\w+)").FindAllStringSubmatch(text, -1) {
			if _, ok := declared[m[1]]; !ok && m[1] != "TestX" && m[1] != "TestLifecycle" {
				t.Errorf("%s names %s, which no test file declares", page, m[1])
			}
		}
	}
	for name, path := range declared {
		if strings.HasPrefix(path, filepath.Join(root, "e2e")+string(filepath.Separator)) && !strings.Contains(all["e2e.md"], "`"+name+"`") {
			t.Errorf("docs/e2e.md does not list the scenario %s (%s)", name, path)
		}
	}
}
