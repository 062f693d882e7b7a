//go:build e2e

package e2e

import (
	"encoding/base64"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"aks-openai-workload-identity/buildcontext"
	"aks-openai-workload-identity/infra"
)

// padApp adds a Go file of noise to the project's demo app until its packed
// source is between lo and hi bytes of base64, and returns that size.
func padApp(t *testing.T, project string, lo, hi int) int {
	t.Helper()
	dir := filepath.Join(project, "demo")
	noise := make([]byte, hi)
	rand.New(rand.NewSource(7)).Read(noise)
	text := base64.StdEncoding.EncodeToString(noise)
	size := len(text) / 2
	for range 20 {
		src := "package main\n\n// padding makes the app as large as the test needs.\nconst padding = \"" + text[:size] + "\"\n\nvar _ = padding\n"
		if err := os.WriteFile(filepath.Join(dir, "padding.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// Over the limit, packing refuses the app and says its size.
		n := 0
		if bc, err := buildcontext.Pack(dir, infra.CheckInlineSize); err == nil {
			n = base64.StdEncoding.EncodedLen(len(bc.Tarball))
		} else if _, after, ok := strings.Cut(err.Error(), "packed source is "); !ok {
			t.Fatal(err)
		} else if _, serr := fmt.Sscanf(after, "%d bytes", &n); serr != nil {
			t.Fatal(err)
		}
		if n >= lo && n <= hi {
			return n
		}
		size += (lo+hi)/2 - n
		size = max(0, min(size, len(text)))
	}
	t.Fatalf("could not pad the app to %d-%d bytes of base64", lo, hi)
	return 0
}
