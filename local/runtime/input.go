package localrun

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// InputFiles returns the loan files of path: the file itself, or every file
// under the folder whose name gives a loan format (loan.FormatOf), in
// lexical order. Other files of a folder are skipped; a named file of no
// loan format, or a folder without one, is an error.
func InputFiles(path string) ([]string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		if loan.FormatOf(path) == "" {
			return nil, fmt.Errorf("%s: the name ends in none of .csv, .jsonl, .ndjson, .json, .parquet (optionally .gz)", path)
		}
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && loan.FormatOf(p) != "" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no file of loans in the folder (.csv, .jsonl, .ndjson, .json, .parquet, optionally .gz)", path)
	}
	sort.Strings(files)
	return files, nil
}

// stageInput copies the loan files of path into the data bucket under a
// prefix named after their content, so a rerun on the same files reads the
// same objects, and returns the prefix and the dataset name it stands for.
func (r *Runtime) stageInput(ctx context.Context, path string) (prefix, dataset string, err error) {
	files, err := InputFiles(path)
	if err != nil {
		return "", "", err
	}
	root := path
	if len(files) == 1 && files[0] == path {
		root = filepath.Dir(path)
	}
	h := sha256.New()
	bodies := make([][]byte, len(files))
	rels := make([]string, len(files))
	for i, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", "", err
		}
		rel, err := filepath.Rel(root, f)
		if err != nil {
			return "", "", err
		}
		rels[i], bodies[i] = filepath.ToSlash(rel), b
		fmt.Fprintf(h, "%s\x00%d\x00", rels[i], len(b))
		h.Write(b)
	}
	dataset = "input-" + hex.EncodeToString(h.Sum(nil))[:16]
	prefix = workflow.DatasetPrefix(dataset) + "loans/"
	for i := range files {
		if err := r.store.PutBytes(ctx, Bucket, prefix+rels[i], bodies[i], "application/octet-stream"); err != nil {
			return "", "", fmt.Errorf("stage %s: %w", files[i], err)
		}
	}
	return prefix, dataset, nil
}

// mergeErrors joins the run's per-batch errors files, in key order, into
// one file beside the report, and returns its path ("" without rejections).
func (r *Runtime) mergeErrors(ctx context.Context, runID string) (string, error) {
	dir := r.path(workflow.RunPrefix(runID) + "errors")
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".jsonl") {
			files = append(files, p)
		}
		return nil
	})
	if os.IsNotExist(err) || len(files) == 0 {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	sort.Strings(files)
	var out bytes.Buffer
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		out.Write(b)
	}
	key := workflow.RunPrefix(runID) + "rejected.jsonl"
	if err := r.store.PutBytes(ctx, Bucket, key, out.Bytes(), "application/x-ndjson"); err != nil {
		return "", err
	}
	return r.path(key), nil
}

// runInput simulates the user's loans at run.Input: they are staged in the
// data bucket and Simulate reads them as a prefix input; Generate does
// not run.
func (r *Runtime) runInput(ctx context.Context, run Run) (Result, error) {
	start := time.Now()
	prefix, dataset, err := r.stageInput(ctx, run.Input)
	if err != nil {
		return Result{}, fmt.Errorf("localrun: --input: %w", err)
	}
	params := run.params(dataset)
	if err := params.Validate(workflow.WorkflowSimulate); err != nil {
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
	killsBefore := r.Kills()
	stamp := start.UTC().Format("20060102T150405Z") + "-" + randomSuffix()
	res := Result{Dataset: dataset, Input: run.Input, Scenarios: run.Scenarios, Seed: run.Seed, RunID: "run-" + stamp}
	simIn := workflow.ExecutionInput{Dataset: dataset, Scenarios: &run.Scenarios, Seed: &run.Seed,
		TargetRate: &run.TargetRate, HorizonMonths: &run.HorizonMonths,
		RunInput: workflow.RunInput{TailShift: run.TailShift, ScenarioKey: scenarioKey, InputPrefix: prefix,
			RateUnit: run.RateUnit, AllowUnknownColumns: run.AllowUnknownColumns, NoAttribution: run.NoAttribution}}
	simOut, err := r.execute(ctx, workflow.WorkflowSimulate, res.RunID, simIn, run, run.Loans)
	if err != nil {
		return res, err
	}
	if err := r.readOutcome(ctx, &res, simOut); err != nil {
		return res, err
	}
	res.Loans = res.LoansProcessed + res.LoansRejected
	res.Simulate = time.Since(start)
	res.WorkersKilled = r.Kills() - killsBefore
	res.Wall = time.Since(start)
	return res, nil
}
