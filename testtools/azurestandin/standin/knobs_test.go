package standin

import (
	"reflect"
	"testing"
	"time"
)

func TestKnobParsing(t *testing.T) {
	f, err := parseFaults("Linker:create:1=409, TaskRun:run=Failed,Registry:delete=500/InternalServerError")
	want := []fault{{"Linker", "create", 1, "409"}, {"TaskRun", "run", 0, "Failed"}, {"Registry", "delete", 0, "500/InternalServerError"}}
	if err != nil || !reflect.DeepEqual(f, want) {
		t.Errorf("faults %v %v", f, err)
	}
	for _, bad := range []string{"Linker=409", "Linker:create:0=409", "Linker:create:1=", "a:b:c:d=1"} {
		if _, err := parseFaults(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if err := statusFault("Linker", "create", "409"); err.Error() != `Status=409 Code="Conflict" Message="Injected fault (AZURE_STANDIN_FAULTS): the create of Linker failed."` {
		t.Errorf("fault error %q", err)
	}
	l, err := latencies("ManagedCluster=3s, TaskRun=250ms")
	if err != nil || l["ManagedCluster"] != 3*time.Second || l["TaskRun"] != 250*time.Millisecond {
		t.Errorf("latencies %v %v", l, err)
	}
	if _, err := latencies("ManagedCluster"); err == nil {
		t.Error("bad latency accepted")
	}
}

func TestPluginVersion(t *testing.T) {
	t.Setenv(EnvVersion, "v2.81.0")
	if v := PluginVersion(); v != "2.81.0" {
		t.Errorf("version %q", v)
	}
	t.Setenv(EnvVersion, "")
	if v := PluginVersion(); v != DefaultVersion {
		t.Errorf("default version %q", v)
	}
}
