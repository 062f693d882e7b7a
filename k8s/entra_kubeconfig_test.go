package k8s

import (
	"os"
	"path/filepath"
	"testing"
)

// The tokens live in the Pulumi home the CLI uses, not in the checkout.
func TestTokenDirIsInThePulumiHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("PULUMI_HOME", home)
	if got, want := TokenDir(), filepath.Join(home, "aks-kube-tokens"); got != want {
		t.Errorf("TokenDir() = %q, want %q", got, want)
	}
}

// Each cluster has its own file, whatever the case of its id; the same
// cluster keeps its path.
func TestEntraTokenFileIsPerCluster(t *testing.T) {
	a := "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c"
	b := "/subscriptions/s/resourceGroups/rg2/providers/Microsoft.ContainerService/managedClusters/c"
	if EntraTokenFile("/d", a) == EntraTokenFile("/d", b) {
		t.Error("two clusters share a token file")
	}
	if EntraTokenFile("/d", a) != EntraTokenFile("/d", "/SUBSCRIPTIONS/s/resourcegroups/RG1/providers/Microsoft.ContainerService/managedClusters/c") {
		t.Error("one cluster's id in another case has another file")
	}
	if filepath.Dir(EntraTokenFile("/d", a)) != "/d" {
		t.Errorf("token file %q outside its directory", EntraTokenFile("/d", a))
	}
}

// A relative PULUMI_HOME still gives an absolute directory: a relative one
// would put the token in the checkout the program runs in.
func TestTokenDirIsAbsolute(t *testing.T) {
	t.Setenv("PULUMI_HOME", "relative-home")
	if dir := TokenDir(); !filepath.IsAbs(dir) {
		t.Errorf("TokenDir() = %q, not absolute", dir)
	}
}

// The token goes only to an absolute directory, in a file only its owner
// reads.
func TestKeepTokenWritesOnlyTheOwnersFile(t *testing.T) {
	if _, err := keepToken("relative", "/c", "tok"); err == nil {
		t.Error("a relative directory was accepted")
	}
	dir := filepath.Join(t.TempDir(), "tokens")
	file, err := keepToken(dir, "/c", "tok")
	if err != nil {
		t.Fatal(err)
	}
	if file != EntraTokenFile(dir, "/c") {
		t.Errorf("kept in %q", file)
	}
	data, err := os.ReadFile(file)
	if err != nil || string(data) != "tok" {
		t.Errorf("token file holds %q (%v)", data, err)
	}
	if st, _ := os.Stat(dir); st.Mode().Perm() != 0o700 {
		t.Errorf("token directory mode %v", st.Mode().Perm())
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v", st.Mode().Perm())
	}
}
