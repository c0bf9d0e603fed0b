// Command montecarlo-pipeline is the Pulumi program of this repository:
// `pulumi up` in the repository root reads the stack's `montecarlo:*`
// configuration, deploys one MonteCarloPipeline and exports its outputs.
// The program itself is package program (shared with the engine tests);
// Pulumi.yaml and README.md ("Configuration") document every key.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/program"
)

func main() {
	pulumi.Run(program.Run)
}
