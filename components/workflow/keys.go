package workflow

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
)

// S3 key layout. Everything lives in one bucket (Config.DataBucket):
//
//	datasets/<name>/plan.csv                       shard plan (PlanCSVHeader)
//	datasets/<name>/loans/shard-<shard>.jsonl      LayoutSharded loans
//	datasets/<name>/loans/<loanId>.json            LayoutPerLoan loans
//	datasets/<name>/parts/shard-<shard>.csv        manifest part per shard
//	datasets/<name>/manifest.csv                   CSV manifest (ManifestCSVHeader)
//	datasets/<name>/inventory/manifest.json        S3 Inventory manifest
//	datasets/<name>/inventory/data/part-<n>.csv.gz S3 Inventory data files
//	datasets/<name>/dataset.json                   DatasetSummary
//
//	runs/<runId>/manifest.json                     run manifest (resolved parameters)
//	runs/<runId>/results/batch-<batchId>.parquet   per-loan results
//	runs/<runId>/partials/batch-<batchId>.json     per-scenario loss partials (int64 cents)
//	runs/<runId>/errors/batch-<batchId>.jsonl      rejected records with reasons
//	runs/<runId>/report.json, report.html          the report
//
//	scratch/datasets/<name>/map/...                Generate Map Run results (ResultWriter)
//	scratch/runs/<runId>/map/...                   Simulate Map Run results (ResultWriter)
//
// Everything under ScratchPrefix is transient and expires by the bucket's
// lifecycle rule: an S3 lifecycle filter matches a key prefix only, so the
// Map Run results live under one fixed root rather than inside each dataset
// or run. Shard numbers are zero-padded to 8 digits so that keys sort in shard
// order; a run id is the execution name.

const (
	datasetsRoot = "datasets/"
	runsRoot     = "runs/"
	shardDigits  = 8
)

// ScratchPrefix is the root of transient objects (the Distributed Map
// ResultWriter's manifests and result files), which the data bucket's
// lifecycle rule expires. Nothing a later run needs lives under it: aggregate
// and manifest read a Map Run's results only while their own execution runs.
const ScratchPrefix = "scratch/"

// scratchDatasetsRoot and scratchRunsRoot hold the Map Run results of
// Generate and Simulate.
const (
	scratchDatasetsRoot = ScratchPrefix + datasetsRoot
	scratchRunsRoot     = ScratchPrefix + runsRoot
)

// nameRE is what a dataset name or run id may be: safe in an S3 key, a URL
// and a file name, without escaping. Execution names (run ids) are 1-80
// characters of this set when started by our CLI; Step Functions allows a
// few more, which prepare rejects with ErrInputInvalid.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$`)

// ValidName reports whether s may be used as a dataset name or run id: 1 to
// 80 characters from [A-Za-z0-9._-], starting with a letter or digit.
func ValidName(s string) bool { return nameRE.MatchString(s) && !strings.Contains(s, "..") }

// checkName returns an error naming what, unless ValidName(s).
func checkName(what, s string) error {
	if !ValidName(s) {
		return fmt.Errorf("%s %q: want 1 to 80 characters from A-Z a-z 0-9 . _ -, starting with a letter or digit", what, s)
	}
	return nil
}

// ScenariosPrefix holds uploaded scenario files, content-addressed:
// runs/_scenarios/<sha256>/<file name>. It lies under runs/ because the
// workers' task role reads the data bucket only under datasets/, runs/ and
// scratch/; no run id can be "_scenarios" (ValidName: a run id starts with a
// letter or digit), so no run's objects mix with it. Nothing expires it:
// a run's manifest records the parsed paths and the file's SHA-256, so a
// finished run never needs the file again, but a resumed one does.
const ScenariosPrefix = runsRoot + "_scenarios/"

// ScenarioKeyFor returns the key `montecarlo run simulate --scenario-file`
// uploads a scenario file to: ScenariosPrefix + sha256 (hex) + "/" + the
// file's base name, so the same bytes land at one key and the parsed path
// keeps the user's file name.
func ScenarioKeyFor(sha256Hex, fileName string) string {
	return ScenariosPrefix + sha256Hex + "/" + fileName
}

// DatasetPrefix returns "datasets/<name>/".
func DatasetPrefix(name string) string { return datasetsRoot + name + "/" }

// PlanKey returns the key of a dataset's shard plan CSV.
func PlanKey(name string) string { return DatasetPrefix(name) + "plan.csv" }

