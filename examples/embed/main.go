// Command embed is a Pulumi program of another team that embeds the
// MonteCarloPipeline component in its own stack: it imports the Go package,
// chooses its own names and sizes in code, reads the loans from a bucket it
// already owns, and re-exports the outputs its other stacks need.
//
//	cd examples/embed
//	pulumi stack init risk-dev
//	pulumi config set aws:region eu-west-1
//	pulumi config set loansBucket my-bank-loans   # optional
//	pulumi up
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		args := &components.MonteCarloPipelineArgs{
			// Fixed names must differ per stack in one account and region.
			NamePrefix: "risk-" + ctx.Stack(),
			// The worker's Dockerfile is at the root of the montecarlo
			// repository; build from there (paths are relative to this
			// program's directory).
			BuildContext: "../..",
			WorkerCount:  4,
			TaskCPU:      2048,
			TaskMemory:   4096,
			// Keep one on-demand worker so a Spot reclaim never stalls a run.
			OnDemandBase:     1,
			LogRetentionDays: 90,
			Defaults: workflow.RunDefaults{
				Scenarios:  10000,
				TargetRate: 0.08,
			},
			Tags: map[string]string{"team": "risk", "stack": ctx.Stack()},
		}
		if bucket, err := cfg.Try("loansBucket"); err == nil {
			args.InputBucketName = pulumi.String(bucket)
		}
		mc, err := components.NewMonteCarloPipeline(ctx, "risk", args)
		if err != nil {
			return err
		}
		ctx.Export("simulateStateMachineArn", mc.SimulateStateMachineArn)
		ctx.Export("generateStateMachineArn", mc.GenerateStateMachineArn)
		ctx.Export("dataBucketName", mc.DataBucketName)
		ctx.Export("serviceName", mc.ServiceName)
		return nil
	})
}
