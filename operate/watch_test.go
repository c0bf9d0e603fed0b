package operate

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

func TestPollComputesTheRateAndETAFromTheLatestMapRun(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 21, 20, 0, 0, 0, time.UTC)
	now := start.Add(100 * time.Second)
	f := &fakeSFN{
		describe: &sfn.DescribeExecutionOutput{Name: aws.String("sim"), Status: types.ExecutionStatusRunning},
		mapRuns: &sfn.ListMapRunsOutput{MapRuns: []types.MapRunListItem{
			{MapRunArn: aws.String("old"), StartDate: aws.Time(start.Add(-time.Hour))},
			{MapRunArn: aws.String("new"), StartDate: aws.Time(start)},
		}},
		mapRun: &sfn.DescribeMapRunOutput{MapRunArn: aws.String("new"), Status: types.MapRunStatusRunning, StartDate: aws.Time(start),
			ItemCounts: &types.MapRunItemCounts{Succeeded: 180, Failed: 10, TimedOut: 5, Aborted: 5, Running: 40, Pending: 760, Total: 1000}},
	}
	w := &Watcher{SFN: f, Now: func() time.Time { return now }}
	p, err := w.Poll(context.Background(), "arn")
	if err != nil {
		t.Fatal(err)
	}
	// 200 items done (180 + 10 + 5 + 5) in 100 s: 2 per second; 800 left: 400 s.
	if p.MapRunArn != "new" || p.Succeeded != 180 || p.Failed != 20 || p.Running != 40 || p.Pending != 760 || p.Total != 1000 {
		t.Errorf("counts = %+v", p)
	}
	if p.ItemsPerSecond != 2 || p.ETA != 400*time.Second || p.ETASeconds != 400 {
		t.Errorf("rate %g, ETA %v (%g s); want 2 items/s, 400 s", p.ItemsPerSecond, p.ETA, p.ETASeconds)
	}
	if p.Done() {
		t.Error("a RUNNING execution is done")
	}

	// After a redrive the rate counts from the first look at it: the
	// items done before say nothing of the redriven run's pace.
	f.mapRun.RedriveDate = aws.Time(now)
	p, _ = w.Poll(context.Background(), "arn")
	if p.ItemsPerSecond != 0 || p.ETA != 0 {
		t.Errorf("first look after a redrive: rate %g, ETA %v; want none yet", p.ItemsPerSecond, p.ETA)
	}
	now = now.Add(10 * time.Second)
	f.mapRun.ItemCounts.Succeeded += 30
	f.mapRun.ItemCounts.Pending -= 30
	p, _ = w.Poll(context.Background(), "arn")
	if p.ItemsPerSecond != 3 || p.ETA != 770*time.Second/3 {
		t.Errorf("rate %g, ETA %v; want 30 items in 10 s, 770 left", p.ItemsPerSecond, p.ETA)
	}
	// A stopped Map Run has no ETA.
	f.mapRun.StopDate = aws.Time(now)
	if p, _ = w.Poll(context.Background(), "arn"); p.ETA != 0 {
		t.Errorf("stopped Map Run: ETA %v", p.ETA)
	}
}

func TestWatchReturnsTheFailureWithItsCause(t *testing.T) {
	t.Parallel()
	f := &fakeSFN{
		describe: &sfn.DescribeExecutionOutput{Name: aws.String("sim"), Status: types.ExecutionStatusFailed,
			Error: aws.String("Aggregate.Mismatch"), Cause: aws.String("3 loans counted twice")},
		mapRuns: &sfn.ListMapRunsOutput{},
	}
	var seen int
	p, err := (&Watcher{SFN: f, Interval: time.Millisecond}).Watch(context.Background(), "arn", func(Progress) { seen++ })
	if err == nil || err.Error() != "execution did not succeed: sim FAILED\n  error: Aggregate.Mismatch\n  cause: 3 loans counted twice" || !p.Done() || p.OK() || seen != 1 {
		t.Errorf("Watch = %+v, %v (%d reports)", p, err, seen)
	}
}
