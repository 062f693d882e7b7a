//go:build e2e

package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"aks-openai-workload-identity/testtools/azurestandin/dataplane"
	"aks-openai-workload-identity/testtools/azurestandin/standin"
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

// A subject that is simply wrong gets the same AADSTS700213, for good: the
// demo retries it within its budget, then says the subject may be wrong
// and which one the credential must have. Here the pod runs as a service
// account of the user's (serviceAccountName), annotated with the right
// client id, while Service Connector's credential trusts its own.
func TestAWrongSubjectFailsNamingTheSubject(t *testing.T) {
	t.Parallel()
	w := newWorld(t, "")
	const ns, sa = "e2e-wrong-subject", "e2e-wrong-subject"
	// A 75 s deadline leaves the demo 15 s of retries.
	st := w.stack("dev", map[string]string{"namespace": ns, "serviceAccountName": sa, "demoDeadlineSeconds": "75", "connectorWaitSeconds": "60"})
	cleanupStack(t, st)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			clientID := ""
			_ = w.azure.View(func(s *standin.State) error {
				if ids := s.Find("UserAssignedIdentity", nil); len(ids) == 1 {
					clientID = ids[0].Output("clientId")
				}
				return nil
			})
			if clientID != "" {
				_, err := shared.kube.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
					Name: sa, Annotations: map[string]string{"azure.workload.identity/client-id": clientID},
				}}, metav1.CreateOptions{})
				if err == nil || apierrors.IsAlreadyExists(err) {
					return
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	r := up(t, st)
	if r.err == nil {
		t.Fatal("up succeeded with a subject no credential has")
	}
	all := r.err.Error() + "\n" + r.out
	// `up` itself prints the pod's answer (the demo's error hook).
	want := "the subject may simply be wrong: the credential's subject must be exactly system:serviceaccount:" + ns + ":" + sa
	contains(t, "up's error", all, "BackoffLimitExceeded", "AADSTS700213", "still after 3 attempt(s) over 15s", want)
	t.Logf("FAULT wrong subject: up failed after %s; it said: %s", r.took.Round(time.Second), firstLine(all, "may simply be wrong"))
}
