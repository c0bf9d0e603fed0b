package sfnlocal

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// Map Run statuses.
const (
	mapRunRunning   = "RUNNING"
	mapRunSucceeded = "SUCCEEDED"
	mapRunFailed    = "FAILED"
	mapRunAborted   = "ABORTED"
)

// mapRun is one run of a Distributed Map state: its child executions, one
// per item or batch, and their counters.
type mapRun struct {
	arn, id      string
	executionArn string
	childSmArn   string
	childSmName  string
	proc         *asl.StateMachine // the ItemProcessor, run by each child
	// express is true for EXPRESS children, which time out after
	// expressMaxDuration (modelled time), retries included.
	express        bool
	start          time.Time
	maxConcurrency int
	tolPct         float64
	tolCount       int64

	mu             sync.Mutex
	stop           time.Time
	status         string
	batches        []any // child inputs, by batch
	batchSizes     []int // items per batch
	children       []*execution
	resultsWritten [2]int64 // executions, items
	redriveCount   int
	redriveDate    time.Time
}

func (m *mapRun) child(i int) *execution {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.children[i]
}

// distributedMap runs a Map state in DISTRIBUTED mode: items from the
// ItemReader (or ItemsPath), ItemSelector per item, ItemBatcher, one child
// execution per batch with at most MaxConcurrency running, the tolerated
// failure threshold, and ResultWriter
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html).
//
// On a redrive of the parent, the Map Run of the same state is reused:
// children that succeeded keep their output, the others are redriven and
// never-started batches start, as RedriveExecution documents for Map Runs.
func (r *runner) distributedMap(ctx context.Context, sr *stateRun, s *asl.MapState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	limit, err := maxConcurrency(s, eff, co)
	if err != nil {
		return nil, err
	}
	if limit == 0 || limit > asl.MaxDistributedConcurrency {
		limit = asl.MaxDistributedConcurrency
	}
	tolPct, tolCount, err := tolerance(s, eff, co)
	if err != nil {
		return nil, err
	}

	r.ex.mu.Lock()
	mr := r.ex.mapRuns[sr.name]
	redrive := r.ex.redrives
	r.ex.mu.Unlock()
	reuse := false
	if redrive && mr != nil {
		mr.mu.Lock()
		if reuse = mr.status != mapRunSucceeded; reuse {
			mr.status = mapRunRunning
			mr.stop = time.Time{}
			mr.redriveCount++
			mr.redriveDate = r.s.now()
		}
		n := mr.redriveCount
		mr.mu.Unlock()
		if reuse {
			r.event("MapRunRedriven", "mapRunRedrivenEventDetails", map[string]any{"mapRunArn": mr.arn, "redriveCount": n})
		}
	}
	if !reuse { // a redriven Map Run keeps its batches; only unsuccessful children run
		var items []any
		if s.ItemReader != nil {
			items, err = r.readItems(ctx, s.ItemReader, eff, co)
		} else {
			items, err = itemsFrom(s.ItemsPath, eff, co)
		}
		if err != nil {
			return nil, err
		}
		selected := make([]any, len(items))
		for i, it := range items {
			if selected[i], err = r.selectItem(sr, s, eff, &mapItem{index: i, value: it}); err != nil {
				return nil, err
			}
		}
		batches, sizes, err := batchItems(s.ItemBatcher, selected, eff, co)
		if err != nil {
			return nil, err
		}
		mr = r.newMapRun(sr.name, s, batches, sizes, limit, tolPct, tolCount)
		r.event("MapStateStarted", "mapStateStartedEventDetails", map[string]any{"length": len(items)})
		r.event("MapRunStarted", "mapRunStartedEventDetails", map[string]any{"mapRunArn": mr.arn})
	}

	serr := r.runChildren(ctx, mr, limit)
	if ctx.Err() != nil {
		r.endMapRun(mr, mapRunAborted)
		r.event("MapRunAborted", "", nil)
		return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
	}
	var output any
	var werr *paths.Error
	if s.ResultWriter != nil && s.ResultWriter.Resource != "" {
		output, werr = r.writeResults(ctx, mr, s.ResultWriter, eff, co)
	} else {
		output = r.collectResults(mr, s.ResultWriter)
	}
	switch {
	case serr != nil:
		r.endMapRun(mr, mapRunFailed)
		r.event("MapRunFailed", "mapRunFailedEventDetails", map[string]any{"error": serr.Name, "cause": serr.Cause})
		r.event("MapStateFailed", "", nil)
		return nil, serr
	case werr != nil:
		r.endMapRun(mr, mapRunFailed)
		r.event("MapRunFailed", "mapRunFailedEventDetails", map[string]any{"error": werr.Name, "cause": werr.Cause})
		r.event("MapStateFailed", "", nil)
		return nil, werr
	}
	r.endMapRun(mr, mapRunSucceeded)
	r.event("MapRunSucceeded", "", nil)
	r.event("MapStateSucceeded", "", nil)
	return r.finishResult(sr, s.ResultSelector, s.ResultPath, s.OutputPath, input, output)
}

