package sfnlocal

import (
	"context"
	"slices"
	"strings"
)

// counts computes itemCounts and executionCounts from the children.
func (m *mapRun) counts() (items, execs MapRunCounts) {
	m.mu.Lock()
	children := append([]*execution(nil), m.children...)
	sizes := m.batchSizes
	items.ResultsWritten, execs.ResultsWritten = m.resultsWritten[1], m.resultsWritten[0]
	m.mu.Unlock()
	for i, ch := range children {
		n := int64(sizes[i])
		items.Total += n
		execs.Total++
		status := ""
		if ch != nil {
			status = ch.snapshotStatus()
		}
		switch status {
		case "":
			items.Pending += n
			execs.Pending++
		case StatusRunning:
			items.Running += n
			execs.Running++
		case StatusSucceeded:
			items.Succeeded += n
			execs.Succeeded++
		case StatusFailed:
			items.Failed += n
			execs.Failed++
		case StatusTimedOut:
			items.TimedOut += n
			execs.TimedOut++
		case StatusAborted:
			items.Aborted += n
			execs.Aborted++
		}
	}
	return items, execs
}

// ListMapRuns lists the Map Runs an execution started.
func (s *Service) ListMapRuns(_ context.Context, in ListMapRunsInput) (ListMapRunsOutput, error) {
	ex, err := s.execution(in.ExecutionArn)
	if err != nil {
		return ListMapRunsOutput{}, err
	}
	s.mu.Lock()
	var runs []*mapRun
	for _, mr := range s.mapRuns {
		if mr.executionArn == ex.arn {
			runs = append(runs, mr)
		}
	}
	s.mu.Unlock()
	items := make([]MapRunListItem, 0, len(runs))
	for _, mr := range runs {
		mr.mu.Lock()
		items = append(items, MapRunListItem{
			ExecutionArn: mr.executionArn, MapRunArn: mr.arn, StateMachineArn: mr.childSmArn,
			StartDate: EpochTime(mr.start), StopDate: epochPtr(mr.stop),
		})
		mr.mu.Unlock()
	}
	sortByStart(items)
	out, next, err := page(items, in.MaxResults, in.NextToken)
	return ListMapRunsOutput{MapRuns: out, NextToken: next}, err
}

func sortByStart(items []MapRunListItem) {
	slices.SortStableFunc(items, func(a, b MapRunListItem) int { return a.StartDate.Time().Compare(b.StartDate.Time()) })
}

// DescribeMapRun returns a Map Run's status and item and execution counts.
func (s *Service) DescribeMapRun(_ context.Context, in DescribeMapRunInput) (DescribeMapRunOutput, error) {
	s.mu.Lock()
	mr, ok := s.mapRuns[in.MapRunArn]
	s.mu.Unlock()
	if !ok {
		if !strings.Contains(in.MapRunArn, ":mapRun:") {
			return DescribeMapRunOutput{}, apiErr(codeInvalidArn, "invalid map run ARN %q", in.MapRunArn)
		}
		return DescribeMapRunOutput{}, apiErr(codeResourceNotFound, "map run does not exist: %q", in.MapRunArn)
	}
	items, execs := mr.counts()
	mr.mu.Lock()
	defer mr.mu.Unlock()
	out := DescribeMapRunOutput{
		MapRunArn: mr.arn, ExecutionArn: mr.executionArn, Status: mr.status,
		StartDate: EpochTime(mr.start), StopDate: epochPtr(mr.stop), MaxConcurrency: mr.maxConcurrency,
		ItemCounts: items, ExecutionCounts: execs, RedriveCount: mr.redriveCount, RedriveDate: epochPtr(mr.redriveDate),
	}
	if mr.tolPct > 0 {
		out.ToleratedFailurePercentage = mr.tolPct
	}
	if mr.tolCount > 0 {
		out.ToleratedFailureCount = mr.tolCount
	}
	return out, nil
}
