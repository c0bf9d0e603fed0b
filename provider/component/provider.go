// Package component serves the MonteCarloPipeline component
// (components.NewMonteCarloPipeline, unchanged) over the Pulumi provider
// protocol, so programs in any Pulumi language can embed it through a
// generated SDK (sdk/ at the repository root, docs/languages.md).
//
// The inputs are the component's MonteCarloPipelineArgs under the names of
// the stack config keys (program.ConfigKeys), described with the same words;
// the outputs are the component's own struct, so nothing is copied or
// renamed on the way out.
package component

import (
	"context"
	"encoding/json"
	"fmt"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/common/tokens"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components"
)

// Name is the package name (the plugin is pulumi-resource-<Name>).
const Name = "montecarlo"

// Version is the provider's version; the SDKs are generated for it.
const Version = "0.1.0"

// Repository is where `pulumi package add` finds the provider's source.
const Repository = "https://github.com/montecarlo-pipeline/montecarlo"

// New returns the provider: infer.ComponentF over Construct, with the
// package metadata every generated SDK needs, and the descriptions of the
// component's outputs added to the schema (they are fields of
// components.MonteCarloPipeline, which the provider does not annotate).
func New() (p.Provider, error) {
	prov, err := infer.NewProviderBuilder().
		WithComponents(infer.ComponentF(Construct)).
		// montecarlo:index:MonteCarloPipeline (components.TypeToken) and
		// montecarlo:index:RetryPolicy, not the Go packages' names.
		WithModuleMap(map[tokens.ModuleName]tokens.ModuleName{"components": "index", "component": "index"}).
		WithDisplayName("Monte Carlo pipeline").
		WithDescription("The MonteCarloPipeline component: a Monte Carlo loan-default simulation on AWS Step Functions and Fargate Spot.").
		WithKeywords("aws", "montecarlo", "category/cloud", "kind/component").
		WithHomepage(Repository).
		WithRepository(Repository).
		WithPublisher("montecarlo-pipeline").
		WithLicense("Apache-2.0").
		WithLanguageMap(languageMap()).
		Build()
	if err != nil {
		return p.Provider{}, err
	}
	getSchema := prov.GetSchema
	prov.GetSchema = func(ctx context.Context, req p.GetSchemaRequest) (p.GetSchemaResponse, error) {
		resp, err := getSchema(ctx, req)
		if err != nil {
			return resp, err
		}
		resp.Schema, err = describeOutputs(resp.Schema)
		return resp, err
	}
	return prov, nil
}

// languageMap names the package in each ecosystem: @montecarlo-pipeline/montecarlo
// on npm, montecarlo_pipeline on PyPI (the import is pulumi_montecarlo, the
// Pulumi convention), and a Go package inside this repository's module tree.
func languageMap() map[string]any {
	return map[string]any{
		"nodejs": map[string]any{
			"packageName":          "@montecarlo-pipeline/montecarlo",
			"respectSchemaVersion": true,
		},
		"python": map[string]any{
			"packageName":          "pulumi_montecarlo",
			"respectSchemaVersion": true,
			"pyproject":            map[string]any{"enabled": true},
		},
		"go": map[string]any{
			"importBasePath":                 "github.com/montecarlo-pipeline/montecarlo/sdk/go/montecarlo",
			"generateResourceContainerTypes": true,
			"respectSchemaVersion":           true,
		},
	}
}

// Construct is the component as the provider hosts it: the inputs become
// MonteCarloPipelineArgs and components.NewMonteCarloPipeline does the rest,
// including validation, whose errors go back to the calling program as they
// are (they name the argument, e.g. `WorkerCount`).
func Construct(ctx *pulumi.Context, name string, args Args, opts ...pulumi.ResourceOption) (*components.MonteCarloPipeline, error) {
	return components.NewMonteCarloPipeline(ctx, name, args.ToComponent(), opts...)
}

// describeOutputs sets each output property's description of the component
// resource from OutputDescriptions.
func describeOutputs(raw string) (string, error) {
	var spec map[string]any
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		return "", err
	}
	resources, _ := spec["resources"].(map[string]any)
	r, ok := resources[components.TypeToken].(map[string]any)
	if !ok {
		return "", fmt.Errorf("schema has no %s", components.TypeToken)
	}
	props, _ := r["properties"].(map[string]any)
	for name, prop := range props {
		d, ok := OutputDescriptions[name]
		if !ok {
			return "", fmt.Errorf("output %s has no description in OutputDescriptions", name)
		}
		prop.(map[string]any)["description"] = d
	}
	r["description"] = ComponentDescription
	b, err := json.Marshal(spec)
	return string(b), err
}
