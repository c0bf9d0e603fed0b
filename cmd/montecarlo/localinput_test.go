package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// Tests of `montecarlo local --input` and `montecarlo validate`: issue 12's
// observed failures, each of which passed with exit 0 before.

const tapeHeader = "id,segment,amount,balance,current_rate,term_months,remaining_months,credit_score,annual_income"

func tapeRow(i int) string {
	return fmt.Sprintf("P-%03d,personal_unsecured,25000,18000,0.09,60,41,700,64000", i)
}

func writeTape(t *testing.T, name string, rows ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(strings.Join(rows, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func inputArgs(dir, input string, extra ...string) []string {
	return append([]string{"local", "--input", input, "--scenarios", "50", "--time-scale", "0.05", "--data-dir", dir}, extra...)
}

type cliRun struct {
	code           int
	stdout, stderr string
}

func runCLI(args ...string) cliRun {
	var stdout, stderr bytes.Buffer
	code := runWith(args, &stdout, &stderr)
	return cliRun{code, stdout.String(), stderr.String()}
}

func lastJSON(t *testing.T, stdout string) map[string]json.RawMessage {
	t.Helper()
	lines := strings.Split(strings.TrimRight(stdout, "\n"), "\n")
	var out map[string]json.RawMessage
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &out); err != nil {
		t.Fatalf("last stdout line is not JSON: %v\n%s", err, stdout)
	}
	return out
}

func TestLocalInputRunsTheSamplePortfolioEndToEnd(t *testing.T) {
	t.Parallel()
	r := runCLI(inputArgs(t.TempDir(), filepath.Join("..", "..", "examples", "loans", "sample.csv"), "--json")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var o outcomeJSON
	if err := json.Unmarshal(lastJSON(t, r.stdout)["outcome"], &o); err != nil {
		t.Fatal(err)
	}
	if o.LoansRead != 16 || o.LoansSimulated != 16 || o.LoansRejected != 0 || o.Failed || o.ErrorsPath != "" {
		t.Errorf("outcome %+v, want the sample's 16 loans simulated", o)
	}
	if o.DerivedByField["origination_date"] == 0 {
		t.Errorf("derived %v, want origination_date counted", o.DerivedByField)
	}
}

func TestLocalInputSaysWhatWasRejectedAndFailsAboveMaxRejected(t *testing.T) {
	t.Parallel()
	rows := []string{tapeHeader}
	for i := range 20 {
		rows = append(rows, tapeRow(i))
	}
	rows = append(rows, tapeRow(3), strings.Replace(tapeRow(30), ",18000,", ",90000,", 1))
	in := writeTape(t, "tape.csv", rows...)

	r := runCLI(inputArgs(t.TempDir(), in)...)
	if r.code == 0 || !strings.Contains(r.stderr, "--max-rejected") || !strings.Contains(r.stderr, "2 of 22 records rejected") {
		t.Fatalf("exit %d, stderr %q: want a failure naming the share and --max-rejected", r.code, r.stderr)
	}
	last := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	closing := last[len(last)-1]
	if !strings.HasPrefix(closing, "Outcome: 22 loans read, 20 simulated, 2 rejected") || !strings.HasSuffix(closing, "rejected.jsonl") {
		t.Fatalf("closing line %q", closing)
	}
	errorsPath := closing[strings.LastIndex(closing, " ")+1:]
	f, err := os.Open(errorsPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if len(got) != 2 || got[0]["line"] != 22.0 || got[0]["id"] != "P-003" || got[0]["field"] != "id" || got[0]["kind"] != "duplicate_id" ||
		got[1]["line"] != 23.0 || got[1]["field"] != "balance" || got[1]["reason"] == "" {
		t.Errorf("errors file %v, want lines 22 (duplicate id) and 23 (balance) with id, field and reason", got)
	}
	if !strings.Contains(r.stdout, "Report: ") {
		t.Errorf("the reports were not written before failing:\n%s", r.stdout)
	}

	if r := runCLI(inputArgs(t.TempDir(), in, "--max-rejected", "0.1", "--json")...); r.code != 0 {
		t.Errorf("--max-rejected 0.1: exit %d %s", r.code, r.stderr)
	}
}

func TestLocalInputRefusesABadFileBeforeRunning(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, want string
		rows       []string
	}{
		{"without a balance column", `no column balance`, []string{strings.Replace(tapeHeader, ",balance", "", 1), strings.Replace(tapeRow(1), ",18000", "", 1)}},
		{"with an unknown column", `unknown column "colour"`, []string{tapeHeader + ",colour", tapeRow(1) + ",red"}},
		{"with a header and no loan", "no loan record", []string{tapeHeader}},
		{"empty", "no loan record", []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			r := runCLI(inputArgs(dir, writeTape(t, "tape.csv", c.rows...))...)
			if r.code == 0 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("exit %d, stderr %q: want a failure containing %q", r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stdout, "Report") {
				t.Errorf("a report was written: %s", r.stdout)
			}
		})
	}
}

func TestLocalInputReadsAFolderOfFormatsAndRefusesIDsRepeatedAcrossFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "a.csv"), []byte(tapeHeader+"\n"+tapeRow(1)+"\n"+tapeRow(2)+"\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "b.jsonl"), []byte(`{"id":"J-1","segment":"personal_unsecured","amount":25000,"balance":18000,"current_rate":0.09,"term_months":60,"remaining_months":41,"credit_score":700,"annual_income":64000}`+"\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "README.md"), []byte("not loans"), 0o644)
	type pqLoan struct {
		ID        string  `parquet:"id"`
		Segment   string  `parquet:"segment"`
		Amount    float64 `parquet:"amount"`
		Balance   float64 `parquet:"balance"`
		Rate      float64 `parquet:"current_rate"`
		Term      int32   `parquet:"term_months"`
		Remaining int32   `parquet:"remaining_months"`
		Score     int32   `parquet:"credit_score"`
	}
	var pq bytes.Buffer
	if err := parquet.Write(&pq, []pqLoan{{"Q-1", "personal_unsecured", 25000, 18000, 0.09, 60, 41, 700}}); err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(pq.Bytes())
	_ = zw.Close()
	_ = os.WriteFile(filepath.Join(dir, "d.parquet.gz"), gz.Bytes(), 0o644)
	r := runCLI(inputArgs(t.TempDir(), dir, "--json")...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var o outcomeJSON
	_ = json.Unmarshal(lastJSON(t, r.stdout)["outcome"], &o)
	if o.LoansRead != 4 || o.LoansSimulated != 4 || o.DerivedByField["annual_income"] != 1 {
		t.Errorf("outcome %+v, want 4 loans from CSV, JSON Lines and gzipped Parquet, one income derived", o)
	}
	_ = os.WriteFile(filepath.Join(dir, "c.csv"), []byte(tapeHeader+"\n"+tapeRow(2)+"\n"), 0o644)
	r = runCLI(inputArgs(t.TempDir(), dir)...)
	if r.code == 0 || !strings.Contains(r.stderr, "a.csv line 3") {
		t.Errorf("exit %d, stderr %q: want the repeated id refused naming a.csv line 3", r.code, r.stderr)
	}
}

