//go:build e2e

package e2e

import (
	"testing"
	"time"

	"aks-openai-workload-identity/testtools/azurestandin/dataplane"
)

// A new model deployment answers 404 DeploymentNotFound this long, scaled
// down from the 5 minutes of Azure OpenAI's own message.
const deploymentPropagation = 12 * time.Second

// The first `up` and a new model deployment, in the minutes Azure takes
// to make them usable: Service Connector's new federated credential gets
// Entra's AADSTS700213 while it propagates, as users meet it
// (Azure/azure-workload-identity#1200), and a renamed deployment Azure
// OpenAI's 404 DeploymentNotFound. The demo pod waits each out, saying
// what it waits for, and `up` succeeds.
func TestUpWaitsOutANewCredentialAndDeployment(t *testing.T) {
	t.Parallel()
	w := newWorldPropagating(t, "", ficPropagation, 0)
	if err := w.dp.SetPropagation(dataplane.FICCodeSubject, deploymentPropagation); err != nil {
		t.Fatal(err)
	}
	const ns = "e2e-propagation"
	st := w.stack("dev", map[string]string{"namespace": ns})
	cleanupStack(t, st)

	first := mustUp(t, st)
	clientID := first.outputs["identityClientId"].Value.(string)
	retried := "retry: Microsoft Entra ID answered AADSTS700213; a new federated identity credential may still be propagating (or its subject is not system:serviceaccount:" + ns + ":sc-account-" + clientID + ") (attempt 1"
	checkDemoRetried(t, ns, retried)
	t.Logf("PROPAGATION AADSTS700213 (credential %s): first up succeeded in %s", ficPropagation, first.took.Round(time.Second))

	// Another name is a new deployment; the Job, which names it, runs again.
	if err := st.SetConfig(ctxFor(t, configTimeout), project+":deploymentName", configValue("chat-v2")); err != nil {
		t.Fatal(err)
	}
	again := mustUp(t, st)
	checkDemoRetried(t, ns, `retry: Azure OpenAI answered 404 DeploymentNotFound for deployment "chat-v2"; a new model deployment answers this for its first 5m0s (attempt 1`)
	t.Logf("PROPAGATION DeploymentNotFound (deployment %s): up of the renamed deployment succeeded in %s", deploymentPropagation, again.took.Round(time.Second))
}
