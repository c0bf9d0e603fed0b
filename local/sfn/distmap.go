package sfnlocal

import (
	"context"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

type mapRun struct {
	arn string
}

func (r *runner) distributedMap(ctx context.Context, sr *stateRun, s *asl.MapState, input any) (any, *paths.Error) {
	return nil, runtimeErr("distributed map: not yet")
}

// ListMapRuns lists the Map Runs an execution started.
func (s *Service) ListMapRuns(_ context.Context, in ListMapRunsInput) (ListMapRunsOutput, error) {
	return ListMapRunsOutput{}, nil
}

// DescribeMapRun returns a Map Run's counters.
func (s *Service) DescribeMapRun(_ context.Context, in DescribeMapRunInput) (DescribeMapRunOutput, error) {
	return DescribeMapRunOutput{}, apiErr(codeResourceNotFound, "map run does not exist: %q", in.MapRunArn)
}