func (r *runner) endMapRun(mr *mapRun, status string) {
	mr.mu.Lock()
	mr.status = status
	mr.stop = r.s.now()
	mr.mu.Unlock()
}

func tolerance(s *asl.MapState, eff, co any) (float64, int64, *paths.Error) {
	pct := -1.0
	if s.ToleratedFailurePercentage != nil {
		pct = *s.ToleratedFailurePercentage
	} else if s.ToleratedFailurePercentagePath != "" {
		v, err := paths.Get(s.ToleratedFailurePercentagePath, eff, co)
		if err != nil {
			return 0, 0, paths.AsError(err)
		}
		f, ok := paths.Number(v)
		if !ok || f < 0 || f > 100 {
			return 0, 0, runtimeErr("ToleratedFailurePercentagePath %s must select a number from 0 to 100, got %s", s.ToleratedFailurePercentagePath, paths.MustMarshal(v))
		}
		pct = f
	}
	count := int64(-1)
	n, set, err := intField("ToleratedFailureCount", s.ToleratedFailureCount, s.ToleratedFailureCountPath, eff, co)
	if err != nil {
		return 0, 0, err
	}
	if set {
		count = int64(n)
	}
	return pct, count, nil
}

func (r *runner) newMapRun(stateName string, s *asl.MapState, batches []any, sizes []int, limit int, pct float64, count int64) *mapRun {
	label := s.Label
	if label == "" {
		label = stateName
	}
	id := uuid.NewString()
	childSmName := r.ex.smName + "/" + label
	proc := s.Processor()
	mr := &mapRun{
		proc: &asl.StateMachine{StartAt: proc.StartAt, States: proc.States},
		arn:  r.s.arn("mapRun", childSmName+":"+id), id: id, executionArn: r.ex.arn,
		childSmArn: r.s.arn("stateMachine", childSmName), childSmName: childSmName,
		start: r.s.now(), maxConcurrency: limit, tolPct: pct, tolCount: count,
		status: mapRunRunning, batches: batches, batchSizes: sizes, children: make([]*execution, len(batches)),
		express: s.ExecutionType() == asl.ExecutionExpress,
	}
	r.s.mu.Lock()
	r.s.mapRuns[mr.arn] = mr
	r.s.mu.Unlock()
	r.ex.mu.Lock()
	if r.ex.mapRuns == nil {
		r.ex.mapRuns = map[string]*mapRun{}
	}
	r.ex.mapRuns[stateName] = mr
	r.ex.mu.Unlock()
	return mr
}

// batchItems groups items per the ItemBatcher: each child gets
// {"Items": [...], "BatchInput": ...} with at most MaxItemsPerBatch items
// and at most MaxInputBytesPerBatch bytes of input
// (https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itembatcher.html).
// Without a batcher each item is a child's whole input.
func batchItems(b *asl.ItemBatcher, items []any, eff, co any) ([]any, []int, *paths.Error) {
	if b == nil {
		sizes := make([]int, len(items))
		for i := range sizes {
			sizes[i] = 1
		}
		return items, sizes, nil
	}
	maxItems, _, err := intField("MaxItemsPerBatch", b.MaxItemsPerBatch, b.MaxItemsPerBatchPath, eff, co)
	if err != nil {
		return nil, nil, err
	}
	maxBytes, _, err := intField("MaxInputBytesPerBatch", b.MaxInputBytesPerBatch, b.MaxInputBytesPerBatchPath, eff, co)
	if err != nil {
		return nil, nil, err
	}
	if maxBytes <= 0 || maxBytes > asl.MaxPayloadBytes {
		maxBytes = asl.MaxPayloadBytes
	}
	var batchInput any
	if b.BatchInput != nil {
		if batchInput, err = template(b.BatchInput, eff, co); err != nil {
			return nil, nil, err
		}
	}
	wrap := func(cur []any) any {
		m := map[string]any{"Items": cur}
		if batchInput != nil {
			m["BatchInput"] = batchInput
		}
		return m
	}
	base := len(paths.MustMarshal(wrap([]any{})))
	var batches []any
	var sizes []int
	var cur []any
	curBytes := base
	for _, it := range items {
		n := len(paths.MustMarshal(it)) + 1
		if base+n > maxBytes {
			return nil, nil, runtimeErr("an item of %d bytes does not fit in MaxInputBytesPerBatch (%d)", n, maxBytes)
		}
		if len(cur) > 0 && ((maxItems > 0 && len(cur) >= maxItems) || curBytes+n > maxBytes) {
			batches, sizes = append(batches, wrap(cur)), append(sizes, len(cur))
			cur, curBytes = nil, base
		}
		cur = append(cur, it)
		curBytes += n
	}
	if len(cur) > 0 {
		batches, sizes = append(batches, wrap(cur)), append(sizes, len(cur))
	}
	return batches, sizes, nil
}

