package sfnlocal

import (
	"context"
	"sync"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

func (r *runner) parallel(ctx context.Context, sr *stateRun, s *asl.ParallelState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	if s.Parameters != nil {
		if eff, err = template(s.Parameters, eff, co); err != nil {
			return nil, err
		}
	}
	r.event("ParallelStateStarted", "", nil)
	results := make([]any, len(s.Branches))
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var once sync.Once
	var first *paths.Error
	for i, b := range s.Branches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, berr := r.runScope(bctx, b.States, b.StartAt, eff, sr.item, false)
			if berr != nil {
				once.Do(func() { first = berr; cancel() })
				return
			}
			results[i] = out
		}()
	}
	wg.Wait()
	if first != nil {
		if ctx.Err() == nil {
			r.event("ParallelStateFailed", "", nil)
		}
		return nil, first
	}
	r.event("ParallelStateSucceeded", "", nil)
	return r.finishResult(sr, s.ResultSelector, s.ResultPath, s.OutputPath, input, results)
}

// inlineMap runs the item processor over the items in the parent
// execution; at most 40 iterations run at once, as in the service.
func (r *runner) inlineMap(ctx context.Context, sr *stateRun, s *asl.MapState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	items, err := itemsFrom(s.ItemsPath, eff, co)
	if err != nil {
		return nil, err
	}
	limit, err := maxConcurrency(s, eff, co)
	if err != nil {
		return nil, err
	}
	if limit == 0 || limit > 40 {
		limit = 40
	}
	proc := s.Processor()
	r.event("MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(items)})
	results := make([]any, len(items))
	mctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
	var once sync.Once
	var first *paths.Error
	for i, it := range items {
		select {
		case sem <- struct{}{}:
		case <-mctx.Done():
		}
		if mctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			item := &mapItem{index: i, value: it}
			in, ierr := r.selectItem(sr, s, eff, item)
			if ierr == nil {
				details := map[string]any{"name": sr.name, "index": i}
				r.event("MapIterationStarted", "mapIterationStartedEventDetails", details)
				var out any
				out, ierr = r.runScope(mctx, proc.States, proc.StartAt, in, item, false)
				if ierr == nil {
					results[i] = out
					r.event("MapIterationSucceeded", "mapIterationSucceededEventDetails", details)
					return
				}
				if mctx.Err() == nil {
					r.event("MapIterationFailed", "mapIterationFailedEventDetails", details)
				}
			}
			once.Do(func() { first = ierr; cancel() })
		}()
	}
	wg.Wait()
	if first != nil {
		if ctx.Err() == nil {
			r.event("MapStateFailed", "", nil)
		}
		return nil, first
	}
	if ctx.Err() != nil {
		return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
	}
	r.event("MapStateSucceeded", "", nil)
	return r.finishResult(sr, s.ResultSelector, s.ResultPath, s.OutputPath, input, results)
}
