// Command gen-sdk writes the provider's schema and generates the SDKs from it
// with pkg/v3's code generators (the same ones `pulumi package gen-sdk`
// drives through the language plugins), without a Pulumi CLI or language
// plugin:
//
//	go run ./cmd/gen-sdk -schema schema.json -out ../sdk
//
// It replaces <out>/nodejs, <out>/python and <out>/go/montecarlo entirely, so
// a file the generators no longer write does not linger. scripts/gen-sdks.sh
// runs it; CI runs it into a temporary directory and compares.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/blang/semver"

	p "github.com/pulumi/pulumi-go-provider"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/montecarlo-pipeline/montecarlo/provider/component"
)

const tool = "pulumi-gen-montecarlo"

func main() {
	schemaPath := flag.String("schema", "schema.json", "where to write the schema")
	out := flag.String("out", "../sdk", "the SDKs' root directory")
	flag.Parse()
	if err := run(*schemaPath, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string) error {
	prov, err := component.New()
	if err != nil {
		return err
	}
	spec, err := p.GetSchema(context.Background(), component.Name, component.Version, prov)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(schemaPath, append(raw, '\n'), 0o644); err != nil {
		return err
	}

	bind := func() (*schema.Package, error) {
		pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{})
		if err != nil {
			return nil, err
		}
		if diags.HasErrors() {
			return nil, diags
		}
		return pkg, nil
	}
	gens := []struct {
		dir string
		gen func(*schema.Package) (map[string][]byte, error)
	}{
		{"nodejs", func(pkg *schema.Package) (map[string][]byte, error) {
			return nodejs.GeneratePackage(tool, pkg, nil, nil, false, noPackages{})
		}},
		{"python", func(pkg *schema.Package) (map[string][]byte, error) {
			return python.GeneratePackage(tool, pkg, nil, noPackages{})
		}},
		{"go", func(pkg *schema.Package) (map[string][]byte, error) {
			return gogen.GeneratePackage(tool, pkg, nil)
		}},
	}
	for _, g := range gens {
		pkg, err := bind() // each generator decorates the package: bind anew
		if err != nil {
			return err
		}
		files, err := g.gen(pkg)
		if err != nil {
			return fmt.Errorf("%s: %w", g.dir, err)
		}
		dir := filepath.Join(out, g.dir)
		if g.dir == "go" {
			// sdk/go.mod and sdk/go.sum are not generated; the package is
			// replaced (the generator also writes sdk/go/.gitattributes).
			dir = filepath.Join(out, "go", component.Name)
		}
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		names := make([]string, 0, len(files))
		for name := range files {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			path := filepath.Join(out, g.dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, files[name], 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "gen-sdk: %s: %d files\n", g.dir, len(files))
	}
	return nil
}

// noPackages is the schema loader: the schema refers to no other package
// (the AWS resources are the component's children, not in its interface), so
// a reference to one is an error rather than a plugin download.
type noPackages struct{}

func (noPackages) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %s; gen-sdk loads none", pkg)
}

func (noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema refers to package %s; gen-sdk loads none", d.Name)
}

func (noPackages) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema refers to package %s; gen-sdk loads none", pkg)
}

func (noPackages) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("the schema refers to package %s; gen-sdk loads none", d.Name)
}
