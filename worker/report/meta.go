package report

import "time"

// Meta holds the facts of a run that the risk figures do not carry. The
// aggregate operation fills it; a zero field means "unknown" and is either
// taken from the risk.Report (Seed, Scenarios, HorizonMonths, ModelVersion,
// ParamsHash, GoVersion, GOARCH, TargetRate) or left out of the report.
type Meta struct {
	// RunID names the run (its S3 prefix is runs/<RunID>/).
	RunID string
	// Seed is the run seed every random stream derives from.
	Seed uint64
	// Scenarios is S, the number of shared rate/macro scenarios.
	Scenarios int
	// HorizonMonths is H, the number of months simulated.
	HorizonMonths int
	// TargetRate is the policy rate the stress ramps to, as a fraction (0.08).
	TargetRate float64
	// ModelVersion identifies the model equations (model.ModelVersion).
	ModelVersion string
	// ParamsHash is the hex hash of the parameters (model.Params.Hash).
	ParamsHash string
	// GoVersion and GOARCH identify the binary that produced the figures:
	// bit-identical results are promised for one binary only.
	GoVersion string
	GOARCH    string
	// Loans is the number of loan records in the input.
	Loans int64
	// LoansProcessed is the number of loans evaluated.
	LoansProcessed int64
	// LoansRejected is the number of records rejected as malformed
	// (listed with reasons under runs/<RunID>/errors/).
	LoansRejected int64
	// DerivedByField counts the evaluated loans by optional field that
	// was derived from the others because the input did not give it
	// (docs/loans.md gives each field's rule); nil or empty: none.
	DerivedByField map[string]int64
	// Batches is the number of batches the run was split into.
	Batches int
	// Started and Finished bound the run; zero values are left out.
	Started  time.Time
	Finished time.Time
	// InputSource says where the loans came from (an s3:// URI or a path).
	InputSource string
	// Warnings are shown prominently, before any figure.
	Warnings []string
}