// ShardKey returns the key of shard's JSON Lines object (LayoutSharded).
func ShardKey(name string, shard int64) string {
	return fmt.Sprintf("%sloans/shard-%0*d.jsonl", DatasetPrefix(name), shardDigits, shard)
}

// LoanKey returns the key of one loan's JSON object (LayoutPerLoan). The
// loan id must be a ValidName.
func LoanKey(name, loanID string) string { return DatasetPrefix(name) + "loans/" + loanID + ".json" }

// ManifestPartKey returns the key of shard's manifest part: the
// ManifestCSVHeader rows of the objects generate wrote for the shard.
func ManifestPartKey(name string, shard int64) string {
	return fmt.Sprintf("%sparts/shard-%0*d.csv", DatasetPrefix(name), shardDigits, shard)
}

// ManifestKey returns the key of a dataset's CSV manifest.
func ManifestKey(name string) string { return DatasetPrefix(name) + "manifest.csv" }

// InventoryManifestKey returns the key of a dataset's S3 Inventory
// manifest.json.
func InventoryManifestKey(name string) string {
	return DatasetPrefix(name) + "inventory/manifest.json"
}

// InventoryDataKey returns the key of the n-th gzipped CSV data file of a
// dataset's S3 Inventory.
func InventoryDataKey(name string, n int) string {
	return fmt.Sprintf("%sinventory/data/part-%05d.csv.gz", DatasetPrefix(name), n)
}

// DatasetSummaryKey returns the key of a dataset's DatasetSummary.
func DatasetSummaryKey(name string) string { return DatasetPrefix(name) + "dataset.json" }

// DatasetMapResultPrefix returns the ResultWriter prefix of the Generate Map,
// "scratch/datasets/<name>/map" (no trailing slash; Step Functions adds
// "/<map run id>/..."). It is under ScratchPrefix, so it expires.
func DatasetMapResultPrefix(name string) string { return scratchDatasetsRoot + name + "/map" }

// RunPrefix returns "runs/<runId>/".
func RunPrefix(runID string) string { return runsRoot + runID + "/" }

// RunManifestKey returns the key of a run's manifest.
func RunManifestKey(runID string) string { return RunPrefix(runID) + "manifest.json" }

// DuplicateIDsKey returns the key of the records prepare found repeating
// a loan id of an earlier object of the run's input, which simulate
// rejects (duplicate_id).
func DuplicateIDsKey(runID string) string { return RunPrefix(runID) + "duplicate-ids.json" }

// ResultsKey returns the key of a batch's per-loan results (Parquet).
func ResultsKey(runID, batchID string) string {
	return RunPrefix(runID) + "results/batch-" + batchID + ".parquet"
}

// PartialKey returns the key of a batch's per-scenario loss partial.
func PartialKey(runID, batchID string) string {
	return RunPrefix(runID) + "partials/batch-" + batchID + ".json"
}

// PartialsPrefix returns the prefix aggregate lists to find every partial.
func PartialsPrefix(runID string) string { return RunPrefix(runID) + "partials/" }

// ErrorsKey returns the key of a batch's rejected records (JSON Lines).
func ErrorsKey(runID, batchID string) string {
	return RunPrefix(runID) + "errors/batch-" + batchID + ".jsonl"
}

// RunMapResultPrefix returns the ResultWriter prefix of the Simulate Map,
// "scratch/runs/<runId>/map" (no trailing slash). It is under ScratchPrefix,
// so it expires.
func RunMapResultPrefix(runID string) string { return scratchRunsRoot + runID + "/map" }

// ReportKey returns the key of a run's machine-readable report.
func ReportKey(runID string) string { return RunPrefix(runID) + "report.json" }

// ReportHTMLKey returns the key of a run's human report.
func ReportHTMLKey(runID string) string { return RunPrefix(runID) + "report.html" }

// BatchID returns the id of a simulate batch: the first 16 bytes, in hex, of
// the SHA-256 of its items' bucket and key, each followed by a zero byte,
// in order (defaultBucket for items without a Bucket). The same items give the same id, so a retried,
// redriven or duplicated batch writes the same keys; different batches of
// one run have different items, hence different ids.
func BatchID(items []InputItem, defaultBucket string) string {
	h := sha256.New()
	for _, it := range items {
		b := it.Bucket
		if b == "" {
			b = defaultBucket
		}
		h.Write([]byte(b))
		h.Write([]byte{0})
		h.Write([]byte(it.Key))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
