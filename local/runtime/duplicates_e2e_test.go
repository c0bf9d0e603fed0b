package localrun

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// A folder of three files whose loan ids overlap, staged as a prefix and
// simulated by the real workflows over loopback: a run reads its objects
// in separate batches, on any worker, so only prepare can say which copy
// of an id came first (key order, then line).
//
//	a.csv    P-000..P-029 (lines 2..31)
//	b.jsonl  P-020..P-049 (lines 1..30): P-020..P-029 repeat a.csv's
//	c.csv    P-045..P-074 (lines 2..31): P-045..P-049 repeat b.jsonl's;
//	         and P-000 on line 32, a.csv's line 2
//
// Each copy has its own balance, so a copy counted instead of the first,
// or besides it, changes the figures.
func writeOverlappingTapes(t *testing.T, dir string, clean bool) {
	t.Helper()
	const header = "id,segment,amount,balance,current_rate,term_months,remaining_months,credit_score\n"
	row := func(i, balance int) string {
		return fmt.Sprintf("P-%03d,personal_unsecured,25000,%d,0.09,60,41,%d\n", i, balance, 640+i)
	}
	jsonl := func(i, balance int) string {
		return fmt.Sprintf(`{"id":"P-%03d","segment":"personal_unsecured","amount":25000,"balance":%d,"current_rate":0.09,"term_months":60,"remaining_months":41,"credit_score":%d}`+"\n", i, balance, 640+i)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var a, b, c strings.Builder
	a.WriteString(header)
	c.WriteString(header)
	for i := 0; i < 30; i++ {
		a.WriteString(row(i, 10_000+100*i))
	}
	for i := 20; i < 50; i++ {
		if !clean || i >= 30 {
			b.WriteString(jsonl(i, 20_000+100*i))
		}
	}
	for i := 45; i < 75; i++ {
		if !clean || i >= 50 {
			c.WriteString(row(i, 5_000+100*i))
		}
	}
	if !clean {
		c.WriteString(row(0, 24_000))
	}
	write("a.csv", a.String())
	write("b.jsonl", b.String())
	write("c.csv", c.String())
}

// readRejections reads a run's merged errors file.
func readRejections(t *testing.T, path string) []loan.Rejection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []loan.Rejection
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r loan.Rejection
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b loan.Rejection) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return a.Line - b.Line
	})
	return out
}

func TestALoanIDRepeatedAcrossObjectsOfAPrefixIsRejectedWhateverTheLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeOverlappingTapes(t, dir, false)
	layouts := []struct {
		name string
		set  func(*Options)
	}{
		{"one object a batch on two workers", func(o *Options) { o.BatchSize = 1; o.Workers = 2; o.TasksPerWorker = 2 }},
		{"one batch on one worker", func(o *Options) { o.BatchSize = 10_000; o.Workers = 1; o.TasksPerWorker = 1 }},
		{"one object a batch with workers killed", func(o *Options) { o.BatchSize = 1; o.ChaosKill = 0.3; o.ChaosSeed = 4 }},
	}
	var ref Result
	var refRej []loan.Rejection
	for i, l := range layouts {
		opts := testOptions(t)
		l.set(&opts)
		res, rt := runPipeline(t, opts, Run{Input: dir, Scenarios: 50, Seed: 11})
		t.Logf("%s: %d batches, %d workers killed", l.name, res.Batches, rt.Kills())
		if opts.ChaosKill > 0 && rt.Kills() == 0 {
			t.Errorf("%s: no worker killed; the layout proves nothing about retries", l.name)
		}
		if res.LoansProcessed != 75 || res.LoansRejected != 16 {
			t.Errorf("%s: %d loans simulated and %d rejected; want the 75 ids once each and the 16 later copies rejected", l.name, res.LoansProcessed, res.LoansRejected)
		}
		if res.ErrorsPath == "" {
			t.Fatalf("%s: no errors file", l.name)
		}
		rej := readRejections(t, res.ErrorsPath)
		for j := range rej {
			rej[j].Source = rej[j].Source[strings.LastIndex(rej[j].Source, "/")+1:]
		}
		var got []string
		for _, r := range rej {
			if r.Kind != loan.KindDuplicateID || r.Field != "id" || !strings.Contains(r.Reason, "was already given in s3://") {
				t.Errorf("%s: %s line %d: %s %q; want duplicate_id naming the first place", l.name, r.Source, r.Line, r.Kind, r.Reason)
			}
			first := r.Reason[strings.Index(r.Reason, "/loans/")+len("/loans/"):]
			got = append(got, fmt.Sprintf("%s:%d %s <- %s", r.Source, r.Line, r.ID, first[:strings.Index(first, " (")]))
		}
		var want []string
		for k := 20; k < 30; k++ {
			want = append(want, fmt.Sprintf("b.jsonl:%d P-%03d <- a.csv line %d", k-19, k, k+2))
		}
		for k := 45; k < 50; k++ {
			want = append(want, fmt.Sprintf("c.csv:%d P-%03d <- b.jsonl line %d", k-43, k, k-19))
		}
		want = append(want, "c.csv:32 P-000 <- a.csv line 2")
		if !slices.Equal(got, want) {
			t.Errorf("%s: rejected\n%s\nwant\n%s", l.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if i == 0 {
			ref, refRej = res, rej
			continue
		}
		if res.Headline != ref.Headline || !slices.Equal(rej, refRej) {
			t.Errorf("%s: figures or rejections differ from %s:\n got %+v\nwant %+v", l.name, layouts[0].name, res.Headline, ref.Headline)
		}
	}

	// The figures are those of the first copies alone: no loss of a later
	// copy is counted.
	clean := t.TempDir()
	writeOverlappingTapes(t, clean, true)
	res, _ := runPipeline(t, testOptions(t), Run{Input: clean, Scenarios: 50, Seed: 11})
	if res.LoansProcessed != 75 || res.LoansRejected != 0 || res.Headline != ref.Headline {
		t.Errorf("the same loans without the copies: %d simulated, %d rejected, %+v; want 75, 0 and %+v", res.LoansProcessed, res.LoansRejected, res.Headline, ref.Headline)
	}
}
