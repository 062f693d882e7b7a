// Command genschema writes the two files that the provider embeds,
// schema-embed.json and terraform-mapping-embed.json, into OUT_DIR. It does
// what provider/v4/cmd/pulumi-resource-kubernetes/generate.go does: it reads
// schema.json and terraform-mapping.json from the provider module's
// cmd/pulumi-resource-kubernetes directory (generated upstream from the
// Kubernetes OpenAPI spec by pulumi-gen-kubernetes and shipped in the module
// zip), stamps the package version into the schema and re-serializes both
// compactly.
//
// Usage: genschema VERSION PROVIDER_MODULE_DIR OUT_DIR
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: genschema VERSION PROVIDER_MODULE_DIR OUT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "genschema:", err)
		os.Exit(1)
	}
}

func run(version, moduleDir, outDir string) error {
	src := filepath.Join(moduleDir, "cmd", "pulumi-resource-kubernetes")

	raw, err := os.ReadFile(filepath.Join(src, "schema.json"))
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("cannot deserialize schema: %w", err)
	}
	if spec.Name != "kubernetes" || len(spec.Resources) == 0 {
		return fmt.Errorf("unexpected schema: name %q, %d resources", spec.Name, len(spec.Resources))
	}
	spec.Version = version
	out, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("cannot reserialize schema: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "schema-embed.json"), out, 0o644); err != nil {
		return err
	}

	raw, err = os.ReadFile(filepath.Join(src, "terraform-mapping.json"))
	if err != nil {
		return err
	}
	var mapping any
	if err := json.Unmarshal(raw, &mapping); err != nil {
		return fmt.Errorf("cannot deserialize terraform mapping: %w", err)
	}
	out, err = json.Marshal(mapping)
	if err != nil {
		return fmt.Errorf("cannot reserialize terraform mapping: %w", err)
	}
	if err := os.WriteFile(filepath.Join(outDir, "terraform-mapping-embed.json"), out, 0o644); err != nil {
		return err
	}
	fmt.Printf("genschema: %d resources, version %s -> %s\n", len(spec.Resources), version, outDir)
	return nil
}
