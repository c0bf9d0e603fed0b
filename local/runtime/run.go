package localrun

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// Run is one pipeline run: the portfolio Generate writes and the Simulate
// run over it. Zero values mean the workflow defaults.
type Run struct {
	Loans     int64  // loans to generate (default 500,000)
	Scenarios int    // scenarios per loan (default: Options.Scenarios)
	Seed      int64  // seed of the portfolio and of the scenarios (default 1)
	Layout    string // "sharded" (default) or "per-loan"

	// TargetRate is the policy rate the stress ramps to (default 0.08),
	// HorizonMonths the months simulated (default 27, at most 120) and
	// TailShift the importance-sampling shift (default 0, plain Monte Carlo):
	// the Simulate input keys targetRate, horizonMonths and tailShift.
	TargetRate    float64
	HorizonMonths int
	TailShift     float64
	// ScenarioFile, if set, is a scenario file (worker/scenariofile) whose
	// paths replace the rate ramp. Run parses it with the horizon before
	// anything starts, uploads it to the local data bucket at
	// workflow.ScenarioKeyFor and names it in the Simulate input
	// (scenarioKey), as montecarlo run simulate --scenario-file does.
	ScenarioFile string
	// NoAttribution skips the loss attribution by channel (the Simulate
	// input key noAttribution): 5-8% less CPU, and no
	// attribution table in the report.
	NoAttribution bool

	// Input, if set, is a file or folder of the user's loans (any format
	// of worker/loan, optionally gzipped): Run stages it in the data
	// bucket and simulates it; Generate does not run and Loans only sizes
	// the progress bar. RateUnit and AllowUnknownColumns are how it is
	// read (the Simulate input keys rateUnit and allowUnknownColumns).
	Input               string
	RateUnit            string
	AllowUnknownColumns bool

	// Progress, if set, is called from Run's goroutine whenever the
	// workflows' Map Run counters change, and once at the end of each
	// workflow with Done set.
	Progress func(Progress)
	// ProgressEvery is how often the counters are read (default 200ms).
	ProgressEvery time.Duration
}

// Progress is a snapshot of one workflow's Distributed Map, from the Map Run
// counters the service reports (DescribeMapRun), as a client following an
// execution in AWS would see them.
type Progress struct {
	Workflow string // workflow.WorkflowGenerate or workflow.WorkflowSimulate
	// Status is the execution's status (RUNNING, SUCCEEDED, FAILED, ...).
	Status string
	// Items are the Map's items: plan rows (shards) for Generate, input
	// objects (shards or single loans) for Simulate. Total is 0 until the
	// Map has read its input.
	Items Counts
	// Batches are the Map's child executions, one per batch.
	Batches Counts
	// Loans is the number of loans the workflow covers (generated or read).
	Loans int64
	Done  bool
}

// Counts are Map Run counters.
type Counts struct {
	Total, Pending, Running, Succeeded, Failed, TimedOut, Aborted int64
}

// LoansDone estimates the loans behind the succeeded items.
func (p Progress) LoansDone() int64 {
	if p.Items.Total == 0 {
		return 0
	}
	return int64(float64(p.Loans) * float64(p.Items.Succeeded) / float64(p.Items.Total))
}

// Result is what a run produced, with the headline figures of its report.
type Result struct {
	Dataset        string // dataset name under datasets/
	Input          string // Run.Input: the user's loans, when Generate did not run
	RunID          string // the Simulate execution's name; results under runs/<RunID>/
	Loans          int64  // loans generated
	LoansProcessed int64  // loans simulated
	LoansRejected  int64  // malformed records, listed in ErrorsDir
	Scenarios      int
	Seed           int64
	Batches        int64
	Compute        string        // Options.Compute
	WorkersKilled  int64         // by Options.ChaosKill during the run; each was replaced (compute lambda: invocations killed)
	Headline       risk.Headline // the report's headline figures
	ReportPath     string        // report.json on disk
	ReportHTMLPath string        // the human report on disk
	ErrorsDir      string        // rejected records, one JSON Lines file per batch
	ErrorsPath     string        // every rejected record, one JSON Lines file; "" without rejections
	// DerivedByField counts the simulated loans by optional field derived
	// from the others (docs/loans.md gives each field's rule).
	DerivedByField map[string]int64
	Generate       time.Duration // wall time of the Generate execution
	Simulate       time.Duration // wall time of the Simulate execution
	Wall           time.Duration // the whole run
}

