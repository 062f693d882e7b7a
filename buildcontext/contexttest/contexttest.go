// Package contexttest holds the build-context fixture the tests of
// buildcontext and infra share: a small app folder shaped like demo/.
package contexttest

import (
	"os"
	"testing"
	"testing/fstest"
)

// App is a Go app as demo/ lays it out, with a file .dockerignore should
// keep out (.env) and one the image does not need (run_test.go).
var App = map[string]string{
	"Dockerfile":  "# syntax\nFROM --platform=linux/amd64 mcr.microsoft.com/oss/go/microsoft/golang:1.26 AS build\nFROM scratch\n",
	"main.go":     "package main\nfunc main() {}\n",
	"go.mod":      "module demo\n",
	"run_test.go": "package main\n",
	".env":        "SECRET=1\n",
}

// WriteDir writes files (slash paths) into a new folder.
func WriteDir(t testing.TB, files map[string]string) string {
	t.Helper()
	fsys := fstest.MapFS{}
	for name, body := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, fsys); err != nil {
		t.Fatal(err)
	}
	return dir
}
