package risk

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// sampleOf builds a sample from losses in dollars and their weights (nil:
// every weight 1), the way newSample does from cents.
func sampleOf(xs, ws []float64) sample {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(xs[a], xs[b]) })
	loss, w := make([]float64, len(xs)), make([]float64, len(xs))
	for i, k := range idx {
		loss[i], w[i] = xs[k], 1
		if ws != nil {
			w[i] = ws[k]
		}
	}
	return sortedSample(loss, w, 0)
}

func tailOf(sorted []float64, alpha float64) tail {
	s := sampleOf(sorted, nil)
	return s.tailAt(alpha)
}

func meanOf(xs []float64) (float64, Interval) {
	s := sampleOf(xs, nil)
	return s.mean()
}

// tilted draws n losses L = Y from the proposal N(theta, 1) with the
// likelihood ratio of the target N(0, 1), w = exp(-theta Y + theta^2/2):
// the importance sampling of MODEL.md section 4 in one dimension.
func tilted(r *rand.Rand, n int, theta float64) (xs, ws []float64) {
	xs, ws = make([]float64, n), make([]float64, n)
	for i := range xs {
		y := theta + r.NormFloat64()
		xs[i], ws[i] = y, math.Exp(-theta*y+theta*theta/2)
	}
	return xs, ws
}

func TestWeightedMeanEqualsThePlainMeanWithinError(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(31, 32))
	// Losses exp(Y/2), Y ~ N(0, 1) under the target: mean e^(1/8). A plain
	// run and a run shifted into the tail (theta 1) estimate the same mean.
	const n = 20_000
	plain := make([]float64, n)
	for i := range plain {
		plain[i] = math.Exp(r.NormFloat64() / 2)
	}
	ys, ws := tilted(r, n, 1)
	for i := range ys {
		ys[i] = math.Exp(ys[i] / 2)
	}
	mp, cp := meanOf(plain)
	sw := sampleOf(ys, ws)
	mw, cw := sw.mean()
	truth := math.Exp(0.125)
	sep, sew := (cp[1]-cp[0])/(2*z975), (cw[1]-cw[0])/(2*z975)
	if d := math.Abs(mw - mp); d > 4*math.Hypot(sep, sew) {
		t.Errorf("weighted mean %v (se %v), plain mean %v (se %v): %v apart, over 4 standard errors", mw, sew, mp, sep, d)
	}
	for _, c := range []struct {
		name string
		m    float64
		ci   Interval
	}{{"plain", mp, cp}, {"weighted", mw, cw}} {
		if se := (c.ci[1] - c.ci[0]) / (2 * z975); math.Abs(c.m-truth) > 4*se {
			t.Errorf("%s mean %v (se %v), true mean %v", c.name, c.m, se, truth)
		}
	}
}

func TestWeightedTailMatchesTheTrueQuantileAndShortfall(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(33, 34))
	// Target N(0,1): q99.9 = 3.0902, ES99.9 = phi(q)/0.001 = 3.3671. 10,000
	// scenarios shifted by theta 3 put half of them in the tail.
	xs, ws := tilted(r, 10_000, 3)
	s := sampleOf(xs, ws)
	tl := s.tailAt(0.999)
	q := model.PhiInv(0.999)
	es := math.Exp(-q*q/2) / math.Sqrt(2*math.Pi) / 0.001
	if tl.Status != TailReliable || tl.Scenarios < 1000 {
		t.Errorf("tail of %d scenarios (%s), want thousands", tl.Scenarios, tl.Status)
	}
	if !(tl.VaRCI[0] <= q && q <= tl.VaRCI[1]) || tl.VaRCI[1]-tl.VaRCI[0] > 0.1 {
		t.Errorf("VaR99.9 %v, interval %v; true %v", tl.VaR, tl.VaRCI, q)
	}
	if !(tl.ESCI[0] <= es && es <= tl.ESCI[1]) || tl.ESCI[1]-tl.ESCI[0] > 0.1 {
		t.Errorf("ES99.9 %v, interval %v; true %v", tl.ES, tl.ESCI, es)
	}
}

