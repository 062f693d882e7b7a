//go:build e2e

package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
)

// renamedTypes are the components renamed after stacks were deployed
// (commit 9742acd): today's type token and the one before, which the
// component's alias names.
var renamedTypes = map[string]string{
	"aksopenai:infra:ServiceConnectorLink":       "aksopenai:infra:Connection",
	"aksopenai:infra:FederatedCredentialAndRole": "aksopenai:infra:DirectAccess",
	"aksopenai:k8s:ServiceAccountAndSecret":      "aksopenai:k8s:WorkloadIdentity",
}

// asDeployedBeforeTheRenames rewrites the stack's state as the program
// before the renames left it: each of these components, and through its
// type every child's URN, under the old type name, and no aliases (that
// program had none).
func asDeployedBeforeTheRenames(t *testing.T, st auto.Stack, types ...string) {
	t.Helper()
	dep, err := st.Export(ctxFor(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	state := string(dep.Deployment)
	for _, now := range types {
		if !strings.Contains(state, `"type":"`+now+`"`) && !strings.Contains(state, `"type": "`+now+`"`) {
			t.Fatalf("no %s in the state to rewrite", now)
		}
		state = strings.ReplaceAll(state, now, renamedTypes[now])
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(state), &doc); err != nil {
		t.Fatal(err)
	}
	for _, r := range doc["resources"].([]any) {
		delete(r.(map[string]any), "aliases")
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Import(ctxFor(t, time.Minute), apitype.UntypedDeployment{Version: dep.Version, Deployment: b}); err != nil {
		t.Fatal(err)
	}
}
