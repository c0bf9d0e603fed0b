package ops_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/ops"
)

// TestStateMachinesReadEveryInputKindOurManifestsDescribe runs the real
// Generate and Simulate state machines on the local runtime (Step
// Functions emulator, local S3, in-process workers running these
// operations), then Simulate again over the same dataset through the S3
// Inventory manifest (ItemReader InputType MANIFEST, URL-encoded keys) and
// through a prefix (listObjectsV2). Every reader must give the same
// figures, each loan counted once.
func TestStateMachinesReadEveryInputKindOurManifestsDescribe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	rt, err := localrun.Start(ctx, localrun.Options{DataDir: t.TempDir(), ShardSize: 100, BatchSize: 100, Scenarios: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	res, err := rt.Run(ctx, localrun.Run{Loans: 450, Scenarios: 100, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.LoansProcessed != 450 || res.Batches != 5 {
		t.Fatalf("run = %+v, want 450 loans in 5 batches", res)
	}
	want := figures(t, res.ReportPath)

	sfnURL, _ := rt.Endpoints()
	client := activity.NewSFNClient(aws.Config{Region: localrun.Region, BaseEndpoint: aws.String(sfnURL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	for _, tc := range []struct {
		kind  string
		input map[string]any
	}{
		{workflow.InputKindInventory, map[string]any{"inventoryManifestKey": workflow.InventoryManifestKey(res.Dataset)}},
		{workflow.InputKindPrefix, map[string]any{"inputPrefix": workflow.DatasetPrefix(res.Dataset) + "loans/"}},
	} {
		tc.input["dataset"], tc.input["scenarios"], tc.input["seed"] = res.Dataset, 100, 3
		in, _ := json.Marshal(tc.input)
		name := "sim-" + tc.kind
		start, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(rt.StateMachineArn(workflow.WorkflowSimulate)),
			Name: aws.String(name), Input: aws.String(string(in))})
		if err != nil {
			t.Fatal(err)
		}
		desc := waitExecution(ctx, t, client, aws.ToString(start.ExecutionArn))
		if desc.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("%s: %s %s: %s", tc.kind, desc.Status, aws.ToString(desc.Error), aws.ToString(desc.Cause))
		}
		var agg workflow.AggregateOutput
		if err := json.Unmarshal([]byte(aws.ToString(desc.Output)), &agg); err != nil {
			t.Fatal(err)
		}
		if agg.Loans != 450 || agg.Batches != 5 || agg.RunID != name {
			t.Errorf("%s: aggregate = %+v, want 450 loans in 5 batches", tc.kind, agg)
		}
		if got := figures(t, filepath.Join(rt.DataDir(), localrun.Bucket, agg.ReportKey)); got != want {
			t.Errorf("%s: the report's figures differ from the CSV manifest run's", tc.kind)
		}
	}
}

// figures reads a report.json without its run section.
func figures(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r ops.RunReport
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(r.Report)
	return string(out)
}

// waitExecution polls DescribeExecution, as a client of the service does,
// until the execution ends.
func waitExecution(ctx context.Context, t *testing.T, c *sfn.Client, arn string) *sfn.DescribeExecutionOutput {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			return d
		}
		select {
		case <-ctx.Done():
			t.Fatal(fmt.Errorf("execution %s: %w", arn, ctx.Err()))
		case <-tick.C:
		}
	}
}
