package operate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// Progress is one look at an execution: its status and, once its
// Distributed Map has started, the Map Run's item counts. Items are what
// the Map reads (loan objects, or shards for Generate), not batches.
type Progress struct {
	Time         time.Time `json:"time"`
	ExecutionArn string    `json:"executionArn"`
	Name         string    `json:"name"`
	Status       string    `json:"status"`
	MapRunArn    string    `json:"mapRunArn,omitempty"`
	MapRunStatus string    `json:"mapRunStatus,omitempty"`
	Succeeded    int64     `json:"succeeded"`
	Failed       int64     `json:"failed"` // failed, timed out and aborted
	Running      int64     `json:"running"`
	Pending      int64     `json:"pending"`
	Total        int64     `json:"total"`
	// ItemsPerSecond is the Map Run's mean rate since it started; ETA is
	// the time left at that rate (0 when unknown or done).
	ItemsPerSecond float64       `json:"itemsPerSecond"`
	ETA            time.Duration `json:"-"`
	ETASeconds     float64       `json:"etaSeconds"`
	RedriveCount   int32         `json:"redriveCount,omitempty"`
	Error          string        `json:"error,omitempty"`
	Cause          string        `json:"cause,omitempty"`
	// BatchError and BatchCause are those of a failed child execution (a
	// batch) of the Map Run, once the execution has failed: the Map's own
	// error only says that too many items failed.
	BatchError     string `json:"batchError,omitempty"`
	BatchCause     string `json:"batchCause,omitempty"`
	BatchExecution string `json:"batchExecutionArn,omitempty"`
	Output         string `json:"output,omitempty"`
}

// Done reports whether the execution has ended.
func (p Progress) Done() bool {
	return p.Status != string(types.ExecutionStatusRunning) && p.Status != ""
}

// OK reports whether the execution ended successfully.
func (p Progress) OK() bool { return p.Status == string(types.ExecutionStatusSucceeded) }

// ErrExecutionFailed is wrapped by Watch's error when the execution ends
// other than SUCCEEDED.
var ErrExecutionFailed = errors.New("execution did not succeed")

// Watcher polls an execution; one goroutine at a time.
type Watcher struct {
	SFN SFNAPI
	// Interval between polls; 0 means 5 s.
	Interval time.Duration
	// Now is the clock for rates; nil means time.Now.
	Now func() time.Time

	// first is the first look at a redriven Map Run: its rate counts from
	// there, as the items done before the redrive say nothing of it.
	first struct {
		mapRun string
		at     time.Time
		done   int64
	}
}