// ExecutionError is a workflow execution that did not succeed.
type ExecutionError struct {
	Workflow     string
	ExecutionArn string
	Status       string // FAILED, TIMED_OUT or ABORTED
	ErrorName    string // the execution's error, e.g. Workers.NotStarted
	Cause        string // the execution's cause
}

// Error renders "<workflow> execution <arn> <status>: <error>: <cause>".
func (e *ExecutionError) Error() string {
	return fmt.Sprintf("%s execution %s %s: %s: %s", e.Workflow, e.ExecutionArn, e.Status, e.ErrorName, e.Cause)
}

// withDefaults fills the run's zero fields.
func (run Run) withDefaults(o Options) Run {
	if run.Loans == 0 {
		run.Loans = workflow.DefaultLoans
	}
	if run.Scenarios == 0 {
		run.Scenarios = o.Scenarios
	}
	if run.Seed == 0 {
		run.Seed = workflow.DefaultSeed
	}
	if run.Layout == "" {
		run.Layout = workflow.DefaultLayout
	}
	if run.TargetRate == 0 {
		run.TargetRate = workflow.DefaultTargetRate
	}
	if run.HorizonMonths == 0 {
		run.HorizonMonths = workflow.DefaultHorizonMonths
	}
	if run.ProgressEvery <= 0 {
		run.ProgressEvery = 200 * time.Millisecond
	}
	return run
}

// params are the run parameters as the workflows will see them, for the
// same checks plan and prepare make, before anything starts.
func (run Run) params(dataset string) workflow.RunParams {
	return workflow.RunParams{RunDefaults: workflow.RunDefaults{
		Dataset: dataset, Loans: run.Loans, Scenarios: run.Scenarios, Seed: run.Seed, Layout: run.Layout,
		TargetRate: run.TargetRate, HorizonMonths: run.HorizonMonths,
	}, RunInput: workflow.RunInput{TailShift: run.TailShift}}
}

// Validate checks a run's parameters as the workflows will, each problem
// naming its field and the allowed range, and parses its scenario file.
func (run Run) Validate() error {
	run = run.withDefaults(Options{Scenarios: workflow.DefaultScenarios})
	p := run.params("check")
	if err := errors.Join(p.Validate(workflow.WorkflowGenerate), p.Validate(workflow.WorkflowSimulate)); err != nil {
		return err
	}
	_, _, err := run.scenario()
	return err
}

// scenario reads and parses the run's scenario file for its horizon; it
// returns the file's bytes and the key it goes to, or nothing without one.
func (run Run) scenario() (body []byte, key string, err error) {
	if run.ScenarioFile == "" {
		return nil, "", nil
	}
	body, err = os.ReadFile(run.ScenarioFile)
	if err != nil {
		return nil, "", err
	}
	p, err := scenariofile.Parse(bytes.NewReader(body), run.ScenarioFile, run.HorizonMonths)
	if err != nil {
		return nil, "", err
	}
	return body, workflow.ScenarioKeyFor(p.SHA256, p.Name), nil
}

// datasetName names the generated portfolio after everything that decides
// its content, so runs with other parameters never read or overwrite it.
func (r *Runtime) datasetName(run Run) string {
	name := fmt.Sprintf("local-%d-loans-seed-%d-%s", run.Loans, run.Seed, run.Layout)
	if r.opts.ChaosCorrupt > 0 {
		name += "-corrupt-" + strconv.FormatFloat(r.opts.ChaosCorrupt, 'g', -1, 64)
	}
	return name
}