func TestWeightedIntervalsCoverAbout95Percent(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(35, 36))
	// Woodruff's interval for the weighted 99% VaR and the delta-method ES
	// interval, each over 400 importance-sampled runs of 2,000 scenarios
	// (theta 2). Asymptotic intervals: accept 90% to 99%.
	const reps, n, alpha, theta = 400, 2000, 0.99, 2.0
	q := model.PhiInv(alpha)
	es := math.Exp(-q*q/2) / math.Sqrt(2*math.Pi) / (1 - alpha)
	var coverVaR, coverES, coverMean int
	for range reps {
		xs, ws := tilted(r, n, theta)
		s := sampleOf(xs, ws)
		tl := s.tailAt(alpha)
		if tl.VaRCI[0] <= q && q <= tl.VaRCI[1] {
			coverVaR++
		}
		if tl.ESCI[0] <= es && es <= tl.ESCI[1] {
			coverES++
		}
		// The mean under a milder shift: a shift aimed at the 99% tail gives
		// the body weights of infinite-looking variance (e^theta^2 = 55).
		xm, wm := tilted(r, n, 0.5)
		sm := sampleOf(xm, wm)
		if _, ci := sm.mean(); ci[0] <= 0 && 0 <= ci[1] {
			coverMean++
		}
	}
	for _, c := range []struct {
		name    string
		covered int
	}{{"VaR", coverVaR}, {"ES", coverES}, {"mean", coverMean}} {
		if got := float64(c.covered) / reps; got < 0.90 || got > 0.99 {
			t.Errorf("%s interval covers the truth in %.3f of runs, want about 0.95", c.name, got)
		} else {
			t.Logf("%s interval coverage %.3f", c.name, got)
		}
	}
}

// fakeScenarios is a ScenarioSource with given weights.
type fakeScenarios struct {
	p     model.Params
	w     []float64
	bands model.PathBands
}

func (f fakeScenarios) Params() model.Params       { return f.p }
func (f fakeScenarios) Weight(s int) float64       { return f.w[s] }
func (f fakeScenarios) PathBands() model.PathBands { return f.bands }

// randomPartial is a partial of S scenarios whose segments lose random
// amounts, some segments mostly nothing.
func randomPartial(t *testing.T, r *rand.Rand, S int) (*Partial, model.Params) {
	t.Helper()
	p := model.DefaultParams()
	p.Scenarios = S
	pt := NewPartial(p)
	for i := range pt.Segments {
		seg := &pt.Segments[i]
		seg.Loans = int64(1 + r.IntN(1000))
		seg.ExposureCents = seg.Loans * 1_000_000_00
		seg.AvgBalanceCents = seg.ExposureCents * 9 / 10
		seg.BaselinePDE9, seg.StressedPDE9 = seg.Loans*20_000_000, seg.Loans*30_000_000
		seg.BaselinePDExposureCents, seg.StressedPDExposureCents = seg.ExposureCents/50, seg.ExposureCents*3/100
		for s := range seg.LossCents {
			if i%2 == 0 || r.IntN(20) == 0 {
				seg.LossCents[s] = r.Int64N(1_000_000_00)
			}
		}
	}
	return pt, p
}