func TestValidatePrintsRejectionsByFieldWithoutRunning(t *testing.T) {
	t.Parallel()
	in := writeTape(t, "tape.csv", tapeHeader, tapeRow(1),
		strings.Replace(tapeRow(2), ",0.09,", ",6.5,", 1),
		strings.Replace(tapeRow(3), ",0.09,", ",150,", 1),
		strings.Replace(tapeRow(4), ",25000,", `,"12,000.50",`, 1),
		tapeRow(1))
	r := runCLI("validate", in)
	if r.code == 0 {
		t.Fatalf("exit 0 with 4 of 5 records rejected:\n%s", r.stdout)
	}
	for _, want := range []string{"5 records read, 1 valid, 4 rejected", "current_rate: 2", `"6.5"`, `"150"`, "amount: 1", `"12,000.50"`, "id: 1", "line 6"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCLI("validate", in, "--rate-unit", "percent", "--json")
	var got struct {
		Valid   int64 `json:"loans_valid"`
		OK      bool  `json:"ok"`
		ByField map[string]struct {
			Count int64 `json:"count"`
		} `json:"rejected_by_field"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("--json: %v\n%s", err, r.stdout)
	}
	if got.Valid != 2 || got.OK || got.ByField["current_rate"].Count != 1 {
		t.Errorf("--rate-unit percent --json: %+v", got)
	}
	if r := runCLI("validate", filepath.Join("..", "..", "examples", "loans", "sample.csv")); r.code != 0 {
		t.Errorf("the sample does not validate: %s %s", r.stdout, r.stderr)
	}
}
