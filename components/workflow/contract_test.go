package workflow

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestCountReadsNumbersAndStringsOfDigits(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Count
	}{
		{`123`, 123},
		{`"123"`, 123},
		{`" 42 "`, 42},
		{`""`, 0},
		{`null`, 0},
		{`0`, 0},
		{`"9000000000"`, 9_000_000_000},
	}
	for _, tc := range cases {
		var c Count
		if err := json.Unmarshal([]byte(tc.in), &c); err != nil {
			t.Errorf("Unmarshal(%s): %v", tc.in, err)
			continue
		}
		if c != tc.want {
			t.Errorf("Unmarshal(%s) = %d, want %d", tc.in, c, tc.want)
		}
	}
	for _, bad := range []string{`"12x"`, `1.5`, `"1e3"`, `true`, `[1]`} {
		var c Count
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) = %d, want an error", bad, c)
		}
	}
	b, err := json.Marshal(Count(7))
	if err != nil || string(b) != "7" {
		t.Errorf("Marshal(Count(7)) = %s, %v; want 7", b, err)
	}
}

// The items each ItemReader delivers, as documented (input-output-itemreader):
// CSV rows are objects of strings keyed by the header; listObjectsV2 items
// carry a numeric Size and no Bucket.
func TestInputItemReadsEveryReadersShape(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, json string
		want       InputItem
	}{
		{"from our CSV manifest", `{"Bucket":"b","Key":"datasets/d/loans/shard-00000000.jsonl","Size":"2048","Loans":"10000"}`,
			InputItem{Bucket: "b", Key: "datasets/d/loans/shard-00000000.jsonl", Size: 2048, Loans: 10000}},
		{"from an S3 Inventory manifest", `{"Bucket":"b","Key":"loans/L1.json","Size":"310"}`,
			InputItem{Bucket: "b", Key: "loans/L1.json", Size: 310}},
		{"from listObjectsV2", `{"Etag":"\"abc\"","Key":"loans/L1.json","LastModified":1668000000,"Size":310,"StorageClass":"STANDARD"}`,
			InputItem{Key: "loans/L1.json", Size: 310}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var got InputItem
			if err := json.Unmarshal([]byte(tc.json), &got); err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestPlanShardReadsTheCSVRowsStrings(t *testing.T) {
	t.Parallel()
	row := map[string]string{}
	values := []string{"3", "30000", "10000"}
	for i, h := range PlanCSVHeader {
		row[h] = values[i]
	}
	b, _ := json.Marshal(row)
	var s PlanShard
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s != (PlanShard{Shard: 3, FirstLoan: 30000, Loans: 10000}) {
		t.Errorf("got %+v", s)
	}
	out, _ := json.Marshal(s)
	if string(out) != `{"shard":"3","firstLoan":"30000","loans":"10000"}` {
		t.Errorf("a PlanShard marshals as %s, not as the CSV reader's strings", out)
	}
}

func TestBatchIDIsAFunctionOfTheItemsInOrder(t *testing.T) {
	t.Parallel()
	a := []InputItem{{Bucket: "b", Key: "k1"}, {Key: "k2"}}
	same := []InputItem{{Bucket: "b", Key: "k1", Size: 99}, {Bucket: "b", Key: "k2", Loans: 3}}
	if BatchID(a, "b") != BatchID(same, "b") {
		t.Error("the default bucket, Size or Loans changed the batch id")
	}
	if len(BatchID(a, "b")) != 32 {
		t.Errorf("BatchID = %q, want 32 hex characters", BatchID(a, "b"))
	}
	different := map[string][]InputItem{
		"another order":           {{Bucket: "b", Key: "k2"}, {Bucket: "b", Key: "k1"}},
		"another default bucket":  a, // with defaultBucket "c" below
		"a key split differently": {{Bucket: "b", Key: "k1k"}, {Bucket: "b", Key: "2"}},
		"one item fewer":          a[:1],
	}
	for name, items := range different {
		bucket := "b"
		if name == "another default bucket" {
			bucket = "c"
		}
		if BatchID(items, bucket) == BatchID(a, "b") {
			t.Errorf("%s gives the same batch id", name)
		}
	}
}

func TestKeyLayout(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		DatasetPrefix("d1"):            "datasets/d1/",
		PlanKey("d1"):                  "datasets/d1/plan.csv",
		ShardKey("d1", 42):             "datasets/d1/loans/shard-00000042.jsonl",
		LoanKey("d1", "L000000000007"): "datasets/d1/loans/L000000000007.json",
		ManifestPartKey("d1", 42):      "datasets/d1/parts/shard-00000042.csv",
		ManifestKey("d1"):              "datasets/d1/manifest.csv",
		InventoryManifestKey("d1"):     "datasets/d1/inventory/manifest.json",
		InventoryDataKey("d1", 3):      "datasets/d1/inventory/data/part-00003.csv.gz",
		DatasetSummaryKey("d1"):        "datasets/d1/dataset.json",
		DatasetMapResultPrefix("d1"):   "scratch/datasets/d1/map",
		RunPrefix("r1"):                "runs/r1/",
		RunManifestKey("r1"):           "runs/r1/manifest.json",
		ResultsKey("r1", "ab"):         "runs/r1/results/batch-ab.parquet",
		PartialKey("r1", "ab"):         "runs/r1/partials/batch-ab.json",
		PartialsPrefix("r1"):           "runs/r1/partials/",
		ErrorsKey("r1", "ab"):          "runs/r1/errors/batch-ab.jsonl",
		RunMapResultPrefix("r1"):       "scratch/runs/r1/map",
		ReportKey("r1"):                "runs/r1/report.json",
		ReportHTMLKey("r1"):            "runs/r1/report.html",
	}
	for got, want := range cases {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	// Shard keys sort in shard order, which keeps listings and manifests in
	// plan order.
	if !(ShardKey("d", 9) < ShardKey("d", 10) && ShardKey("d", 99_999_999) > ShardKey("d", 10)) {
		t.Error("shard keys do not sort in shard order")
	}
}

func TestValidName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"default", "run-2026-11-21T20.15", "A_b.c-d", "0", strings.Repeat("x", 80)} {
		if !ValidName(ok) {
			t.Errorf("ValidName(%q) = false, want true", ok)
		}
	}
	for _, bad := range []string{"", "-x", ".x", "a/b", "a b", "a..b", "ü", strings.Repeat("x", 81), "a\nb"} {
		if ValidName(bad) {
			t.Errorf("ValidName(%q) = true, want false", bad)
		}
	}
}