func TestUnitWeightsGiveThePlainFiguresBitForBit(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(37, 38))
	for _, S := range []int{1, 7, 200, 1000, 2500} {
		t.Run(fmt.Sprintf("%d scenarios", S), func(t *testing.T) {
			pt, p := randomPartial(t, r, S)
			plain, err := Summarise(pt, p)
			if err != nil {
				t.Fatal(err)
			}
			ones := make([]float64, S)
			for i := range ones {
				ones[i] = 1
			}
			weighted, err := SummariseScenarios(pt, fakeScenarios{p: p, w: ones})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plain, weighted) {
				t.Errorf("unit weights change the report:\nplain    %+v\nweighted %+v", plain.Headline, weighted.Headline)
			}
			// And the weighted formulas are the plain ones: the mean is
			// the sum over S, VaR the ceil(alpha S)-th loss, ES (alpha S
			// an integer) the mean of the largest (1-alpha) S.
			var total []float64
			for s := range S {
				var c int64
				for i := range pt.Segments {
					c += pt.Segments[i].LossCents[s]
				}
				total = append(total, float64(c)/100)
			}
			slices.Sort(total)
			var sum float64
			for _, x := range total {
				sum += x
			}
			h := plain.Headline
			if h.ExpectedLoss != sum/float64(S) {
				t.Errorf("expected loss %v, plain mean %v", h.ExpectedLoss, sum/float64(S))
			}
			if S == 1000 {
				k := 990
				var top float64
				for _, x := range total[k:] {
					top += x
				}
				if h.VaR99 != total[k-1] || h.ES99 != top/10 {
					t.Errorf("VaR99 %v ES99 %v, plain %v and %v", h.VaR99, h.ES99, total[k-1], top/10)
				}
			}
		})
	}
}

func TestSummariseScenariosWeightsEveryFigure(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(39, 40))
	const S = 2000
	pt, p := randomPartial(t, r, S)
	p.TailShift = 0.5
	pt.ParamsHash = p.Hash()
	if _, err := Summarise(pt, p); err == nil {
		t.Fatal("Summarise summarised an importance-sampled run without its weights")
	}
	w := make([]float64, S)
	for s := range w {
		w[s] = math.Exp(0.3 * r.NormFloat64())
	}
	bands := model.PathBands{FedFunds: model.Band{Mean: []float64{0.0433, 0.05}, P5: []float64{0.0433, 0.045}, P95: []float64{0.0433, 0.055}}}
	rep, err := SummariseScenarios(pt, fakeScenarios{p: p, w: w, bands: bands})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ImportanceSampling == nil || rep.ImportanceSampling.TailShift != 0.5 ||
		!(rep.ImportanceSampling.EffectiveScenarios > 1000 && rep.ImportanceSampling.EffectiveScenarios < S) {
		t.Errorf("importance sampling %+v", rep.ImportanceSampling)
	}
	if rep.ScenarioPaths == nil || !reflect.DeepEqual(*rep.ScenarioPaths, bands) {
		t.Errorf("scenario paths %+v, want %+v", rep.ScenarioPaths, bands)
	}
	// The expected loss is the weighted mean sum(w L)/S, segment by segment.
	for _, seg := range rep.Segments {
		i := segmentIndex(seg.Segment)
		var num float64
		for s, c := range pt.Segments[i].LossCents {
			num += w[s] * float64(c) / 100
		}
		den := float64(S)
		if d := math.Abs(seg.ExpectedLoss - num/den); d > 1e-9*num/den {
			t.Errorf("%s: expected loss %v, weighted mean %v", seg.Segment, seg.ExpectedLoss, num/den)
		}
		var prob float64
		for _, x := range seg.Histogram.Probability {
			prob += x
		}
		if math.Abs(prob-1) > 1e-9 {
			t.Errorf("%s: histogram probabilities add to %v", seg.Segment, prob)
		}
	}
	bad := fakeScenarios{p: p, w: slices.Repeat([]float64{math.NaN()}, S)}
	if _, err := SummariseScenarios(pt, bad); err == nil {
		t.Error("NaN weights accepted")
	}
}

