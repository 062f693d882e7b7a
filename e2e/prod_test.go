//go:build e2e

package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// The prod stack (direct mode, AcrPull) through up, a second look, the
// identity chain on the program's own federated credential and role,
// switching connection modes on the live stack both ways, and destroy.
func TestProdStackDirectModeAndSwitchingModes(t *testing.T) {
	// Every test has its own world and namespaces: they run side by side.
	t.Parallel()
	// As in the first minutes after `up`, the program's credential and role
	// still propagate: the demo pod must wait them out.
	w := newWorldPropagating(t, "", ficPropagation, rbacPropagation)
	// Credential writes take a moment, so two under the identity at once
	// would overlap and get Entra's 409; the mode switches must not.
	w.env["AZURE_STANDIN_LATENCY"] = "FederatedIdentityCredential=1s,Linker=1s"
	// New identities replicate slowly, as in Entra: the program's grants
	// go through only because they name the principal's type.
	w.env[standin.EnvPrincipalDelay] = "1h"
	// Deployed as deploy.yml's prod job is: with the prod deploy identity's
	// roles only (docs/promotion-and-roles.md).
	w.env[standin.EnvCallerRoles] = prodDeployRoles
	st := w.stack("prod", nil)
	cleanupStack(t, st)

	first := mustUp(t, st)
	// As if deployed before its components were renamed: today's program
	// must find every resource under the alias of its renamed parent, so
	// the preview below changes nothing.
	asDeployedBeforeTheRenames(t, st, "aksopenai:infra:FederatedCredentialAndRole", "aksopenai:k8s:ServiceAccountAndSecret")
	azure := w.azureObjects()
	if azure["Linker"] != 0 || azure["FederatedIdentityCredential"] != 1 || azure["RoleAssignment"] != 2 {
		t.Errorf("direct mode in the stand-in: %v", azure)
	}
	err := w.azure.View(func(st *standin.State) error {
		regs := st.Find("Registry", nil)
		clusters := st.Find("ManagedCluster", nil)
		ids := st.Find("UserAssignedIdentity", nil)
		if len(regs) != 1 || len(clusters) != 1 || len(ids) != 1 {
			return fmt.Errorf("registries %d clusters %d identities %d", len(regs), len(clusters), len(ids))
		}
		if regs[0].Inputs["anonymousPullEnabled"] != false {
			t.Errorf("registry anonymousPullEnabled = %v", regs[0].Inputs["anonymousPullEnabled"])
		}
		// Prod's node OS channel reached AKS, in the API version that has it.
		if c := clusters[0]; c.Input("autoUpgradeProfile.nodeOSUpgradeChannel") != "SecurityPatch" || c.Type != "azure-native:containerservice/v20240901:ManagedCluster" {
			t.Errorf("prod's cluster: nodeOSUpgradeChannel %q, type %s", c.Input("autoUpgradeProfile.nodeOSUpgradeChannel"), c.Type)
		}
		kubelet := clusters[0].Output("identityProfile.kubeletidentity.objectId")
		grants := map[string]bool{}
		for _, ra := range st.Find("RoleAssignment", nil) {
			def := ra.Input("roleDefinitionId")
			grants[def[strings.LastIndex(def, "/")+1:]+" "+ra.Input("principalId")+" "+strings.ToLower(ra.Input("scope"))] = true
		}
		for _, want := range []string{
			"7f951dda-4ed3-4680-a7ca-43fe172d538d " + kubelet + " " + strings.ToLower(regs[0].ID),
			"5e0bd9bd-7b93-4f28-af87-19fc36ad61bd " + ids[0].Output("principalId") + " " + strings.ToLower(st.Find("Account", nil)[0].ID),
		} {
			if !grants[want] {
				t.Errorf("no role assignment %q in %v", want, grants)
			}
		}
		for _, fic := range st.Find("FederatedIdentityCredential", nil) {
			if fic.Input("issuer") != shared.issuer || fic.Input("subject") != "system:serviceaccount:sc-demo:sc-demo-openai-identity" {
				t.Errorf("federated credential %v", fic.Inputs)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading the stand-in's state: %v", err)
	}
	out := first.outputs
	clientID := out["identityClientId"].Value.(string)
	checkDemoJob(t, "sc-demo", "sc-demo-openai-identity", "sc-demo-openai-identity-connection", out["image"].Value.(string))
	if _, ok := out["federatedCredentialId"]; !ok {
		t.Error("no federatedCredentialId output")
	}

	// The preview identity: deploy.yml's prod-preview before the gate, and
	// drift.yml's refresh --preview-only --expect-no-changes --run-program
	// (its own Entra token for prod's cluster).
	pv := w.stackAs("prod", previewRoles)
	if p := preview(t, pv); p.err != nil || !onlySame(p.changes) {
		t.Errorf("the preview identity's preview after up (state from before the renames): %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	// The second up rewrites the renamed components' URNs. Before it, the
	// drift check would panic: `refresh --run-program` on a component
	// renamed with an alias fails the engine's assertion "URN ... had not
	// been marked as seen" (pulumi/pulumi#21404, open).
	if again := mustUp(t, st); !onlySame(again.changes) {
		t.Errorf("second up changed %v\n%s", again.changes, tail(again.out, 3000))
	}
	start := time.Now()
	var drift bytes.Buffer
	if _, err := pv.PreviewRefresh(ctxFor(t, 5*time.Minute), optrefresh.ExpectNoChanges(), optrefresh.RunProgram(true), optrefresh.ProgressStreams(&drift)); err != nil {
		t.Errorf("the preview identity's drift check: %v\n%s", err, tail(drift.String(), 3000))
	}
	t.Logf("refresh --preview-only --run-program prod: %s", time.Since(start).Round(time.Millisecond))

	// The program's own federated credential and role: the stand-in only
	// issues a token and answers through them.
	checkDemoRan(t, w, "sc-demo", clientID)
	// Whether the pod still retries when the role lands depends on its
	// backoff, so only the credential's retry is certain (the demo's unit
	// tests pin the role's).
	checkDemoRetried(t, "sc-demo", retriedCredential)

	t.Run("switch to Service Connector and back", func(t *testing.T) {
		if err := st.SetConfig(ctxFor(t, configTimeout), project+":connectionMode", configValue("serviceConnector")); err != nil {
			t.Fatal(err)
		}
		// Service Connector assigns its role on the caller's behalf; the
		// link asks for OpenAI User (authInfo.roles), which prod's
		// condition allows, so the prod deploy identity makes the switch.
		sc := mustUp(t, st)
		// The link's component as if deployed before the renames too.
		asDeployedBeforeTheRenames(t, st, "aksopenai:infra:ServiceConnectorLink")
		if p := preview(t, st); p.err != nil || !onlySame(p.changes) {
			t.Errorf("preview of the link deployed before the renames: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
		}
		azure := w.azureObjects()
		if azure["Linker"] != 1 {
			t.Errorf("after switching to serviceConnector: %v\n%s", azure, tail(sc.out, 2000))
		}
		// The identity may already hold OpenAI User from direct mode, and
		// then Service Connector assigns nothing: what it assigns is never
		// broader than OpenAI User.
		for _, role := range w.serviceConnectorRoles() {
			if role != standin.RoleOpenAIUser {
				t.Errorf("Service Connector assigned %s, want only Cognitive Services OpenAI User", role)
			}
		}
		if _, ok := sc.outputs["connectionId"]; !ok {
			t.Error("no connectionId after the switch")
		}
		checkDemoJob(t, "sc-demo", "sc-account-"+clientID, "sc-openaiconn-secret", out["image"].Value.(string))
		checkDemoRan(t, w, "sc-demo", clientID)

		if err := st.SetConfig(ctxFor(t, configTimeout), project+":connectionMode", configValue("direct")); err != nil {
			t.Fatal(err)
		}
		mustUp(t, st)
		if azure := w.azureObjects(); azure["Linker"] != 0 || azure["FederatedIdentityCredential"] != 1 || azure["RoleAssignment"] != 2 {
			t.Errorf("after switching back to direct: %v", azure)
		}
		// The link asked for ForcedCleanup: Service Connector took its
		// credential and its OpenAI User grant away with it.
		if left := w.serviceConnectorLeftovers(); len(left) != 0 {
			t.Errorf("Service Connector's grants outlived the link: %v", left)
		}
		checkDemoJob(t, "sc-demo", "sc-demo-openai-identity", "sc-demo-openai-identity-connection", out["image"].Value.(string))
		checkDemoRan(t, w, "sc-demo", clientID)
	})

	t.Run("protected", func(t *testing.T) {
		checkProtected(t, w, st)
	})

	// The deliberate way, as docs/long-lived-stacks.md says.
	destroyProtected(t, w, st)
}