func TestExecutionInputOmitsWhatTheUserDidNotSet(t *testing.T) {
	t.Parallel()
	seed := int64(0)
	b, err := json.Marshal(ExecutionInput{Seed: &seed, RunInput: RunInput{InputPrefix: "loans/"}})
	if err != nil {
		t.Fatal(err)
	}
	// Only the keys set travel, so the merge over the defaults keeps every
	// other default; an explicit zero seed is kept.
	if string(b) != `{"seed":0,"inputPrefix":"loans/"}` {
		t.Errorf("got %s", b)
	}
}

func TestRunParamsFlattensDefaultsAndInput(t *testing.T) {
	t.Parallel()
	in := `{"dataset":"d","loans":5,"scenarios":10,"seed":3,"layout":"per-loan","targetRate":0.07,"horizonMonths":12,"manifestKey":"m.csv","params":{"gamma":1.2}}`
	dec := json.NewDecoder(strings.NewReader(in))
	dec.DisallowUnknownFields()
	var p RunParams
	if err := dec.Decode(&p); err != nil {
		t.Fatal(err)
	}
	if p.Dataset != "d" || p.Loans != 5 || p.Scenarios != 10 || p.ManifestKey != "m.csv" || string(p.Params) != `{"gamma":1.2}` {
		t.Errorf("got %+v", p)
	}
}