// Run generates the run's portfolio, simulates it and returns the headline
// results. It fails with an *ExecutionError naming the cause if either
// workflow fails; the workflows scale their workers in either way.
func (r *Runtime) Run(ctx context.Context, run Run) (Result, error) {
	run = run.withDefaults(r.opts)
	if run.Input != "" {
		return r.runInput(ctx, run)
	}
	dataset := r.datasetName(run)
	params := run.params(dataset)
	if err := errors.Join(params.Validate(workflow.WorkflowGenerate), params.Validate(workflow.WorkflowSimulate)); err != nil {
		return Result{}, fmt.Errorf("localrun: %w", err)
	}
	scenario, scenarioKey, err := run.scenario()
	if err != nil {
		return Result{}, fmt.Errorf("localrun: %w", err)
	}
	if scenario != nil {
		if err := r.store.PutBytes(ctx, Bucket, scenarioKey, scenario, "text/csv"); err != nil {
			return Result{}, fmt.Errorf("localrun: upload the scenario file: %w", err)
		}
	}
	start := time.Now()
	killsBefore := r.Kills()
	stamp := start.UTC().Format("20060102T150405Z") + "-" + randomSuffix()
	res := Result{Dataset: dataset, Scenarios: run.Scenarios, Seed: run.Seed}

	genIn := workflow.ExecutionInput{Dataset: dataset, Loans: &run.Loans, Seed: &run.Seed, Layout: run.Layout}
	genOut, err := r.execute(ctx, workflow.WorkflowGenerate, "generate-"+stamp, genIn, run, run.Loans)
	if err != nil {
		return res, err
	}
	var manifest workflow.ManifestOutput
	if err := json.Unmarshal(genOut, &manifest); err != nil {
		return res, fmt.Errorf("localrun: read the generate output: %w", err)
	}
	res.Loans = manifest.Loans
	res.Generate = time.Since(start)

	simStart := time.Now()
	res.RunID = "run-" + stamp
	simIn := workflow.ExecutionInput{Dataset: dataset, Scenarios: &run.Scenarios, Seed: &run.Seed,
		TargetRate: &run.TargetRate, HorizonMonths: &run.HorizonMonths,
		RunInput: workflow.RunInput{TailShift: run.TailShift, ScenarioKey: scenarioKey, NoAttribution: run.NoAttribution}}
	simOut, err := r.execute(ctx, workflow.WorkflowSimulate, res.RunID, simIn, run, manifest.Loans)
	if err != nil {
		return res, err
	}
	if err := r.readOutcome(ctx, &res, simOut); err != nil {
		return res, err
	}
	res.Simulate = time.Since(simStart)
	res.WorkersKilled = r.Kills() - killsBefore
	res.Compute = r.opts.Compute
	res.Wall = time.Since(start)
	return res, nil
}

// readOutcome fills res from the Simulate output and its report.
func (r *Runtime) readOutcome(ctx context.Context, res *Result, simOut []byte) error {
	var agg workflow.AggregateOutput
	if err := json.Unmarshal(simOut, &agg); err != nil {
		return fmt.Errorf("localrun: read the simulate output: %w", err)
	}
	res.LoansProcessed, res.LoansRejected, res.Batches = agg.Loans, agg.Rejected, agg.Batches
	report, err := r.store.GetBytes(ctx, Bucket, agg.ReportKey)
	if err != nil {
		return fmt.Errorf("localrun: read the report: %w", err)
	}
	var rep struct {
		Headline risk.Headline `json:"headline"`
		Run      struct {
			DerivedByField map[string]int64 `json:"derivedByField"`
		} `json:"run"`
	}
	if err := json.Unmarshal(report, &rep); err != nil {
		return fmt.Errorf("localrun: decode the report %s: %w", agg.ReportKey, err)
	}
	res.Headline = rep.Headline
	res.DerivedByField = rep.Run.DerivedByField
	res.ReportPath = r.path(agg.ReportKey)
	if agg.ReportHTMLKey != "" {
		res.ReportHTMLPath = r.path(agg.ReportHTMLKey)
	}
	res.ErrorsDir = r.path(workflow.RunPrefix(agg.RunID) + "errors")
	if agg.Rejected > 0 {
		if res.ErrorsPath, err = r.mergeErrors(ctx, agg.RunID); err != nil {
			return fmt.Errorf("localrun: join the errors files: %w", err)
		}
	}
	return nil
}

