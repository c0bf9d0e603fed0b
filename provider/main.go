// Command pulumi-resource-montecarlo is the Pulumi plugin that serves the
// MonteCarloPipeline component (package component) to programs in any
// language.
package main

import (
	"context"
	"fmt"
	"os"

	p "github.com/pulumi/pulumi-go-provider"

	"github.com/montecarlo-pipeline/montecarlo/provider/component"
)

func main() {
	prov, err := component.New()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := p.RunProvider(context.Background(), component.Name, component.Version, prov); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