// Poll looks at the execution once.
func (w *Watcher) Poll(ctx context.Context, executionArn string) (Progress, error) {
	now := time.Now
	if w.Now != nil {
		now = w.Now
	}
	d, err := w.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionArn)})
	if err != nil {
		return Progress{}, fmt.Errorf("describe execution: %w", Explain(err, executionArn))
	}
	p := Progress{
		Time: now(), ExecutionArn: executionArn, Name: aws.ToString(d.Name), Status: string(d.Status),
		Error: aws.ToString(d.Error), Cause: aws.ToString(d.Cause), Output: aws.ToString(d.Output),
		RedriveCount: aws.ToInt32(d.RedriveCount),
	}
	runs, err := w.SFN.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(executionArn)})
	if err != nil {
		return Progress{}, fmt.Errorf("list map runs: %w", Explain(err, executionArn))
	}
	if len(runs.MapRuns) == 0 {
		return p, nil
	}
	// The latest Map Run is the one at work (a redrive reuses its Map Run).
	latest := slices.MaxFunc(runs.MapRuns, func(a, b types.MapRunListItem) int {
		return aws.ToTime(a.StartDate).Compare(aws.ToTime(b.StartDate))
	})
	mr, err := w.SFN.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: latest.MapRunArn})
	if err != nil {
		return Progress{}, fmt.Errorf("describe map run: %w", Explain(err, aws.ToString(latest.MapRunArn)))
	}
	p.MapRunArn, p.MapRunStatus = aws.ToString(mr.MapRunArn), string(mr.Status)
	if c := mr.ItemCounts; c != nil {
		p.Succeeded, p.Running, p.Pending, p.Total = c.Succeeded, c.Running, c.Pending, c.Total
		p.Failed = c.Failed + c.TimedOut + c.Aborted
	}
	done := p.Succeeded + p.Failed
	start, end, base := aws.ToTime(mr.StartDate), p.Time, int64(0)
	if mr.RedriveDate != nil {
		if w.first.mapRun != p.MapRunArn {
			w.first.mapRun, w.first.at, w.first.done = p.MapRunArn, p.Time, done
		}
		start, base = w.first.at, w.first.done
	}
	if mr.StopDate != nil {
		end = aws.ToTime(mr.StopDate)
	}
	if el := end.Sub(start).Seconds(); el > 0 && done >= base {
		p.ItemsPerSecond = float64(done-base) / el
	}
	if left := p.Total - p.Succeeded - p.Failed; left > 0 && p.ItemsPerSecond > 0 && mr.StopDate == nil {
		p.ETA = time.Duration(float64(left) / p.ItemsPerSecond * float64(time.Second))
		p.ETASeconds = p.ETA.Seconds()
	}
	if p.Done() && !p.OK() && p.Failed > 0 {
		if err := w.batchFailure(ctx, &p); err != nil {
			return Progress{}, err
		}
	}
	return p, nil
}

// batchFailure sets the error and cause of one failed child execution of
// the Map Run (the first listed that has an error).
func (w *Watcher) batchFailure(ctx context.Context, p *Progress) error {
	for _, status := range []types.ExecutionStatus{types.ExecutionStatusFailed, types.ExecutionStatusTimedOut} {
		l, err := w.SFN.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: aws.String(p.MapRunArn), StatusFilter: status, MaxResults: 10})
		if err != nil {
			return fmt.Errorf("list failed batches: %w", Explain(err, p.MapRunArn))
		}
		for _, e := range l.Executions {
			d, err := w.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: e.ExecutionArn})
			if err != nil {
				return fmt.Errorf("describe failed batch: %w", Explain(err, aws.ToString(e.ExecutionArn)))
			}
			if aws.ToString(d.Error) != "" || aws.ToString(d.Cause) != "" {
				p.BatchExecution, p.BatchError, p.BatchCause = aws.ToString(e.ExecutionArn), aws.ToString(d.Error), aws.ToString(d.Cause)
				return nil
			}
		}
	}
	return nil
}

// Watch polls the execution every Interval, calling report with each look,
// until it ends. It returns the last look, and an error wrapping
// ErrExecutionFailed, with the execution's error and cause, unless it
// SUCCEEDED.
func (w *Watcher) Watch(ctx context.Context, executionArn string, report func(Progress)) (Progress, error) {
	interval := w.Interval
	if interval <= 0 {
		interval = 5 * time.Second
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		p, err := w.Poll(ctx, executionArn)
		if err != nil {
			return p, err
		}
		if report != nil {
			report(p)
		}
		if p.Done() {
			if !p.OK() {
				msg := fmt.Sprintf("%s %s\n  error: %s\n  cause: %s", p.Name, p.Status, p.Error, p.Cause)
				if p.BatchError != "" || p.BatchCause != "" {
					msg += fmt.Sprintf("\n  failed batch: %s\n  batch error: %s\n  batch cause: %s", p.BatchExecution, p.BatchError, p.BatchCause)
				}
				return p, fmt.Errorf("%w: %s", ErrExecutionFailed, msg)
			}
			return p, nil
		}
		select {
		case <-ctx.Done():
			return p, ctx.Err()
		case <-tick.C:
		}
	}
}
