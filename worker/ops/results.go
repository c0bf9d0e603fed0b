package ops

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"

	"github.com/parquet-go/parquet-go"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// ResultRow is one row of a batch's per-loan results file
// (workflow.ResultsKey): snake_case columns that Athena and pandas read
// as they are. PDs are over the run's horizon; money is US dollars. The run
// columns repeat on every row (dictionary-encoded, so they cost a few
// bytes per file) so that a query over many batches or runs can group by
// them; the file's key-value metadata holds them too.
type ResultRow struct {
	LoanID       string  `parquet:"loan_id,dict"`
	Segment      string  `parquet:"segment,dict"`
	CreditScore  int32   `parquet:"credit_score,optional"` // personal loans; null for commercial
	RiskGrade    int32   `parquet:"risk_grade,optional"`   // commercial loans; null for personal
	InputPD12    float64 `parquet:"input_pd_12m"`
	BaselinePD   float64 `parquet:"baseline_pd"`
	StressedPD   float64 `parquet:"stressed_pd"`
	StressedPDLo float64 `parquet:"stressed_pd_lo"` // 95% Wilson interval
	StressedPDHi float64 `parquet:"stressed_pd_hi"`
	DeltaPD      float64 `parquet:"delta_pd"`
	PaymentShock float64 `parquet:"payment_shock"`     // mean over scenarios of max_t A(t)/A(0)
	PaymentMax   float64 `parquet:"payment_shock_max"` // its largest value over scenarios
	EAD          float64 `parquet:"ead"`
	LGD          float64 `parquet:"lgd"`
	ExpectedLoss float64 `parquet:"expected_loss"`
	DefaultDraws int32   `parquet:"default_draws"`
	SourceKey    string  `parquet:"source_key,dict"` // the S3 object the loan was read from
	SourceLine   int32   `parquet:"source_line"`     // its line there (1 for a one-loan object)
	RunID        string  `parquet:"run_id,dict"`
	Seed         int64   `parquet:"seed"`
	ParamsHash   string  `parquet:"params_hash,dict"`
}

// row builds the result row of one evaluated loan.
func row(r *model.Result, src string, line int, run runInfo) ResultRow {
	return ResultRow{
		LoanID: r.LoanID, Segment: string(r.Segment), CreditScore: int32(r.CreditScore), RiskGrade: int32(r.RiskGrade),
		InputPD12: r.InputPD12, BaselinePD: r.BaselinePD, StressedPD: r.StressedPD,
		StressedPDLo: r.StressedPDLow, StressedPDHi: r.StressedPDHigh, DeltaPD: r.DeltaPD,
		PaymentShock: r.PaymentShockMean, PaymentMax: r.PaymentShockMax,
		EAD: r.EADUSD, LGD: r.LGD, ExpectedLoss: r.ExpectedLossUSD, DefaultDraws: int32(r.DefaultDraws),
		SourceKey: src, SourceLine: int32(line),
		RunID: run.runID, Seed: run.seed, ParamsHash: run.paramsHash,
	}
}

// runInfo is what every output of a batch records about its run.
type runInfo struct {
	runID, paramsHash string
	seed              int64
	batchID           string
}

// parquetRowGroupRows bounds a row group: a batch is one group unless it
// is very large, so readers get column statistics per batch.
const parquetRowGroupRows = 100_000

// encodeResults writes rows as one Snappy-compressed Parquet file (a codec
// Athena and pandas both read) with the run's provenance as key-value
// metadata. The bytes are a function of the rows and the run alone: the
// writer sorts metadata keys and records no time.
func encodeResults(rows []ResultRow, run runInfo) ([]byte, error) {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[ResultRow](&buf,
		parquet.Compression(&parquet.Snappy),
		parquet.MaxRowsPerRowGroup(parquetRowGroupRows),
		parquet.CreatedBy("montecarlo-worker", model.ModelVersion, runtime.GOARCH),
		parquet.KeyValueMetadata("run_id", run.runID),
		parquet.KeyValueMetadata("batch_id", run.batchID),
		parquet.KeyValueMetadata("seed", strconv.FormatInt(run.seed, 10)),
		parquet.KeyValueMetadata("params_hash", run.paramsHash),
		parquet.KeyValueMetadata("model_version", model.ModelVersion),
		parquet.KeyValueMetadata("go_version", runtime.Version()),
		parquet.KeyValueMetadata("goarch", runtime.GOARCH),
	)
	if _, err := w.Write(rows); err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encode results: %w", err)
	}
	return buf.Bytes(), nil
}

// ObjectCount is what a batch did with one input object.
type ObjectCount struct {
	Bucket   string `json:"bucket"`
	Key      string `json:"key"`
	Loans    int64  `json:"loans"`    // simulated
	Rejected int64  `json:"rejected"` // written to the errors file
}

// PartialFile is the object simulate writes last at workflow.PartialKey: the
// batch's exact loss partial and what it counted, object by object, which
// aggregate's exactly-once check reads. Its existence means the batch is
// complete.
type PartialFile struct {
	RunID        string `json:"runId"`
	BatchID      string `json:"batchId"`
	ParamsHash   string `json:"paramsHash"`
	Seed         int64  `json:"seed"`
	ModelVersion string `json:"modelVersion"`

	Loans    int64 `json:"loans"`
	Rejected int64 `json:"rejected"`
	// RejectedByKind counts rejections by loan.Kind (and
	// KindUnsupportedObject).
	RejectedByKind map[loan.Kind]int64 `json:"rejectedByKind,omitempty"`
	// DerivedByField counts, by field, the simulated loans whose field was
	// derived from the others (loan.Loan.Derived; docs/loans.md gives
	// each field's rule).
	DerivedByField map[string]int64 `json:"derivedByField,omitempty"`
	Objects        []ObjectCount    `json:"objects"`
	ResultsKey     string           `json:"resultsKey"`
	ErrorsKey      string           `json:"errorsKey,omitempty"`

	Partial *risk.Partial `json:"partial"`
}

// Rejection kinds of the worker itself, beside loan's.
const (
	// KindUnsupportedObject: an input object whose key ends in none of
	// .jsonl, .json, .csv (e.g. a README under the input prefix).
	KindUnsupportedObject loan.Kind = "unsupported_object"
	// KindModel: the model refused a record that passed validation.
	KindModel loan.Kind = "model_error"
)
