//go:build e2e

package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// configMap is a stack's config: keys without a namespace are the
// project's.
func (w *world) configMap(config map[string]string) auto.ConfigMap {
	cm := auto.ConfigMap{}
	// The preflight's ARM endpoint is this world's, unless the test says,
	// and so is azure-native's cloud: its metadataHost, as for an Azure
	// Stack, so the preflight may send its token there.
	if _, set := config["armEndpoint"]; !set {
		cm[project+":armEndpoint"] = auto.ConfigValue{Value: w.dp.URL}
	}
	if _, set := config["azure-native:metadataHost"]; !set {
		cm["azure-native:metadataHost"] = auto.ConfigValue{Value: strings.TrimSuffix(strings.TrimPrefix(w.dp.URL, "https://"), "/")}
	}
	// Keys with a namespace (azure-native:…) are a provider's.
	for k, v := range config {
		if strings.Contains(k, ":") {
			cm[k] = auto.ConfigValue{Value: v}
			continue
		}
		cm[project+":"+k] = auto.ConfigValue{Value: v}
	}
	return cm
}

// cleanupStack destroys the stack when the test ends, whatever happened.
func cleanupStack(t *testing.T, st auto.Stack) {
	t.Cleanup(func() {
		r := destroy(t, st)
		// A production stack's protection is lifted, deliberately, only
		// when it stopped the destroy: one CLI call less for the others.
		if r.err != nil && strings.Contains(r.err.Error()+r.out, "protected") {
			if err := unprotect(t, st); err != nil {
				t.Logf("cleanup of %s: %v", st.Name(), err)
			}
			r = destroy(t, st)
		}
		if r.err != nil {
			t.Logf("cleanup destroy of %s failed: %v\n%s", st.Name(), r.err, r.out)
		}
	})
}

// destroyProtected lifts a production stack's protection, deliberately,
// destroys it, and wants the stand-in empty afterwards.
func destroyProtected(t *testing.T, w *world, st auto.Stack) {
	t.Helper()
	if err := unprotect(t, st); err != nil {
		t.Fatal(err)
	}
	if r := destroy(t, st); r.err != nil {
		t.Fatalf("destroy: %v\n%s", r.err, r.out)
	}
	if n := w.azureObjects(); len(n) != 0 {
		t.Errorf("stand-in holds %v after destroy", n)
	}
}

// unprotect lifts a stack's protection on purpose, as docs/long-lived-stacks.md says
// (`pulumi state unprotect --all`), with the stack handle's environment.
func unprotect(t *testing.T, st auto.Stack) error {
	t.Helper()
	ws := st.Workspace()
	env := []string{"PULUMI_HOME=" + ws.PulumiHome()}
	for k, v := range ws.GetEnvVars() {
		env = append(env, k+"="+v)
	}
	_, stderr, _, err := pulumiCmd(t).Run(ctxFor(t, time.Minute), ws.WorkDir(), nil, nil, nil, env,
		"state", "unprotect", "--all", "--yes", "--stack", st.Name())
	if err != nil {
		return fmt.Errorf("pulumi state unprotect: %w: %s", err, stderr)
	}
	return nil
}

// serviceConnectorRoles are the role definition GUIDs of the assignments
// Service Connector made.
func (w *world) serviceConnectorRoles() []string {
	w.t.Helper()
	var roles []string
	err := w.azure.View(func(st *standin.State) error {
		for _, ra := range st.Find("RoleAssignment", func(o *standin.Object) bool { return o.ManagedBy != "" }) {
			def := ra.Input("roleDefinitionId")
			roles = append(roles, def[strings.LastIndex(def, "/")+1:])
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return roles
}

// checkProtected: on a production stack a destroy, and a config change
// that would replace the account, the cluster or the registry, fail in
// preview, naming the resource and how to lift the protection; Azure
// keeps everything.
func checkProtected(t *testing.T, w *world, st auto.Stack) {
	before := fmt.Sprint(w.azureObjects())
	start := time.Now()
	var buf strings.Builder
	_, err := st.PreviewDestroy(ctxFor(t, 5*time.Minute), optdestroy.ProgressStreams(&buf))
	t.Logf("preview of destroy: %s", time.Since(start).Round(time.Millisecond))
	out := fmt.Sprint(err) + buf.String()
	if err == nil {
		t.Errorf("the preview of a destroy of the prod stack passed\n%s", tail(out, 3000))
	}
	contains(t, "the refused destroy", out, "cannot be deleted", "because it is protected", "pulumi state unprotect")
	if !strings.Contains(out, "cognitiveservices:Account::") && !strings.Contains(out, "ManagedCluster::") && !strings.Contains(out, "Registry::") {
		t.Errorf("the refused destroy names none of the protected resources\n%s", tail(out, 3000))
	}

	ctx := ctxFor(t, 5*time.Minute)
	for key, value := range map[string]string{"location": "eastus2", "namePrefix": "scprod"} {
		old, err := st.GetConfig(ctx, project+":"+key)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetConfig(ctx, project+":"+key, auto.ConfigValue{Value: value}); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var buf strings.Builder
		_, err = st.Preview(ctx, optpreview.ProgressStreams(&buf))
		t.Logf("preview of %s=%s: %s", key, value, time.Since(start).Round(time.Millisecond))
		out := fmt.Sprint(err) + buf.String()
		if err == nil {
			t.Errorf("%s %s -> %s: the preview passed though it replaces protected resources\n%s", key, old.Value, value, tail(out, 3000))
		}
		contains(t, key+" change", out, "protect", "pulumi state unprotect")
		if err := st.SetConfig(ctx, project+":"+key, old); err != nil {
			t.Fatal(err)
		}
	}
	if after := fmt.Sprint(w.azureObjects()); after != before {
		t.Errorf("the refused operations changed Azure: %s, then %s", before, after)
	}
}

// inSubscription counts the resources under the group in the subscription.
func (w *world) inSubscription(sub, rg string) int {
	w.t.Helper()
	n := 0
	prefix := strings.ToLower("/subscriptions/" + sub + "/resourceGroups/" + rg)
	err := w.azure.View(func(st *standin.State) error {
		for _, o := range st.Objects {
			if strings.HasPrefix(strings.ToLower(o.ID), prefix) {
				n++
			}
		}
		return nil
	})
	if err != nil {
		w.t.Fatal(err)
	}
	return n
}