// path is where object key of the data bucket lives on disk.
func (r *Runtime) path(key string) string {
	return filepath.Join(r.s3srv.Dir(), Bucket, filepath.FromSlash(key))
}

// execute starts one execution, follows its progress until it ends, and
// returns its output, or an *ExecutionError.
func (r *Runtime) execute(ctx context.Context, wf, name string, input workflow.ExecutionInput, run Run, loans int64) ([]byte, error) {
	in, err := json.Marshal(input)
	if err != nil {
		return nil, fmt.Errorf("localrun: encode %s input: %w", wf, err)
	}
	started, err := r.sfnc.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: aws.String(r.machines[wf]), Name: aws.String(name), Input: aws.String(string(in)),
	})
	if err != nil {
		return nil, fmt.Errorf("localrun: start %s: %w", wf, err)
	}
	arn := aws.ToString(started.ExecutionArn)
	r.log.Info("execution started", "workflow", wf, "execution", arn)
	desc, err := r.follow(ctx, wf, arn, run, loans)
	if err != nil {
		// Abandoning a run must not leave it, and its workers, running.
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_, _ = r.sfnc.StopExecution(stopCtx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Local.Cancelled"), Cause: aws.String(err.Error())})
		if r.cluster != nil {
			_, _ = r.cluster.UpdateService(stopCtx, r.cfg.ClusterName, r.cfg.ServiceName, 0)
		}
		return nil, fmt.Errorf("localrun: %s: %w", wf, err)
	}
	if desc.Status != types.ExecutionStatusSucceeded {
		return nil, &ExecutionError{Workflow: wf, ExecutionArn: arn, Status: string(desc.Status),
			ErrorName: aws.ToString(desc.Error), Cause: aws.ToString(desc.Cause)}
	}
	return []byte(aws.ToString(desc.Output)), nil
}

// follow polls the execution and its Map Run until the execution ends,
// reporting progress on the way.
func (r *Runtime) follow(ctx context.Context, wf, arn string, run Run, loans int64) (*sfn.DescribeExecutionOutput, error) {
	tick := time.NewTicker(run.ProgressEvery)
	defer tick.Stop()
	var mapRun string
	var last Progress
	for {
		desc, err := r.sfnc.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
		if err != nil {
			return nil, fmt.Errorf("describe execution: %w", err)
		}
		p := Progress{Workflow: wf, Status: string(desc.Status), Loans: loans, Items: last.Items, Batches: last.Batches}
		if mapRun == "" {
			runs, err := r.sfnc.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: aws.String(arn)})
			if err != nil {
				return nil, fmt.Errorf("list map runs: %w", err)
			}
			if len(runs.MapRuns) > 0 {
				mapRun = aws.ToString(runs.MapRuns[len(runs.MapRuns)-1].MapRunArn)
			}
		}
		if mapRun != "" {
			mr, err := r.sfnc.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(mapRun)})
			if err != nil {
				return nil, fmt.Errorf("describe map run: %w", err)
			}
			p.Items, p.Batches = itemCounts(mr.ItemCounts), executionCounts(mr.ExecutionCounts)
		}
		ended := desc.Status != types.ExecutionStatusRunning && desc.Status != types.ExecutionStatusPendingRedrive
		p.Done = ended
		if run.Progress != nil && (p != last || ended) {
			run.Progress(p)
		}
		last = p
		if ended {
			return desc, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

func itemCounts(c *types.MapRunItemCounts) Counts {
	if c == nil {
		return Counts{}
	}
	return Counts{Total: c.Total, Pending: c.Pending, Running: c.Running,
		Succeeded: c.Succeeded, Failed: c.Failed, TimedOut: c.TimedOut, Aborted: c.Aborted}
}

func executionCounts(c *types.MapRunExecutionCounts) Counts {
	if c == nil {
		return Counts{}
	}
	return Counts{Total: c.Total, Pending: c.Pending, Running: c.Running,
		Succeeded: c.Succeeded, Failed: c.Failed, TimedOut: c.TimedOut, Aborted: c.Aborted}
}

// randomSuffix makes execution names unique within a second.
func randomSuffix() string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return strings.ToLower(hex.EncodeToString(b[:]))
}
