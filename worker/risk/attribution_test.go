package risk

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// attributionSetup builds a run's scenarios and an Attributor over them.
func attributionSetup(t testing.TB, p model.Params) (*model.Scenarios, *Attributor) {
	t.Helper()
	sc, err := model.NewScenarios(p)
	if err != nil {
		t.Fatal(err)
	}
	var vs [NumChannels]*model.Scenarios
	for c, ch := range Channels {
		if vs[c], err = model.NewScenarios(VariantParams(p, ch)); err != nil {
			t.Fatal(err)
		}
	}
	a, err := NewAttributor(sc, vs)
	if err != nil {
		t.Fatal(err)
	}
	return sc, a
}

func TestAttributionSampleIsATenthByLoanID(t *testing.T) {
	t.Parallel()
	n := 0
	for i := range 100_000 {
		id := fmt.Sprintf("L%07d", i)
		in := InAttributionSample(id)
		if in != InAttributionSample(id) {
			t.Fatalf("%s: the sample is not a function of the id", id)
		}
		if in {
			n++
		}
	}
	if n < 9_700 || n > 10_300 { // 10,000 +- 3 sd
		t.Errorf("%d of 100,000 ids sampled, want about 10,000", n)
	}
}

func TestChannelParamsSwitchOffOneChannelAndKeepTheHashOfTheRun(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	// The collateral switch's flag is omitted when false, so ordinary
	// runs hash as before it existed.
	if b, _ := json.Marshal(p); strings.Contains(string(b), "lgdTodayPrices") {
		t.Error("default params marshal lgdTodayPrices")
	}
	seen := map[string]Channel{p.Hash(): ""}
	for _, ch := range Channels {
		q := ChannelParams(p, ch)
		if err := q.Validate(); err != nil {
			t.Errorf("%s: %v", ch, err)
		}
		if q.Seed != p.Seed || q.Scenarios != p.Scenarios || q.TailShift != p.TailShift {
			t.Errorf("%s: changes the seed, scenario count or tail shift: no common random numbers", ch)
		}
		if prev, ok := seen[q.Hash()]; ok {
			t.Errorf("%s: same parameters as %q", ch, prev)
		}
		seen[q.Hash()] = ch
	}
}