// runChildren runs the Map Run's unfinished batches as child executions,
// at most limit at once. It fails with States.ExceedToleratedFailureThreshold
// as soon as the failed (or timed out) items exceed ToleratedFailureCount or
// ToleratedFailurePercentage of all items (any failure when neither is
// set), aborting the children still running.
func (r *runner) runChildren(ctx context.Context, mr *mapRun, limit int) *paths.Error {
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var totalItems int64
	for _, n := range mr.batchSizes {
		totalItems += int64(n)
	}
	var mu sync.Mutex
	var failedItems int64
	exceeded := make(chan struct{})
	var once sync.Once
	var cause string
	check := func(n int64) {
		mu.Lock()
		failedItems += n
		f := failedItems
		mu.Unlock()
		pctOver := mr.tolPct >= 0 && float64(f)*100 > mr.tolPct*float64(totalItems)
		countOver := mr.tolCount >= 0 && f > mr.tolCount
		anyOver := mr.tolPct < 0 && mr.tolCount < 0 && f > 0
		if pctOver || countOver || anyOver {
			once.Do(func() {
				cause = fmt.Sprintf("the Map Run failed: %d of %d items failed, more than tolerated (ToleratedFailureCount %d, ToleratedFailurePercentage %g; -1 means unset)",
					f, totalItems, mr.tolCount, mr.tolPct)
				close(exceeded)
				cancel(errStopped)
			})
		}
	}
	sem := make(chan struct{}, limit)
	var wg sync.WaitGroup
loop:
	for i := range mr.batches {
		ch := mr.child(i)
		if ch != nil && ch.snapshotStatus() == StatusSucceeded {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-cctx.Done():
			break loop
		}
		if cctx.Err() != nil {
			<-sem
			break
		}
		done, err := r.startChild(cctx, mr, i)
		if err != nil {
			<-sem
			cancel(err)
			wg.Wait()
			return runtimeErr("start a Map Run child: %v", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-done
			<-sem
			switch mr.child(i).snapshotStatus() {
			case StatusFailed, StatusTimedOut:
				check(int64(mr.batchSizes[i]))
			}
		}()
	}
	wg.Wait()
	select {
	case <-exceeded:
		return paths.Errorf(errNameToleratedFailure, "%s", cause)
	default:
		return nil
	}
}

// startChild starts (or redrives) the child execution of batch i.
func (r *runner) startChild(ctx context.Context, mr *mapRun, i int) (<-chan struct{}, error) {
	s := r.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("the service is shutting down")
	}
	mr.mu.Lock()
	ch := mr.children[i]
	input := mr.batches[i]
	mr.mu.Unlock()
	proc := mr.proc
	if ch == nil {
		name := uuid.NewString()
		ch = &execution{
			arn: s.arn("execution", mr.childSmName+":"+name), name: name,
			smArn: mr.childSmArn, smName: mr.childSmName, roleArn: r.ex.roleArn,
			def: proc, input: paths.MustMarshal(input), parsedInput: input, mapRun: mr, start: s.now(),
		}
		s.registerLocked(ch)
		mr.mu.Lock()
		mr.children[i] = ch
		mr.mu.Unlock()
		s.launch(ctx, ch, proc.StartAt, input, false)
	} else {
		ch.mu.Lock()
		ch.redriveCount++
		ch.redriveDate = s.now()
		from, in := ch.resumeState, ch.resumeInput
		ch.mu.Unlock()
		if from == "" {
			from, in = proc.StartAt, input
		}
		s.launch(ctx, ch, from, in, true)
	}
	return ch.Done(), nil
}
