package buildcontext

import (
	"strings"
	"testing"

	"aks-openai-workload-identity/buildcontext/contexttest"
)

// fitsAll is a builder without a size limit.
func fitsAll([]byte) error { return nil }

func TestBuildContextChangesOnlyWithTheImagesSource(t *testing.T) {
	pack := func(files map[string]string) *Packed {
		t.Helper()
		bc, err := Pack(contexttest.WriteDir(t, files), fitsAll)
		if err != nil {
			t.Fatal(err)
		}
		return bc
	}
	with := func(k, v string) map[string]string {
		c := map[string]string{}
		for a, b := range contexttest.App {
			c[a] = b
		}
		c[k] = v
		return c
	}
	base := pack(contexttest.App)
	if strings.Join(base.Files, ",") != "Dockerfile,go.mod,main.go" {
		t.Errorf("packed %v", base.Files)
	}
	if pack(contexttest.App).Hash != base.Hash {
		t.Error("same source, different hash")
	}
	if pack(with("run_test.go", "package main // changed\n")).Hash != base.Hash {
		t.Error("a test edit changed the image hash")
	}
	if pack(with("main.go", "package main\nfunc main() { println() }\n")).Hash == base.Hash {
		t.Error("a source edit kept the hash")
	}
	if img, err := base.BaseImage(); err != nil || img != "mcr.microsoft.com/oss/go/microsoft/golang:1.26" {
		t.Errorf("base image %q %v", img, err)
	}
	if _, err := Pack(contexttest.WriteDir(t, map[string]string{"main.go": "package main\n"}), fitsAll); err == nil || !strings.Contains(err.Error(), "no Dockerfile") {
		t.Errorf("no Dockerfile: %v", err)
	}
}

func TestBuildContextHonoursDockerignore(t *testing.T) {
	files := map[string]string{
		"Dockerfile":    "FROM scratch\n",
		".dockerignore": "# allow-list\n*\n!go.mod\n!*.go\n*_test.go\n",
		"main.go":       "package main\n",
		"go.mod":        "module x\n",
		"demo":          "a built binary",
		"README.md":     "docs",
		"sub/x.go":      "package sub\n",
	}
	bc, err := Pack(contexttest.WriteDir(t, files), fitsAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bc.Files, ","); got != "Dockerfile,go.mod,main.go" {
		t.Errorf("packed %s", got)
	}
}

// Docker's `**` crosses folders, and a later '!' line takes a file back.
func TestBuildContextMatchesDockersDoubleStar(t *testing.T) {
	files := map[string]string{
		"Dockerfile":          "FROM scratch\n",
		".dockerignore":       "**/*.md\n!keep/**/KEEP.md\nbuild/**\n",
		"main.go":             "package main\n",
		"README.md":           "docs",
		"docs/a/b/guide.md":   "docs",
		"keep/x/KEEP.md":      "kept",
		"build/out/demo":      "binary",
		"internal/x/x.go":     "package x\n",
		"internal/x/notes.md": "notes",
	}
	bc, err := Pack(contexttest.WriteDir(t, files), fitsAll)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bc.Files, ","); got != "Dockerfile,internal/x/x.go,keep/x/KEEP.md,main.go" {
		t.Errorf("packed %s", got)
	}
}

func TestBuildContextRefusesABadDockerignorePattern(t *testing.T) {
	files := map[string]string{"Dockerfile": "FROM scratch\n", ".dockerignore": "[\n", "main.go": "package main\n"}
	if _, err := Pack(contexttest.WriteDir(t, files), fitsAll); err == nil || !strings.Contains(err.Error(), ".dockerignore") {
		t.Errorf("bad pattern: %v", err)
	}
}