// TestEachChannelLowersTheStressedLossWhereItMatters fails if a switch does
// nothing or raises the loss where its channel acts, or changes the loss
// where its channel cannot act (exactly: common random numbers).
func TestEachChannelLowersTheStressedLossWhereItMatters(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios, p.Seed = 400, 3
	sc, a := attributionSetup(t, p)
	ev := model.NewEvaluator(sc)
	loans := generated(t, 11, 12_000)

	type group struct {
		name    string
		ch      int
		matters func(*loan.Loan, *model.Result) bool
		maxKept float64 // EL without / EL must be below this; 1: exactly equal
		pt      *Partial
	}
	groups := []*group{
		{name: "payment shock, loans whose payment rises over 10%", ch: 0, maxKept: 0.95,
			matters: func(_ *loan.Loan, r *model.Result) bool { return r.PaymentShockMean > 1.10 }},
		{name: "payment shock, fixed-rate loans", ch: 0, maxKept: 1,
			matters: func(l *loan.Loan, _ *model.Result) bool { return l.RateType == loan.Fixed && !l.Segment.Revolving() }},
		{name: "unemployment, every loan", ch: 1, maxKept: 0.85,
			matters: func(*loan.Loan, *model.Result) bool { return true }},
		// Collateral explains about 4% of these loans' stressed loss at seed 3
		// (less than the 5% it did before CRE's eta was netted of the
		// payment channel); off or flipped it would be 1 or above.
		{name: "collateral, mortgages, home equity and CRE", ch: 2, maxKept: 0.975,
			matters: func(l *loan.Loan, _ *model.Result) bool { return l.Segment.RealEstate() }},
		{name: "collateral, unsecured personal loans and cards", ch: 2, maxKept: 1,
			matters: func(l *loan.Loan, _ *model.Result) bool {
				return l.Segment == loan.PersonalUnsecured || l.Segment == loan.CreditCard
			}},
		{name: "refinancing, commercial loans that may fail to refinance", ch: 3, maxKept: 0.9,
			matters: func(_ *loan.Loan, r *model.Result) bool { return r.RefiFailProb > 0 }},
		{name: "refinancing, personal loans", ch: 3, maxKept: 1,
			matters: func(l *loan.Loan, _ *model.Result) bool { return l.Segment.Personal() }},
	}
	for _, g := range groups {
		g.pt = NewPartial(p)
	}
	sampled := 0
	for i := range loans {
		l := &loans[i]
		if !InAttributionSample(l.ID) {
			continue
		}
		sampled++
		r, err := ev.Evaluate(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups {
			if g.matters(l, &r) {
				if err := a.Add(g.pt, l, &r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	for _, g := range groups {
		var n, base, without int64
		for _, s := range g.pt.Attribution {
			n += s.Loans
			base += s.LossCents
			without += s.WithoutCents[g.ch]
		}
		kept := float64(without) / float64(base)
		t.Logf("%s: %d of %d sampled loans, EL $%.0f, without %s $%.0f (%.3f)", g.name, n, sampled, float64(base)/100, Channels[g.ch], float64(without)/100, kept)
		switch {
		case n < 5 || base <= 0:
			t.Errorf("%s: %d loans with EL %d cents: the test portfolio lacks them", g.name, n, base)
		case g.maxKept == 1 && without != base:
			t.Errorf("%s: EL without %s is %d cents, want exactly the EL %d", g.name, Channels[g.ch], without, base)
		case g.maxKept < 1 && !(kept < g.maxKept):
			t.Errorf("%s: EL without %s is %.3f of the EL, want below %.2f", g.name, Channels[g.ch], kept, g.maxKept)
		}
	}
}

// TestAttributionMergesExactlyAndSurvivesJSON: split over partials, in any
// order, through the partial files' JSON, the sums are the same, and the
// report's table follows from them.
func TestAttributionMergesExactlyAndSurvivesJSON(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios, p.Seed = 200, 5
	sc, a := attributionSetup(t, p)
	ev := model.NewEvaluator(sc)
	loans := generated(t, 4, 3_000)
	whole := NewPartial(p)
	parts := []*Partial{NewPartial(p), NewPartial(p), NewPartial(p)}
	var baseNs, attrNs time.Duration
	for i := range loans {
		t0 := time.Now()
		r, err := ev.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		baseNs += t1.Sub(t0)
		for _, pt := range []*Partial{whole, parts[i%3]} {
			if err := pt.Add(&r); err != nil {
				t.Fatal(err)
			}
			t2 := time.Now()
			if err := a.Add(pt, &loans[i], &r); err != nil {
				t.Fatal(err)
			}
			if pt == whole {
				attrNs += time.Since(t2)
			}
		}
	}
	t.Logf("attribution CPU: %.0f%% of the evaluation's (%v on %v)", 100*attrNs.Seconds()/baseNs.Seconds(), attrNs, baseNs)
	var merged *Partial
	for _, i := range []int{2, 0, 1} {
		b, err := json.Marshal(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		var back Partial
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if merged == nil {
			merged = &back
		} else if err := merged.Merge(&back); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(merged.Attribution, whole.Attribution) {
		t.Fatalf("merged attribution %+v, want %+v", merged.Attribution, whole.Attribution)
	}
	// A partial without the attribution (an empty batch's) merges as zeros.
	empty := NewPartial(p)
	if err := merged.Merge(empty); err != nil || !reflect.DeepEqual(merged.Attribution, whole.Attribution) {
		t.Fatalf("merging an empty partial: %v", err)
	}

	rep, err := SummariseScenarios(whole, sc)
	if err != nil {
		t.Fatal(err)
	}
	at := rep.Attribution
	if at == nil || at.Portfolio.Loans == 0 || len(at.Segments) == 0 {
		t.Fatalf("report attribution %+v", at)
	}
	var n int64
	for _, s := range at.Segments {
		n += s.Loans
		if len(s.Channels) != NumChannels || s.Summary == "" {
			t.Errorf("%s: %d channels, summary %q", s.Segment, len(s.Channels), s.Summary)
		}
		for _, e := range s.Channels {
			if d := s.ExpectedLoss - e.ExpectedLossWithout - e.Explained; d > 1e-6 || d < -1e-6 {
				t.Errorf("%s %s: explained %v is not EL %v - without %v", s.Segment, e.Channel, e.Explained, s.ExpectedLoss, e.ExpectedLossWithout)
			}
		}
	}
	if n != at.Portfolio.Loans || at.Portfolio.Driver == "" || !strings.Contains(at.Portfolio.Summary, ChannelLabel(at.Portfolio.Driver)) {
		t.Errorf("portfolio %+v over %d segment loans", at.Portfolio, n)
	}
	t.Logf("%s", at.Portfolio.Summary)
	for _, s := range at.Segments {
		t.Logf("%s", s.Summary)
	}
}

// TestScenarioPrefixKeepsCommonRandomNumbers: a run of fewer scenarios is
// the prefix of a run of more (draws, weights, each loan's uniforms), which
// the attribution's cap (AttributionMaxScenarios) relies on.
func TestScenarioPrefixKeepsCommonRandomNumbers(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios, p.Seed, p.TailShift = 300, 9, 0.2
	q := p
	q.Scenarios = 70
	big, err := model.NewScenarios(p)
	if err != nil {
		t.Fatal(err)
	}
	small, err := model.NewScenarios(q)
	if err != nil {
		t.Fatal(err)
	}
	for s := range q.Scenarios {
		if big.Weight(s) != small.Weight(s) || big.Unemployment(s, 20) != small.Unemployment(s, 20) || big.CRE(s, 27) != small.CRE(s, 27) {
			t.Fatalf("scenario %d differs between 300 and 70 scenarios", s)
		}
	}
	eb, es := model.NewEvaluator(big), model.NewEvaluator(small)
	loans := generated(t, 2, 2_000)
	compared := 0
	for i := range loans {
		rb, err := eb.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		var want []model.ScenarioLoss
		for _, d := range rb.Losses {
			if d.Scenario < q.Scenarios {
				want = append(want, d)
			}
		}
		rs, err := es.Evaluate(&loans[i])
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(append([]model.ScenarioLoss(nil), rs.Losses...), want) && !(len(want) == 0 && len(rs.Losses) == 0) {
			t.Fatalf("loan %s: losses %v on 70 scenarios, want the 300-scenario run's first 70: %v", loans[i].ID, rs.Losses, want)
		}
		compared += len(want)
	}
	if compared < 50 {
		t.Errorf("only %d defaults compared", compared)
	}
}

// TestAttributionOfALargeRunUsesItsFirstScenarios: above
// AttributionMaxScenarios the base loss is the mean over the same prefix
// the variants run, so a channel that cannot act leaves it exactly equal.
func TestAttributionOfALargeRunUsesItsFirstScenarios(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios, p.Seed = AttributionMaxScenarios+500, 4
	sc, a := attributionSetup(t, p)
	if got := a.ev[0]; got == nil || len(a.weights) != AttributionMaxScenarios {
		t.Fatalf("%d attribution weights, want %d", len(a.weights), AttributionMaxScenarios)
	}
	ev := model.NewEvaluator(sc)
	pt := NewPartial(p)
	n := 0
	for _, l := range generated(t, 6, 3_000) {
		if !InAttributionSample(l.ID) || l.RateType != loan.Fixed || l.Segment.Revolving() {
			continue
		}
		r, err := ev.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(pt, &l, &r); err != nil {
			t.Fatal(err)
		}
		n++
	}
	var base, without int64
	for _, s := range pt.Attribution {
		base += s.LossCents
		without += s.WithoutCents[0]
	}
	if n < 10 || base <= 0 || without != base {
		t.Errorf("%d fixed-rate loans: EL %d cents, without payment shock %d: want equal and positive", n, base, without)
	}
}

// Add skips the variants ChannelCanMove rules out: evaluated anyway, on
// every kind of loan the generator writes, each gives exactly the loss of
// the run with every channel.
func TestChannelCanMoveIsExact(t *testing.T) {
	t.Parallel()
	p := model.DefaultParams()
	p.Scenarios, p.Seed = AttributionMaxScenarios+50, 5
	sc, a := attributionSetup(t, p)
	ev := model.NewEvaluator(sc)
	skipped := map[Channel]int{}
	for _, l := range generated(t, 8, 3_000) {
		r, err := ev.Evaluate(&l)
		if err != nil {
			t.Fatal(err)
		}
		want := a.meanLossCents(&r)
		for c, ch := range Channels {
			if ChannelCanMove(ch, &l) {
				continue
			}
			v, err := a.ev[c].Evaluate(&l)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.meanLossCents(&v); got != want {
				t.Fatalf("%s (%s, %s): without %s the loss is %d cents, with every channel %d: the channel moves it", l.ID, l.Segment, l.RateType, ch, got, want)
			}
			if want > 0 {
				skipped[ch]++
			}
		}
	}
	for _, ch := range []Channel{ChannelPaymentShock, ChannelCollateral, ChannelRefinancing} {
		if skipped[ch] < 50 {
			t.Errorf("%s: only %d skipped loans with a loss were checked", ch, skipped[ch])
		}
	}
}
