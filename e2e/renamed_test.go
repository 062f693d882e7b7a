//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// renamed are the components renamed after stacks were deployed: file,
// today's type, the type before (commit 9742acd), which the component's
// alias names.
var renamed = []struct{ file, now, before string }{
	{"infra/serviceconnector_link.go", `typePrefix+"ServiceConnectorLink"`, `typePrefix+"Connection"`},
	{"infra/federated_credential_and_role.go", `typePrefix+"FederatedCredentialAndRole"`, `typePrefix+"DirectAccess"`},
	{"k8s/serviceaccount_and_secret.go", `typePrefix+"ServiceAccountAndSecret"`, `typePrefix+"WorkloadIdentity"`},
}

// programBeforeRename builds the world's program as it was before the
// renames (the old type names, no aliases) and returns the binary; the
// world's source is left as it is today.
func (w *world) programBeforeRename() string {
	t := w.t
	t.Helper()
	bin := filepath.Join(filepath.Dir(w.dir), "program-before-rename")
	for _, r := range renamed {
		path := filepath.Join(w.dir, r.file)
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var old []string
		for _, line := range strings.Split(string(src), "\n") {
			if !strings.Contains(line, "pulumi.Aliases(") {
				old = append(old, line)
			}
		}
		before := strings.Join(old, "\n")
		if !strings.Contains(before, r.now) || len(old) == len(strings.Split(string(src), "\n")) {
			t.Fatalf("%s: no %s with an alias to undo", r.file, r.now)
		}
		if err := os.WriteFile(path, []byte(strings.Replace(before, r.now, r.before, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(path, src, 0o644)
	}
	start := time.Now()
	if err := buildProgram(w.dir, bin); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the program before the renames: %s", time.Since(start).Round(time.Millisecond))
	return bin
}

// useProgram makes st (and the world's later stacks) run bin.
func (w *world) useProgram(st auto.Stack, bin string) {
	w.env[EnvProgramBin] = bin
	st.Workspace().SetEnvVar(EnvProgramBin, bin)
}
