//go:build e2e

package e2e

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The workflow identities' Azure roles, as docs/promotion-and-roles.md
// gives them (AZURE_STANDIN_CALLER_ROLES). Every stack here lives in the
// stand-in's one subscription, the scope each role is given at.
var (
	subscription = "/subscriptions/" + standin.SubscriptionID
	// previewRoles: preview.yml, deploy.yml's prod-preview and drift.yml.
	// Reader reads every resource; a deployed stack's preview also lists
	// the cluster's user credential, which only the AKS user role grants.
	// On an Entra-only cluster, Azure RBAC's AKS Reader reads its objects
	// but Secrets, which the custom role in .github/roles adds (refresh
	// reads direct mode's Secret).
	previewRoles = "Reader@" + subscription + ",Azure Kubernetes Service Cluster User Role@" + subscription +
		",Azure Kubernetes Service RBAC Reader@" + subscription + ",AKS Secrets Reader - aks-openai-workload-identity@" + subscription
	// kubeAdmin is the Kubernetes access of a deploy identity on an
	// Entra-only cluster: it creates the program's namespace, which only
	// the cluster admin data role allows among the built-in ones.
	kubeAdmin = ",Azure Kubernetes Service RBAC Cluster Admin@" + subscription
	// prodDeployRoles: deploy.yml's prod job. Contributor cannot assign
	// roles; the RBAC Administrator may, limited to the two roles the
	// program assigns in prod (direct mode, acrPull).
	prodDeployRoles = "Contributor@" + subscription +
		",Role Based Access Control Administrator(AcrPull|Cognitive Services OpenAI User)@" + subscription + kubeAdmin
	// devDeployRoles: deploy.yml's dev job. In Service Connector mode the
	// connector assigns its OpenAI role on the caller's behalf: the
	// program asks it for OpenAI User (authInfo.roles), so the condition
	// is prod's, and OpenAI Contributor stays out of it.
	devDeployRoles = prodDeployRoles
	// throwawayRoles: e2e-azure.yml (up and teardown of a dev-like stack)
	// and destroy.yml.
	throwawayRoles = devDeployRoles
)

// stackAs is another handle on a stack of this world, whose plugin
// processes run as a caller with these roles: one workflow identity
// working on the same backend and project as another.
func (w *world) stackAs(name, roles string) auto.Stack {
	t := w.t
	t.Helper()
	env := maps.Clone(w.env)
	env[standin.EnvCallerRoles] = roles
	// The custom role the README has the team create, which the preview
	// identity holds.
	env[standin.EnvCustomRoles] = filepath.Join(shared.root, ".github", "roles", "aks-secrets-reader.json")
	st, err := auto.UpsertStackLocalSource(ctxFor(t, 2*time.Minute), name, w.dir,
		auto.Pulumi(pulumiCmd(t)), auto.PulumiHome(shared.pulumiHome), auto.EnvVars(env))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// actAs makes a stack handle's later operations run as another identity.
func actAs(t *testing.T, st auto.Stack, roles string) {
	t.Helper()
	st.Workspace().SetEnvVar(standin.EnvCallerRoles, roles)
}

// refused checks that an operation failed with ARM's AuthorizationFailed
// for the action.
func refused(t *testing.T, what string, r result, action string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("%s succeeded; want AuthorizationFailed for %s\n%s", what, action, tail(r.out, 3000))
	}
	all := r.err.Error() + "\n" + r.out
	if !strings.Contains(all, `Code="AuthorizationFailed"`) || !strings.Contains(all, "perform action '"+action+"'") {
		t.Errorf("%s failed, but not with AuthorizationFailed for %s: %v\n%s", what, action, r.err, tail(r.out, 3000))
	}
}
