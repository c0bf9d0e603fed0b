package sfnlocal

import (
	"context"
	"math"
	"math/rand/v2"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// errorMatches applies ErrorEquals to an error name. States.ALL matches
// everything except the terminal States.Runtime and States.DataLimitExceeded;
// States.TaskFailed matches everything except timeouts; States.Timeout also
// matches States.HeartbeatTimeout, which is a kind of task timeout
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func errorMatches(equals []string, name string) bool {
	if name == errNameRuntime || name == errNameAborted {
		return false // never retried or caught
	}
	terminal := name == errNameDataLimitExceeded
	for _, e := range equals {
		switch {
		case e == name:
			return true
		case terminal:
		case e == errNameAll:
			return true
		case e == errNameTaskFailed && name != errNameTimeout && name != errNameHeartbeatTimeout:
			return true
		case e == errNameTimeout && name == errNameHeartbeatTimeout:
			return true
		}
	}
	return false
}

// retryDelay is IntervalSeconds x BackoffRate^attempt, capped by
// MaxDelaySeconds, drawn uniformly from [0, delay] with JitterStrategy FULL.
func retryDelay(rt asl.Retrier, attempt int) float64 {
	d := float64(rt.Interval()) * math.Pow(rt.Backoff(), float64(attempt))
	if rt.MaxDelaySeconds != nil && d > float64(*rt.MaxDelaySeconds) {
		d = float64(*rt.MaxDelaySeconds)
	}
	if rt.Jitter() == asl.JitterFull {
		d = rand.Float64() * d
	}
	return d
}

// withErrorHandling runs attempt, retrying per Retry and, if the error
// persists, transitioning per Catch with the error output at the catcher's
// ResultPath
// (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html).
func (r *runner) withErrorHandling(ctx context.Context, sr *stateRun, retriers []asl.Retrier, catchers []asl.Catcher, input any, next string, attempt func(context.Context) (any, *paths.Error)) (any, string, *paths.Error) {
	// A retrier's count covers every error it matches during one visit to
	// the state: MaxAttempts bounds it and it is the backoff exponent. The
	// developer guide's "complex retry scenario" retries ErrorA, ErrorB and
	// ErrorC with waits of 1, 2 and 5 s and catches the second ErrorB, as
	// the first retrier's two attempts are spent ("A retrier's parameters
	// apply across all visits to the retrier in the context of a
	// single-state execution").
	counts := make([]int, len(retriers))
	for {
		out, serr := attempt(ctx)
		if serr == nil {
			return out, next, nil
		}
		if ctx.Err() != nil {
			return nil, "", &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
		}
		retried := false
		for i, rt := range retriers {
			if !errorMatches(rt.ErrorEquals, serr.Name) {
				continue
			}
			if counts[i] < rt.Attempts() {
				delay := retryDelay(rt, counts[i])
				counts[i]++
				sr.retryCount++
				if err := sleep(ctx, r.s.seconds(delay)); err != nil {
					return nil, "", &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
				}
				retried = true
			}
			break // the first matching retrier decides
		}
		if retried {
			continue
		}
		for _, c := range catchers {
			if !errorMatches(c.ErrorEquals, serr.Name) {
				continue
			}
			errOut := map[string]any{"Error": serr.Name, "Cause": serr.Cause}
			out, perr := resultPath(c.ResultPath, input, errOut)
			if perr != nil {
				return nil, "", perr
			}
			return out, c.Next, nil
		}
		return nil, "", serr
	}
}
