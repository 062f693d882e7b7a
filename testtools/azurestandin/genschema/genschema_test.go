package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// The checked-in schema.json must be exactly what the generator writes, so
// that a hand edit, a changed overlay or a bumped SDK module in go.mod
// without a regeneration fails here rather than drifting silently.
func TestSchemaJSONIsGenerated(t *testing.T) {
	want, err := generate("", "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../standin/schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gotLines, wantLines := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gotLines) || i < len(wantLines); i++ {
		g, w := line(gotLines, i), line(wantLines, i)
		if g != w {
			t.Fatalf("testtools/azurestandin/standin/schema.json is not what genschema writes; run `make schema` "+
				"(and edit standin/schema_overlay.json, not schema.json, for facts the SDK lacks).\n"+
				"first difference, line %d:\n  checked in: %s\n  generated:  %s", i+1, g, w)
		}
	}
}

func line(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "<end of file>"
}

// Each kind of fact the generator derives, on a token whose SDK source says
// it plainly, so that a change in the SDK's code generator shows here by name.
func TestDerivedFacts(t *testing.T) {
	data, err := generate("", "")
	if err != nil {
		t.Fatal(err)
	}
	var s schemaFile
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	const cs, cr = "azure-native:containerservice", "azure-native:containerregistry"
	uai := s.Resources["azure-native:managedidentity:UserAssignedIdentity"]
	fic := s.Resources["azure-native:managedidentity:FederatedIdentityCredential"]
	run := s.Resources[cr+":TaskRun"].Properties["runRequest"]
	for _, c := range []struct{ what, got, want string }{
		{"API version from the doc comment", uai.APIVersion, "2023-01-31"},
		{"API version from the sub-package", s.Resources[cs+"/v20240901:ManagedCluster"].APIVersion, "2024-09-01"},
		{"preview API version from the sub-package", s.Resources[cr+"/v20230101preview:Registry"].APIVersion, "2023-01-01-preview"},
		{"required from NewX's nil checks", strings.Join(fic.Required, ","), "audiences,issuer,resourceGroupName,resourceName,subject"},
		{"outputs from the resource struct", strings.Join(uai.Outputs, ","), "clientId,location,name,principalId,systemData,tags,tenantId,type"},
		{"union variant from the overlay", run.Variants["DockerBuildRequest"], cr + ":DockerBuildRequest"},
		{"union discriminator from the variants", run.Discriminator, "type"},
		{"const from \"Expected value is\"", s.Types[cr+":DockerBuildRequest"].Properties["type"].Const, "DockerBuildRequest"},
		{"closed enum from pulumiEnums.go", strings.Join(s.Types[cs+":ManagedClusterIdentity"].Properties["type"].Enum, ","), "SystemAssigned,UserAssigned,None"},
		{"nested ref into the sub-package", s.Resources[cs+"/v20240901:ManagedCluster"].Properties["autoUpgradeProfile"].Ref, cs + "/v20240901:ManagedClusterAutoUpgradeProfile"},
		{"required arrays from the overlay", strings.Join(s.Types[cs+":ContainerServiceSshConfiguration"].Required, ","), "publicKeys"},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.what, c.got, c.want)
		}
	}
}
