package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/report"
)

// ReportMarkdownKey returns the key of a run's Markdown summary, beside
// workflow.ReportHTMLKey.
func ReportMarkdownKey(runID string) string { return workflow.RunPrefix(runID) + "report.md" }

// writeHumanReport renders report.html and report.md (worker/report) and
// writes them before report.json, so a reader who finds report.json finds
// the whole report.
func (o *ops) writeHumanReport(ctx context.Context, run workflow.RunContext, m *RunManifest, rr RunReport) (htmlKey string, err error) {
	meta := report.Meta{
		RunID: run.RunID, Seed: uint64(m.Seed), Scenarios: m.Params.Scenarios, HorizonMonths: m.Params.HorizonMonths,
		TargetRate: m.Params.TargetRateAnnual, ModelVersion: m.ModelVersion, ParamsHash: m.ParamsHash,
		Loans:          inputLoans(rr.Run),
		LoansProcessed: rr.Run.Loans, LoansRejected: rr.Run.Rejected, Batches: int(rr.Run.Batches),
		DerivedByField: rr.Run.DerivedByField,
		Finished:       o.deps.Now().UTC(),
		InputSource:    inputURI(m.Input),
	}
	if t, err := time.Parse(time.RFC3339, m.StartTime); err == nil {
		meta.Started = t.UTC()
	}
	out, err := report.Render(rr.Report, meta)
	if err != nil {
		return "", fmt.Errorf("aggregate: render report: %w", err)
	}
	htmlKey = workflow.ReportHTMLKey(run.RunID)
	for _, w := range []struct {
		key, ctype string
		body       []byte
	}{
		{htmlKey, "text/html; charset=utf-8", out.HTML},
		{ReportMarkdownKey(run.RunID), "text/markdown; charset=utf-8", out.Markdown},
	} {
		if err := o.deps.Store.PutBytes(ctx, run.Bucket, w.key, w.body, w.ctype); err != nil {
			return "", s3Err(ctx, err, "write report s3://%s/%s", run.Bucket, w.key)
		}
	}
	return htmlKey, nil
}

// inputLoans is the number of input loans: what the input says, else what
// the run counted.
func inputLoans(s RunSummary) int64 {
	if s.ExpectedLoans > 0 {
		return s.ExpectedLoans
	}
	return s.Loans + s.Rejected + s.NotSimulatedLoans
}

// inputURI names an input source as an s3:// URI.
func inputURI(src workflow.InputSource) string {
	if src.Kind == workflow.InputKindPrefix {
		return "s3://" + src.Bucket + "/" + src.Prefix
	}
	return "s3://" + src.Bucket + "/" + src.Key
}
