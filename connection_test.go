package main

import (
	"aks-openai-workload-identity/kubeclient"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAMissingObjectNamesTheSettingThatOverridesIt(t *testing.T) {
	for kind, key := range map[string]string{kubeclient.KindServiceAccount: "serviceAccountName", kubeclient.KindSecret: "secretName"} {
		missing := &kubeclient.MissingObjectError{Kind: kind, Name: "sc-x", Namespace: "demo", Waited: time.Minute}
		err := withOverrideAdvice(missing, "proj")
		for _, want := range []string{
			missing.Error(),
			"if it created the " + kind + " under another name, run `pulumi config set proj:" + key + " <name>`",
			"raise proj:connectorWaitSeconds",
		} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: advice %q lacks %q", kind, err, want)
			}
		}
		if !errors.Is(err, missing) {
			t.Errorf("%s: the advice hides the error it wraps", kind)
		}
	}
}

// With no sc- object at all, the cause is Service Connector's cluster
// extension, not a name: the advice says where to look.
func TestNothingOfServiceConnectorsPointsAtItsClusterExtension(t *testing.T) {
	wants := []string{"Service Connector created nothing in this namespace", "sc-extension", "kubectl logs job/sc-job -n sc-system"}
	none := withOverrideAdvice(&kubeclient.MissingObjectError{Kind: kubeclient.KindSecret, Name: "sc-x", Namespace: "demo", Waited: time.Minute}, "proj")
	for _, want := range append(wants, "raise proj:connectorWaitSeconds", "proj:secretName") {
		if !strings.Contains(none.Error(), want) {
			t.Errorf("advice %q lacks %q", none, want)
		}
	}
	other := withOverrideAdvice(&kubeclient.MissingObjectError{Kind: kubeclient.KindSecret, Name: "sc-x", Namespace: "demo", Waited: time.Minute, Found: []string{"sc-y"}}, "proj")
	if strings.Contains(other.Error(), wants[0]) {
		t.Errorf("an object under another name blamed the extension: %q", other)
	}
}

func TestOtherWaitErrorsGetNoOverrideAdvice(t *testing.T) {
	refused := errors.New("the cluster refused to read service account demo/sc-x")
	if err := withOverrideAdvice(refused, "proj"); err != refused {
		t.Errorf("got %v", err)
	}
	if err := withOverrideAdvice(nil, "proj"); err != nil {
		t.Errorf("no error became %v", err)
	}
}