func TestTailStatusFollowsTheScenariosBeyondTheQuantile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		S      int
		alpha  float64
		beyond int
		status TailStatus
	}{
		{1, 0.99, 0, TailInsufficient},
		{200, 0.999, 0, TailInsufficient},
		{900, 0.99, 9, TailInsufficient},
		{950, 0.99, 9, TailInsufficient},
		{1000, 0.99, 10, TailIndicative},
		{1000, 0.999, 1, TailInsufficient},
		{9900, 0.99, 99, TailIndicative},
		{9999, 0.999, 9, TailInsufficient},
		{10_000, 0.99, 100, TailReliable},
		{10_000, 0.999, 10, TailIndicative},
		{100_000, 0.999, 100, TailReliable},
	} {
		t.Run(fmt.Sprintf("%d scenarios at %v", tc.S, tc.alpha), func(t *testing.T) {
			t.Parallel()
			xs := make([]float64, tc.S)
			for i := range xs {
				xs[i] = float64(i)
			}
			tl := tailOf(xs, tc.alpha)
			if tl.Scenarios != tc.beyond || tl.Status != tc.status {
				t.Errorf("%d scenarios beyond (%s), want %d (%s)", tl.Scenarios, tl.Status, tc.beyond, tc.status)
			}
		})
	}
}

