package risk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

func TestSameSeedGivesBitIdenticalResultsWhateverTheBatchingAndWorkers(t *testing.T) {
	t.Parallel()
	sc := scenarios(t, func(p *model.Params) { p.Scenarios = 200 })
	loans := generated(t, 7, 3000)
	ref, refResults := runBatches(t, sc, loans, len(loans), 1)
	refJSON, err := json.Marshal(ref)
	if err != nil {
		t.Fatal(err)
	}
	if ref.Loans() != int64(len(loans)) {
		t.Fatalf("partial counts %d loans, want %d", ref.Loans(), len(loans))
	}
	for _, batch := range []int{1, 7, 1000} {
		for _, workers := range []int{1, 2, 8} {
			pt, results := runBatches(t, sc, loans, batch, workers)
			got, err := json.Marshal(pt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, refJSON) {
				t.Errorf("batch %d, %d workers: merged partial differs", batch, workers)
			}
			if !reflect.DeepEqual(results, refResults) {
				t.Errorf("batch %d, %d workers: per-loan results differ", batch, workers)
			}
		}
	}
}

func TestPartialSurvivesJSONAndMergesInAnyOrder(t *testing.T) {
	t.Parallel()
	sc := scenarios(t, func(p *model.Params) { p.Scenarios = 300 })
	loans := generated(t, 3, 900)
	a, _ := runBatches(t, sc, loans[:300], 300, 1)
	b, _ := runBatches(t, sc, loans[300:600], 300, 1)
	c, _ := runBatches(t, sc, loans[600:], 300, 1)
	abc, err := Merge(a, b, c)
	if err != nil {
		t.Fatal(err)
	}
	cba, err := Merge(c, b, a)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(abc, cba) {
		t.Fatal("merge order changed the sum")
	}
	whole, _ := runBatches(t, sc, loans, 900, 1)
	if !reflect.DeepEqual(abc, whole) {
		t.Fatal("merged thirds differ from the whole")
	}
	raw, err := json.Marshal(abc)
	if err != nil {
		t.Fatal(err)
	}
	var back Partial
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, abc) {
		t.Fatal("JSON round trip changed the partial")
	}
	// Merge leaves its inputs alone.
	a2, _ := runBatches(t, sc, loans[:300], 300, 1)
	if !reflect.DeepEqual(a, a2) {
		t.Fatal("Merge modified its first argument")
	}
	t.Logf("partial of 900 loans x 300 scenarios: %d bytes of JSON", len(raw))
}

func TestMergeRejectsPartialsOfDifferentRuns(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios = 10
	cases := []struct {
		name   string
		mutate func(*model.Params)
		want   string
	}{
		{"another seed", func(q *model.Params) { q.Seed++ }, "seed"},
		{"other parameters", func(q *model.Params) { q.Gamma = 2 }, "params hash"},
		{"another scenario count", func(q *model.Params) { q.Scenarios = 11 }, "params hash"},
	}
	for _, c := range cases {
		t.Run("a partial from "+c.name+" is rejected", func(t *testing.T) {
			t.Parallel()
			q := p
			c.mutate(&q)
			err := NewPartial(p).Merge(NewPartial(q))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Merge = %v, want an error about %s", err, c.want)
			}
		})
	}
	if _, err := Merge(); err == nil {
		t.Error("Merge of nothing succeeded")
	}
}

func TestAddRejectsAResultFromAnotherScenarioCount(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios = 5
	r := model.Result{LoanID: "x", Segment: "personal_auto", Losses: []model.ScenarioLoss{{Scenario: 9, Month: 1, Cents: 5}}}
	if err := NewPartial(p).Add(&r); err == nil {
		t.Fatal("Add accepted scenario 9 of 5")
	}
	r.Segment = "mortgage"
	if err := NewPartial(p).Add(&r); err == nil {
		t.Fatal("Add accepted an unknown segment")
	}
}
