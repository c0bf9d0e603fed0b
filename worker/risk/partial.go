package risk

import (
	"errors"
	"fmt"
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// pdScale is the fixed-point unit of PD sums: PDs are added as integers in
// units of 1e-9, exact in any order; 100 million loans sum to at most 1e17.
const pdScale = 1e9

// ScoreBand is a FICO score range [Min, Max] with the name FICO gives it.
type ScoreBand struct {
	Name string `json:"name"`
	Min  int    `json:"min"`
	Max  int    `json:"max"`
}

// ScoreBands are the FICO score ranges PDs are reported by.
var ScoreBands = []ScoreBand{
	{"poor", 300, 579},
	{"fair", 580, 669},
	{"good", 670, 739},
	{"very_good", 740, 799},
	{"exceptional", 800, 850},
}

// Partial holds the exact sums of a set of loans' results. Build one with
// NewPartial, Add each loan's Result, Merge partials from other batches.
// Every number is an integer, so merging is exact, associative and
// commutative.
type Partial struct {
	ModelVersion string `json:"model_version"`
	ParamsHash   string `json:"params_hash"`
	Seed         uint64 `json:"seed"`
	Scenarios    int    `json:"scenarios"`
	// Segments has one entry per loan.Segments, in that order.
	Segments []SegmentPartial `json:"segments"`
	// ScoreBands has one entry per ScoreBands (personal loans).
	ScoreBands []BandPartial `json:"score_bands"`
	// RiskGrades has one entry per grade 1..10 (commercial loans).
	RiskGrades []BandPartial `json:"risk_grades"`
	// Attribution has one entry per loan.Segments, in that order: the
	// sampled loans' stressed loss with each channel switched off
	// (Attributor); empty when no Attributor ran.
	Attribution []AttributionPartial `json:"attribution,omitempty"`
}

// SegmentPartial is the part of a Partial for one segment.
type SegmentPartial struct {
	Segment loan.Segment `json:"segment"`
	BandPartial
	DefaultDraws int64 `json:"default_draws"`
	// LossCents[s] is the segment's loss in scenario s.
	LossCents Losses `json:"loss_cents"`
	// PaymentShock is the histogram and sums of the loans' peak payment
	// shocks.
	PaymentShock ShockPartial `json:"payment_shock"`
}

// BandPartial sums loans' PDs and exposures.
type BandPartial struct {
	Loans             int64 `json:"loans"`
	ExposureCents     int64 `json:"exposure_cents"`
	ExpectedLossCents int64 `json:"expected_loss_cents"` // sum of per-loan StressedPD*EAD*LGD
	BaselinePDE9      int64 `json:"baseline_pd_sum_e9"`  // sum of BaselinePD in units of 1e-9
	StressedPDE9      int64 `json:"stressed_pd_sum_e9"`
	// AvgBalanceCents is the sum of the loans' average balances over the
	// horizon (model.Result.AvgBalanceUSD), the Federal Reserve's loss-rate
	// denominator.
	AvgBalanceCents int64 `json:"avg_balance_cents,omitempty"`
	// BaselinePDExposureCents and StressedPDExposureCents are the sums of
	// PD*EAD in cents, for exposure-weighted mean PDs. (PD in 1e-9 times EAD
	// in cents would overflow int64 for one $100 million loan.)
	BaselinePDExposureCents int64 `json:"baseline_pd_exposure_cents,omitempty"`
	StressedPDExposureCents int64 `json:"stressed_pd_exposure_cents,omitempty"`
}

// NewPartial returns an empty Partial for runs with parameters p.
func NewPartial(p model.Params) *Partial {
	pt := &Partial{
		ModelVersion: model.ModelVersion,
		ParamsHash:   p.Hash(),
		Seed:         p.Seed,
		Scenarios:    p.Scenarios,
		Segments:     make([]SegmentPartial, len(loan.Segments)),
		ScoreBands:   make([]BandPartial, len(ScoreBands)),
		RiskGrades:   make([]BandPartial, loan.MaxRiskGrade),
	}
	for i, s := range loan.Segments {
		pt.Segments[i] = SegmentPartial{Segment: s, LossCents: make(Losses, p.Scenarios)}
	}
	return pt
}

func (b *BandPartial) add(r *model.Result) {
	b.Loans++
	b.ExposureCents += cents(r.EADUSD)
	b.ExpectedLossCents += cents(r.ExpectedLossUSD)
	b.BaselinePDE9 += int64(math.Round(r.BaselinePD * pdScale))
	b.StressedPDE9 += int64(math.Round(r.StressedPD * pdScale))
	b.AvgBalanceCents += cents(r.AvgBalanceUSD)
	b.BaselinePDExposureCents += cents(r.BaselinePD * r.EADUSD)
	b.StressedPDExposureCents += cents(r.StressedPD * r.EADUSD)
}

func (b *BandPartial) merge(o *BandPartial) {
	b.Loans += o.Loans
	b.ExposureCents += o.ExposureCents
	b.ExpectedLossCents += o.ExpectedLossCents
	b.BaselinePDE9 += o.BaselinePDE9
	b.StressedPDE9 += o.StressedPDE9
	b.AvgBalanceCents += o.AvgBalanceCents
	b.BaselinePDExposureCents += o.BaselinePDExposureCents
	b.StressedPDExposureCents += o.StressedPDExposureCents
}

func cents(usd float64) int64 { return int64(math.Round(usd * 100)) }

// Add adds one loan's result, including its per-scenario losses (r.Losses,
// so call it before the Evaluator's next Evaluate). It allocates only on a
// segment's first loan (the segment's payment-shock histogram).
func (pt *Partial) Add(r *model.Result) error {
	si := segmentIndex(r.Segment)
	if si < 0 {
		return fmt.Errorf("add result %q: unknown segment %q", r.LoanID, r.Segment)
	}
	seg := &pt.Segments[si]
	seg.add(r)
	seg.PaymentShock.add(r)
	seg.DefaultDraws += int64(len(r.Losses))
	for _, d := range r.Losses {
		if d.Scenario < 0 || d.Scenario >= len(seg.LossCents) {
			return fmt.Errorf("add result %q: scenario %d outside [0, %d)", r.LoanID, d.Scenario, len(seg.LossCents))
		}
		seg.LossCents[d.Scenario] += d.Cents
	}
	switch {
	case r.Segment.Personal():
		if b := scoreBand(r.CreditScore); b >= 0 {
			pt.ScoreBands[b].add(r)
		}
	case r.RiskGrade >= 1 && r.RiskGrade <= len(pt.RiskGrades):
		pt.RiskGrades[r.RiskGrade-1].add(r)
	}
	return nil
}

// Merge adds other into pt. Both must come from the same model version,
// parameters, seed and scenario count.
func (pt *Partial) Merge(other *Partial) error {
	switch {
	case other.ModelVersion != pt.ModelVersion:
		return fmt.Errorf("merge partials: model version %q != %q", other.ModelVersion, pt.ModelVersion)
	case other.ParamsHash != pt.ParamsHash:
		return fmt.Errorf("merge partials: params hash %s != %s", other.ParamsHash, pt.ParamsHash)
	case other.Seed != pt.Seed:
		return fmt.Errorf("merge partials: seed %d != %d", other.Seed, pt.Seed)
	case other.Scenarios != pt.Scenarios:
		return fmt.Errorf("merge partials: %d scenarios != %d", other.Scenarios, pt.Scenarios)
	case len(other.Segments) != len(pt.Segments) || len(other.ScoreBands) != len(pt.ScoreBands) || len(other.RiskGrades) != len(pt.RiskGrades):
		return errors.New("merge partials: different segment or band layout")
	}
	for _, a := range [][]AttributionPartial{pt.Attribution, other.Attribution} {
		if err := checkAttribution(a); err != nil {
			return err
		}
	}
	for i := range pt.Segments {
		a, b := &pt.Segments[i], &other.Segments[i]
		if a.Segment != b.Segment {
			return fmt.Errorf("merge partials: segment %d is %q, not %q", i, b.Segment, a.Segment)
		}
		if len(b.LossCents) != len(a.LossCents) {
			return fmt.Errorf("merge partials: segment %s has %d scenario losses, want %d", a.Segment, len(b.LossCents), len(a.LossCents))
		}
		if n := len(b.PaymentShock.Counts); n != 0 && n != ShockCounts {
			return fmt.Errorf("merge partials: segment %s has %d payment-shock bins, want %d", a.Segment, n, ShockCounts)
		}
	}
	for i := range pt.Segments {
		a, b := &pt.Segments[i], &other.Segments[i]
		a.merge(&b.BandPartial)
		a.DefaultDraws += b.DefaultDraws
		a.PaymentShock.merge(&b.PaymentShock)
		for s, v := range b.LossCents {
			a.LossCents[s] += v
		}
	}
	pt.Attribution = mergeAttribution(pt.Attribution, other.Attribution)
	for i := range pt.ScoreBands {
		pt.ScoreBands[i].merge(&other.ScoreBands[i])
	}
	for i := range pt.RiskGrades {
		pt.RiskGrades[i].merge(&other.RiskGrades[i])
	}
	return nil
}

// Merge returns the sum of parts (which are left unchanged). It needs at
// least one part.
func Merge(parts ...*Partial) (*Partial, error) {
	if len(parts) == 0 {
		return nil, errors.New("merge partials: none given")
	}
	out := parts[0].clone()
	for _, p := range parts[1:] {
		if err := out.Merge(p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (pt *Partial) clone() *Partial {
	c := *pt
	c.Segments = append([]SegmentPartial(nil), pt.Segments...)
	for i := range c.Segments {
		c.Segments[i].LossCents = append(Losses(nil), pt.Segments[i].LossCents...)
		c.Segments[i].PaymentShock = pt.Segments[i].PaymentShock.clone()
	}
	c.ScoreBands = append([]BandPartial(nil), pt.ScoreBands...)
	c.RiskGrades = append([]BandPartial(nil), pt.RiskGrades...)
	c.Attribution = append([]AttributionPartial(nil), pt.Attribution...)
	return &c
}

// Loans is the number of loans added.
func (pt *Partial) Loans() int64 {
	var n int64
	for i := range pt.Segments {
		n += pt.Segments[i].Loans
	}
	return n
}

func segmentIndex(s loan.Segment) int {
	for i, t := range loan.Segments {
		if t == s {
			return i
		}
	}
	return -1
}

func scoreBand(score int) int {
	for i, b := range ScoreBands {
		if score >= b.Min && score <= b.Max {
			return i
		}
	}
	return -1
}
