//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// A first `up` meets Azure still provisioning: the new OpenAI account
// refuses its deployment for a while (the program waits it out), and
// Service Connector's first link installs its cluster extension, whose job
// fails once (Azure/AKS#5493): `up` fails at the link with where to read the
// job's log, and the next plain `up` installs it and finishes.
func TestFirstUpWaitsOutProvisioningAndNamesTheExtensionsFailure(t *testing.T) {
	t.Parallel()
	const accepted, install = 3 * time.Second, 4 * time.Second
	w := newWorld(t, "Linker:extension:1=401")
	w.env[standin.EnvAccountAccepted] = accepted.String()
	w.env[standin.EnvSCExtensionInstall] = install.String()
	const ns = "e2e-eventual"
	st := w.stack("dev", map[string]string{"namespace": ns})
	cleanupStack(t, st)

	first := up(t, st)
	if first.err == nil {
		t.Fatal("the first up succeeded though the extension's job failed")
	}
	all := first.err.Error() + "\n" + first.out
	contains(t, "the first up", all,
		// the deployment waited for its account, and was created
		"retry: the OpenAI account", "is still provisioning (AccountProvisioningStateInvalid); waiting 1s",
		// the link failed with the job's error, and the program said where to look
		`Code="ExtensionOperationFailed"`, "401 Unauthorized",
		"sc-extension did not install on cluster", "az k8s-extension show --cluster-type managedClusters --name sc-extension",
		"kubectl logs job/sc-job -n sc-system", "run `pulumi up` again")
	if n := w.azureObjects(); n["Deployment"] != 1 || n["Linker"] != 0 {
		t.Errorf("after the first up the stand-in holds %v, want the deployment and no link", n)
	}
	linkTook := w.createTook("Linker")
	if linkTook < install {
		t.Errorf("the failed link's create took %s, want the extension's install (%s)", linkTook, install)
	}
	t.Logf("EVENTUAL first up: failed after %s; the link failed after %s; the deployment: %s",
		first.took.Round(100*time.Millisecond), linkTook.Round(100*time.Millisecond), firstLine(all, "retry: the OpenAI account"))
	t.Logf("EVENTUAL it said: %s", firstLine(all, "sc-extension did not install"))

	second := mustUp(t, st)
	if !strings.Contains(w.azureLog(), "install succeeded") {
		t.Errorf("the second up did not install the extension:\n%s", tail(w.azureLog(), 2000))
	}
	checkDemoRan(t, w, ns, second.outputs["identityClientId"].Value.(string))
	t.Logf("EVENTUAL second up: %s, the extension installed again (%s) and the demo ran", second.took.Round(100*time.Millisecond), install)
}
