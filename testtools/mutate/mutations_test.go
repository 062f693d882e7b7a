package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every curated mutation still names exactly one line of the tree, so a
// moved or reworded line shows up in seconds, not in make mutate's run.
func TestEveryMutationNamesOneLine(t *testing.T) {
	muts, err := parse("mutations.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(muts) < 100 {
		t.Fatalf("read only %d mutations", len(muts))
	}
	for _, m := range muts {
		b, err := os.ReadFile(filepath.Join("..", "..", m.file))
		if err != nil {
			t.Errorf("mutations.txt:%d (%s): %v", m.line, m.why, err)
			continue
		}
		if _, problem := m.target(strings.Split(string(b), "\n")); problem != "" {
			t.Errorf("mutations.txt:%d (%s): %s", m.line, m.why, problem)
		}
	}
}
