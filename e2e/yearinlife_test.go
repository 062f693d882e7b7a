//go:build e2e

package e2e

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/events"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optrefresh"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"aks-openai-workload-identity/testtools/azurestandin/standin"
)

// A year in the life of the dev stack: Azure changes it by itself, step by
// step (AZURE_STANDIN_AZURE_CHANGES and the catalog, no sleeping through
// days), and after each step the drift check reports exactly what Azure
// changed, preview shows no replacement, no downgrade and no perpetual
// diff, up converges and the demo still gets its reply.
func TestAYearInTheLifeOfTheDevStack(t *testing.T) {
	t.Parallel()
	start := time.Now()
	w := newWorld(t, "")
	quota := func(c *standin.Catalog) { c.Region("eastus2").Usage("OpenAI.GlobalStandard.gpt-5.4-mini").Limit = 10 }
	w.catalog(quota)
	// A namespace of its own: the lifecycle scenario runs the same Job in
	// default on the shared cluster.
	const ns = "e2e-year"
	st := w.stack("dev", map[string]string{"connectorWaitSeconds": "10", "namespace": ns})
	cleanupStack(t, st)
	out := mustUp(t, st).outputs
	clientID := out["identityClientId"].Value.(string)
	account, deployment := "scdemo-openai", "scdemo-openai-gpt-5.4-mini"
	// The workspace copied the world's environment when the stack was
	// made, so a knob turned later goes to the workspace too.
	changes := func(what string) {
		w.env[standin.EnvAzureChanges] = what
		st.Workspace().SetEnvVar(standin.EnvAzureChanges, what)
	}

	// 0. A stack deployed before the cluster moved to API 2024-09-01: its
	// state has the default type and no node OS channel. The SDK type's
	// alias keeps the URN, so preview updates the cluster (the channel
	// added); it does not replace it.
	asDeployedBeforeTheNodeOSChannel(t, st)
	p := preview(t, st)
	if line := firstLine(p.out, ":ManagedCluster "); p.err != nil || !strings.Contains(line, " update ") || azureReplaced(p.out) != "" {
		t.Errorf("preview of a stack deployed with the default cluster type: want the cluster updated, nothing replaced: %v\n%s", p.err, tail(p.out, 3000))
	}
	converge(t, w, st, "the cluster's move to API 2024-09-01", 1)
	if c := w.object("ManagedCluster"); c.Input("autoUpgradeProfile.nodeOSUpgradeChannel") != "NodeImage" {
		t.Errorf("dev's node OS channel in AKS: %q, want NodeImage", c.Input("autoUpgradeProfile.nodeOSUpgradeChannel"))
	}

	// 1. Microsoft upgrades the account to a Foundry resource.
	changes("foundryUpgrade")
	drifted(t, st, "the Foundry upgrade", account)
	p = preview(t, st)
	// The update's preview knows only the inputs of the account, so its
	// endpoint is unknown and the demo Job that reads it shows as replaced
	// (azure-native's Update with preview: PreviewOutputs of the inputs);
	// converge's up then changes the account alone.
	if p.err != nil || p.changes[apitype.OpUpdate] != 1 || !strings.Contains(firstLine(p.out, "cognitiveservices:Account"), " update ") || azureReplaced(p.out) != "" {
		t.Errorf("preview after the Foundry upgrade: want one update (the kind recorded), no Azure resource replaced (%q): %v %v\n%s", azureReplaced(p.out), p.changes, p.err, tail(p.out, 3000))
	}
	contains(t, "preview after the Foundry upgrade", p.out, "Microsoft upgraded OpenAI account", "kind AIServices): the program keeps it")
	converge(t, w, st, "the Foundry upgrade", 1)
	if k := w.output("Account", "kind"); k != "AIServices" {
		t.Errorf("the account's kind after up: %q, want AIServices kept", k)
	}
	checkDemoJob(t, ns, "sc-account-"+clientID, "sc-openaiconn-secret", out["image"].Value.(string))

	// 2. Azure closes the model to new deployments: a warning, and a
	// node-count up passes (defect 2's scenario, on the upgraded account).
	checkClosedModelKeepsTheStackGoing(t, w, st)
	converge(t, w, st, "the closed model (nodeCount back to 1)", 1)

	// 3. A new default version: dev's OnceNewDefaultVersionAvailable lets
	// Azure move the deployment; the program keeps Azure's version.
	w.catalog(func(c *standin.Catalog) {
		quota(c)
		addModelVersion(c, "2026-09-01", true)
		addModelVersion(c, "2026-11-20", false)
	})
	changes("foundryUpgrade,modelUpgrade")
	drifted(t, st, "the model upgrade", deployment)
	p = preview(t, st)
	if p.err != nil || p.changes[apitype.OpUpdate] != 1 || p.changes[apitype.OpReplace] != 0 {
		t.Errorf("preview after the model upgrade: want one update (the version recorded): %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	contains(t, "preview after the model upgrade", p.out, "Azure moved deployment gpt-5.4-mini to gpt-5.4-mini 2026-09-01 (modelVersionUpgrade OnceNewDefaultVersionAvailable): the program keeps it")
	converge(t, w, st, "the model upgrade", 1)

	// 4. The team bumps modelVersion past Azure's: the same deployment is
	// updated in place (no delete, no new name); the demo runs again.
	before := w.object("Deployment")
	setConfig(t, st, map[string]string{"modelVersion": "2026-11-20", "demoDeadlineSeconds": "470"})
	logBefore := len(w.azureLog())
	r := mustUp(t, st)
	after := w.object("Deployment")
	if after.ID != before.ID || !after.Created.Equal(before.Created) || after.Input("properties.model.version") != "2026-11-20" {
		t.Errorf("the bump did not update the deployment in place: before %s (%s), after %s (%s) version %q", before.ID, before.Created, after.ID, after.Created, after.Input("properties.model.version"))
	}
	for _, line := range strings.Split(w.azureLog()[logBefore:], "\n") {
		if strings.Contains(line, "type=azure-native:cognitiveservices:Deployment") && (strings.Contains(line, "method=Delete") || strings.Contains(line, "method=Create ")) {
			t.Errorf("the bump deleted or created the deployment: %s", line)
		}
	}
	if r.changes[apitype.OpReplace] != 1 || r.changes[apitype.OpUpdate] != 1 {
		t.Errorf("the bump: want the deployment updated and the demo Job replaced: %v", r.changes)
	}
	checkDemoRan(t, w, ns, clientID)
	converge(t, w, st, "the bump", 0)

	// 5. AKS moves the cluster to its minor's newest patch (channel patch):
	// nothing to change, no downgrade asked.
	changes("foundryUpgrade,modelUpgrade,aksUpgrade")
	if p := preview(t, st); p.err != nil || !onlySame(p.changes) {
		t.Errorf("preview after AKS's upgrade: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	if v := w.output("ManagedCluster", "currentKubernetesVersion"); v != "1.33.5" {
		t.Errorf("AKS's upgrade: the cluster runs %q, want 1.33.5", v)
	}

	// 6. drift.yml's check reports what Azure changed and nothing else; a
	// refresh and an up then keep the new version, and converge.
	drifted(t, st, "AKS's upgrade", "scdemo-aks")
	if _, err := st.Refresh(ctxFor(t, 5*time.Minute)); err != nil {
		t.Fatalf("refresh: %v", err)
	}
	converge(t, w, st, "AKS's upgrade, refreshed", -1)
	if v := w.output("ManagedCluster", "currentKubernetesVersion"); v != "1.33.5" {
		t.Errorf("after refresh and up the cluster runs %q, want 1.33.5 (no downgrade)", v)
	}
	drifted(t, st, "the end of the year")

	// A bigger VM size cannot change in place in AKS: preview shows a new
	// cluster replacing the old one, not a refused update.
	setConfig(t, st, map[string]string{"nodeVmSize": "Standard_D4s_v5"})
	p = preview(t, st)
	if p.err != nil || p.changes[apitype.OpReplace] < 1 || firstLine(p.out, ":ManagedCluster ") == "" ||
		!strings.Contains(firstLine(p.out, ":ManagedCluster "), "replace") {
		t.Errorf("preview of nodeVmSize Standard_D4s_v5: want the cluster replaced: %v %v\n%s", p.changes, p.err, tail(p.out, 3000))
	}
	t.Logf("YEAR IN THE LIFE: %s", time.Since(start).Round(time.Second))
}

// drifted runs drift.yml's check (refresh --preview-only) and wants
// exactly these resources (logical names) reported as changed.
func drifted(t *testing.T, st auto.Stack, after string, want ...string) {
	t.Helper()
	ch := make(chan events.EngineEvent)
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		seen := map[string]bool{}
		for e := range ch {
			if e.ResOutputsEvent == nil {
				continue
			}
			md := e.ResOutputsEvent.Metadata
			name := md.URN[strings.LastIndex(md.URN, "::")+2:]
			if (md.Op != apitype.OpSame && md.Op != apitype.OpRefresh || len(md.Diffs) > 0) && !seen[name] {
				seen[name] = true
				got = append(got, name)
				t.Logf("drift: %s %s diffs %v", md.Op, md.URN, md.Diffs)
			}
		}
	}()
	var buf bytes.Buffer
	start := time.Now()
	_, err := st.PreviewRefresh(ctxFor(t, 5*time.Minute), optrefresh.EventStreams(ch), optrefresh.ProgressStreams(&buf))
	<-done
	sort.Strings(got)
	sort.Strings(want)
	if err != nil || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("drift check after %s: reported %v, want %v (err %v)\n%s", after, got, want, err, tail(buf.String(), 3000))
	}
	t.Logf("drift check after %s: %v in %s", after, got, time.Since(start).Round(time.Millisecond))
}

// converge runs up (wanting that many updates and replacements, -1 for
// any) and then a preview that must change nothing.
func converge(t *testing.T, w *world, st auto.Stack, after string, changed int) {
	t.Helper()
	r := mustUp(t, st)
	if n := r.changes[apitype.OpUpdate] + r.changes[apitype.OpReplace]; changed >= 0 && n != changed {
		t.Errorf("up after %s changed %v, want %d\n%s", after, r.changes, changed, tail(r.out, 3000))
	}
	if p := preview(t, st); p.err != nil || !onlySame(p.changes) {
		t.Errorf("preview after up after %s: %v %v\n%s", after, p.changes, p.err, tail(p.out, 3000))
	}
}

func setConfig(t *testing.T, st auto.Stack, kv map[string]string) {
	t.Helper()
	cm := auto.ConfigMap{}
	for k, v := range kv {
		cm[project+":"+k] = configValue(v)
	}
	if err := st.SetAllConfig(ctxFor(t, configTimeout), cm); err != nil {
		t.Fatal(err)
	}
}

// addModelVersion adds a version of gpt-5.4-mini to eastus2, as Azure
// releases one; a default one takes the default from the others.
func addModelVersion(c *standin.Catalog, version string, isDefault bool) {
	r := c.Region("eastus2")
	var base standin.CatalogModel
	for i := range r.Models {
		if m := &r.Models[i].Model; m.Name == "gpt-5.4-mini" {
			base = r.Models[i]
			if isDefault {
				m.IsDefaultVersion = false
			}
		}
	}
	base.Model.Version, base.Model.IsDefaultVersion, base.Model.LifecycleStatus = version, isDefault, "GenerallyAvailable"
	r.Models = append(r.Models, base)
}

// object is the stand-in's only object of a short type.
func (w *world) object(short string) *standin.Object {
	w.t.Helper()
	var found *standin.Object
	_ = w.azure.View(func(s *standin.State) error {
		if objs := s.Find(short, nil); len(objs) == 1 {
			found = objs[0]
		}
		return nil
	})
	if found == nil {
		w.t.Fatalf("not exactly one %s in the stand-in", short)
	}
	return found
}

// output is an output of the stand-in's only object of a short type.
func (w *world) output(short, path string) string {
	return w.object(short).Output(path)
}

// azureReplaced is the first line of a preview that replaces an Azure
// resource, or "".
func azureReplaced(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "azure-native:") && strings.Contains(line, "replace") {
			return line
		}
	}
	return ""
}

// asDeployedBeforeTheNodeOSChannel rewrites the stack's state as the
// program before API 2024-09-01 left it: the cluster under the default
// type token, its inputs without nodeOSUpgradeChannel.
func asDeployedBeforeTheNodeOSChannel(t *testing.T, st auto.Stack) {
	t.Helper()
	const versioned, before = "azure-native:containerservice/v20240901:ManagedCluster", "azure-native:containerservice:ManagedCluster"
	dep, err := st.Export(ctxFor(t, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(strings.ReplaceAll(string(dep.Deployment), versioned, before)), &doc); err != nil {
		t.Fatal(err)
	}
	rewritten := false
	for _, r := range doc["resources"].([]any) {
		res := r.(map[string]any)
		if res["type"] != before {
			continue
		}
		profile, _ := res["inputs"].(map[string]any)["autoUpgradeProfile"].(map[string]any)
		delete(profile, "nodeOSUpgradeChannel")
		rewritten = true
	}
	if !rewritten {
		t.Fatal("no cluster in the state to rewrite")
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Import(ctxFor(t, time.Minute), apitype.UntypedDeployment{Version: dep.Version, Deployment: b}); err != nil {
		t.Fatal(err)
	}
}
