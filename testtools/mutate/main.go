// Command mutate checks that the unit tests catch wiring mistakes: it
// applies each one-line mutation of mutations.txt to a copy of the
// repository, runs the unit tests there, and counts the mutation killed
// when they fail. A mutation the tests let through is a survivor; one that
// does not compile or does not match its file is a curation error. Both
// fail the run.
//
// Usage: make mutate, or (in testtools/) go run ./mutate [-run REGEXP]
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// mutation replaces from on a line of file: the only line that contains
// it, or the nth one when nth is set.
type mutation struct {
	why, file, from, to string
	nth                 int
	line                int // in mutations.txt
}

func main() {
	list := flag.String("list", "testtools/mutate/mutations.txt", "the curated mutations, from the repository's root")
	only := flag.String("run", "", "only mutations whose description matches this regexp")
	flag.Parse()
	// Mutations name files from the repository's root.
	if top, err := exec.Command("git", "rev-parse", "--show-toplevel").Output(); err == nil {
		if err := os.Chdir(strings.TrimSpace(string(top))); err != nil {
			fail(err)
		}
	}
	muts, err := parse(*list)
	if err != nil {
		fail(err)
	}
	if *only != "" {
		re := regexp.MustCompile(*only)
		var keep []mutation
		for _, m := range muts {
			if re.MatchString(m.why) {
				keep = append(keep, m)
			}
		}
		muts = keep
	}
	work, err := copyRepo()
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(work)

	start := time.Now()
	var killed, survived, invalid int
	for i, m := range muts {
		t0 := time.Now()
		verdict, detail := try(work, m)
		switch verdict {
		case "killed":
			killed++
		case "survived":
			survived++
		default:
			invalid++
		}
		fmt.Printf("[%d/%d] %-8s %s (%s:%d, %s)%s\n", i+1, len(muts), verdict, m.why, *list, m.line,
			time.Since(t0).Round(time.Second), detail)
	}
	fmt.Printf("\n%d killed, %d survived", killed, survived)
	if invalid > 0 {
		fmt.Printf(", %d invalid", invalid)
	}
	fmt.Printf(" (%s)\n", time.Since(start).Round(time.Second))
	if survived > 0 || invalid > 0 {
		os.Exit(1)
	}
}

// try applies m in the copy, runs the tests of the module it is in, and
// puts the file back.
// target is the line of lines m mutates, or why it names none.
func (m mutation) target(lines []string) (int, string) {
	var hits []int
	for i, l := range lines {
		if strings.Contains(l, m.from) {
			hits = append(hits, i)
		}
	}
	switch {
	case m.nth == 0 && len(hits) == 1:
		return hits[0], ""
	case m.nth == 0:
		return 0, fmt.Sprintf("%q is on %d lines of %s (say which with nth:)", m.from, len(hits), m.file)
	case m.nth <= len(hits):
		return hits[m.nth-1], ""
	default:
		return 0, fmt.Sprintf("%q is on %d lines of %s, not %d", m.from, len(hits), m.file, m.nth)
	}
}

func try(work string, m mutation) (verdict, detail string) {
	path := filepath.Join(work, m.file)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "invalid", ": " + err.Error()
	}
	lines := strings.Split(string(orig), "\n")
	hit, problem := m.target(lines)
	if problem != "" {
		return "invalid", ": " + problem
	}
	lines[hit] = strings.Replace(lines[hit], m.from, m.to, 1)
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		return "invalid", ": " + err.Error()
	}
	defer os.WriteFile(path, orig, 0o644)

	dir := work
	if strings.HasPrefix(m.file, "demo/") {
		dir = filepath.Join(work, "demo")
	}
	out, err := run(dir, "go", "test", "./...")
	switch {
	case err == nil:
		return "survived", ""
	case strings.Contains(out, "[build failed]") || strings.Contains(out, "[setup failed]"):
		// A mutation must compile to say anything about the tests.
		return "invalid", ": does not compile:\n" + indent(out)
	}
	return "killed", ""
}

func run(dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// copyRepo copies the files git knows (tracked and untracked, not
// ignored) into a temporary folder, always the same one per run so that Go
// caches the results of packages a mutation does not touch.
func copyRepo() (string, error) {
	out, err := exec.Command("git", "ls-files", "--cached", "--others", "--exclude-standard", "-z").Output()
	if err != nil {
		return "", fmt.Errorf("git ls-files (run from the repository root): %w", err)
	}
	work, err := os.MkdirTemp("", "mutate-")
	if err != nil {
		return "", err
	}
	for _, f := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(f)
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree
			}
			return "", err
		}
		dst := filepath.Join(work, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
	}
	return work, nil
}

// parse reads blocks of "# why", "file:", "from:", optional "nth:", and
// "to:" lines.
func parse(path string) ([]mutation, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var muts []mutation
	var cur mutation
	sc := bufio.NewScanner(f)
	n := 0
	flush := func() error {
		if cur.file == "" && cur.from == "" {
			cur = mutation{} // a comment block
			return nil
		}
		if cur.why == "" || cur.file == "" || cur.from == "" {
			return fmt.Errorf("%s:%d: a mutation needs '# why', 'file:', 'from:' and 'to:'", path, cur.line)
		}
		muts = append(muts, cur)
		cur = mutation{}
		return nil
	}
	for sc.Scan() {
		n++
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			if err := flush(); err != nil {
				return nil, err
			}
		case strings.HasPrefix(line, "# "):
			if cur.why == "" {
				cur.why, cur.line = strings.TrimPrefix(line, "# "), n
			}
		case strings.HasPrefix(line, "file: "):
			cur.file = strings.TrimSpace(strings.TrimPrefix(line, "file: "))
		case strings.HasPrefix(line, "from: "):
			cur.from = strings.TrimPrefix(line, "from: ")
		case strings.HasPrefix(line, "nth: "):
			if _, err := fmt.Sscan(strings.TrimPrefix(line, "nth: "), &cur.nth); err != nil || cur.nth < 1 {
				return nil, fmt.Errorf("%s:%d: nth takes a whole number from 1", path, n)
			}
		case strings.HasPrefix(line, "to: "):
			cur.to = strings.TrimPrefix(line, "to: ")
		case strings.TrimSpace(line) == "to:":
			cur.to = ""
		default:
			return nil, fmt.Errorf("%s:%d: unexpected line %q", path, n, line)
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return muts, sc.Err()
}

func indent(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 2000 {
		s = s[:2000] + "..."
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mutate:", err)
	os.Exit(2)
}