// TestTheES999OfTwoHundredScenariosIsNotReported is the fault of model v1:
// with 200 scenarios the 99.9% tail is the single largest loss, ES and VaR
// were both that loss, and the ES interval had no width.
func TestTheES999OfTwoHundredScenariosIsNotReported(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(41, 42))
	pt, p := randomPartial(t, r, 200)
	rep, err := Summarise(pt, p)
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Headline
	if h.Tail999 != TailInsufficient || h.ES999 != 0 || h.ES999CI != (Interval{}) || h.TailWarning == "" {
		t.Errorf("ES99.9 %v %v (%s), warning %q; want not reported, with a reason", h.ES999, h.ES999CI, h.Tail999, h.TailWarning)
	}
	raw, err := h.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"es_999":null`, `"var_999":null`, `"es_999_ci":null`, `"var_99":null`, `"tail_999":"insufficient"`} {
		if !contains(raw, k) {
			t.Errorf("headline JSON lacks %s: %s", k, raw)
		}
	}
}

func contains(b []byte, s string) bool { return strings.Contains(string(b), s) }

// TestNoIntervalEverHasZeroWidth draws samples of every awkward shape
// (one scenario, every loss the same, nothing lost, heavy ties, a single
// large loss, random weights) and checks every interval a report shows.
func TestNoIntervalEverHasZeroWidth(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(43, 44))
	check := func(name string, v float64, ci Interval) {
		t.Helper()
		if !(ci[1] > ci[0]) || math.IsNaN(ci[0]) || math.IsInf(ci[0], 0) || math.IsInf(ci[1], 0) {
			t.Fatalf("%s: interval %v has no width", name, ci)
		}
		if !(ci[0] <= v && v <= ci[1]) {
			t.Fatalf("%s: %v outside its interval %v", name, v, ci)
		}
	}
	for trial := range 3000 {
		S := 1 + r.IntN(3000)
		if trial%10 == 0 {
			S = 1 + r.IntN(5)
		}
		cents := make([]int64, S)
		switch shape := trial % 6; shape {
		case 0: // nothing lost
		case 1: // every scenario the same
			c := r.Int64N(1e10)
			for s := range cents {
				cents[s] = c
			}
		case 2: // one large loss
			cents[r.IntN(S)] = 1 + r.Int64N(1e12)
		case 3: // heavy ties: a few values
			for s := range cents {
				cents[s] = int64(r.IntN(3)) * 100
			}
		case 4: // rare losses
			for s := range cents {
				if r.IntN(100) == 0 {
					cents[s] = r.Int64N(1e9)
				}
			}
		default:
			for s := range cents {
				cents[s] = r.Int64N(1e11)
			}
		}
		var w []float64
		if trial%3 == 1 {
			w = make([]float64, S)
			for s := range w {
				w[s] = math.Exp(r.NormFloat64())
			}
		}
		smp := newSample(cents, w, float64(r.Int64N(1e10))/100)
		name := fmt.Sprintf("trial %d (S %d, weighted %v)", trial, S, w != nil)
		m, ci := smp.mean()
		check(name+" mean", m, ci)
		for _, alpha := range []float64{0.99, 0.999} {
			tl := smp.tailAt(alpha)
			if !tl.Status.Reported() {
				continue
			}
			check(fmt.Sprintf("%s VaR %v", name, alpha), tl.VaR, tl.VaRCI)
			check(fmt.Sprintf("%s ES %v", name, alpha), tl.ES, tl.ESCI)
		}
	}
}

func TestSegmentFiguresAndLossRates(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(45, 46))
	pt, p := randomPartial(t, r, 1000)
	rep, err := Summarise(pt, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Segments) != len(pt.Segments) {
		t.Fatalf("%d segments reported, %d with loans", len(rep.Segments), len(pt.Segments))
	}
	for i, seg := range rep.Segments {
		b := &pt.Segments[i].BandPartial
		if seg.Segment != pt.Segments[i].Segment || seg.Loans != b.Loans {
			t.Errorf("segment %d is %s with %d loans, want %s with %d", i, seg.Segment, seg.Loans, pt.Segments[i].Segment, b.Loans)
		}
		if want := seg.ExpectedLoss / (float64(b.AvgBalanceCents) / 100); seg.LossRateAvgBalance != want {
			t.Errorf("%s: loss rate over average balance %v, want %v", seg.Segment, seg.LossRateAvgBalance, want)
		}
		near := func(a, b float64) bool { return math.Abs(a-b) < 1e-15 }
		if !near(seg.PDBaselineMeanExposure, 0.02) || !near(seg.PDStressedMeanExposure, 0.03) || !near(seg.PDBaselineMean, 0.02) || !near(seg.PDStressedMean, 0.03) {
			t.Errorf("%s: PDs %v %v (by exposure %v %v), want 2%% and 3%%", seg.Segment, seg.PDBaselineMean, seg.PDStressedMean, seg.PDBaselineMeanExposure, seg.PDStressedMeanExposure)
		}
		if seg.Tail99 != TailIndicative || seg.Tail999 != TailInsufficient || seg.VaR999 != 0 || seg.VaR99 == 0 {
			t.Errorf("%s: tails %s %s, VaR %v %v", seg.Segment, seg.Tail99, seg.Tail999, seg.VaR99, seg.VaR999)
		}
		raw, err := json.Marshal(seg)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		if back["segment"] != string(seg.Segment) || back["var_999"] != nil || back["var_99"] == nil || back["tail_999"] != "insufficient" ||
			!strings.Contains(back["tail_warning"].(string), "99.9%") {
			t.Errorf("%s: JSON %s", seg.Segment, raw)
		}
		var dec SegmentReport
		if err := json.Unmarshal(raw, &dec); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(dec, seg) {
			t.Errorf("%s: JSON does not read back:\n got %+v\nwant %+v", seg.Segment, dec, seg)
		}
	}
}

func TestJSONIsPlainExceptForTheNullFigures(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(47, 48))
	pt, p := randomPartial(t, r, 20_000)
	rep, err := Summarise(pt, p)
	if err != nil {
		t.Fatal(err)
	}
	// 20,000 scenarios: every tail figure reported; the average balance is
	// set. The JSON is then exactly encoding/json's of the plain struct.
	type plainStats LossStats
	type plainHeadline Headline
	ls := rep.Portfolio
	if ls.Tail999 != TailIndicative || ls.AvgBalanceUSD == 0 {
		t.Fatalf("fixture: tail %s, average balance %v", ls.Tail999, ls.AvgBalanceUSD)
	}
	for name, c := range map[string][2]any{
		"portfolio": {ls, plainStats(ls)},
		"headline":  {rep.Headline, plainHeadline(rep.Headline)},
		"segment": {rep.Segments[0], struct {
			Segment string `json:"segment"`
			plainStats
		}{string(rep.Segments[0].Segment), plainStats(rep.Segments[0].LossStats)}},
	} {
		got, err := json.Marshal(c[0])
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(c[1])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
	}
}
