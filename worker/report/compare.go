package report

import (
	"fmt"
	"math"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Units of a compared figure: how its value and its difference read.
const (
	UnitUSD   = "usd"   // dollars; the difference in dollars
	UnitRate  = "rate"  // a fraction; the difference in percentage points
	UnitCount = "count" // loans; the difference in loans
)

// ComparedRun is one run to compare: its id and its report.json.
type ComparedRun struct {
	RunID  string
	Report risk.Report
}

// Comparison is the portfolio and per-segment figures of several runs side
// by side, each with its difference from the first run (the baseline).
// A tail figure that a run does not report is null, and so is every
// difference it would enter: a figure is never compared with a stand-in.
type Comparison struct {
	// Baseline is the run id the differences are taken from.
	Baseline string     `json:"baseline"`
	Runs     []RunFacts `json:"runs"`
	// Notes say what differs between the runs besides the figures (the
	// loans, the scenarios, the seed, the model), which a reader must
	// weigh before reading a difference as the effect of one change.
	Notes     []string         `json:"notes"`
	Portfolio []FigureRow      `json:"portfolio"`
	Segments  []SegmentFigures `json:"segments"`
}

// RunFacts are what each compared run was.
type RunFacts struct {
	RunID         string  `json:"run_id"`
	TargetRate    float64 `json:"target_rate"`
	HorizonMonths int     `json:"horizon_months"`
	Scenarios     int     `json:"scenarios"`
	Seed          uint64  `json:"seed"`
	Loans         int64   `json:"loans"`
	TailShift     float64 `json:"tail_shift"`
	ModelVersion  string  `json:"model_version"`
	ParamsHash    string  `json:"params_hash"`
}

// SegmentFigures are one segment's compared figures.
type SegmentFigures struct {
	Segment string      `json:"segment"`
	Figures []FigureRow `json:"figures"`
}

// FigureRow is one figure in every run, in the order of Comparison.Runs.
type FigureRow struct {
	Key    string  `json:"key"` // the report.json key, e.g. var_99
	Name   string  `json:"name"`
	Unit   string  `json:"unit"` // UnitUSD, UnitRate or UnitCount
	Values []Value `json:"values"`
}

// Value is a figure in one run and its difference from the baseline's.
type Value struct {
	// Value is null when the run does not report the figure (a tail that
	// holds fewer than 10 scenarios, a segment the run does not have, a
	// loss rate without average balances).
	Value *float64 `json:"value"`
	// CI is the 95% interval, where the figure has one.
	CI *risk.Interval `json:"ci,omitempty"`
	// Status is the tail status of a VaR or ES: reliable, indicative or
	// insufficient.
	Status risk.TailStatus `json:"status,omitempty"`
	// Diff is Value minus the baseline's; RelDiff is Diff over the
	// baseline's magnitude. Null for the baseline itself, when either
	// value is null, and (RelDiff) when the baseline is 0.
	Diff    *float64 `json:"diff"`
	RelDiff *float64 `json:"rel_diff"`
	// Why says why Value is null.
	Why string `json:"why,omitempty"`
}

// figureSpec reads one figure out of a LossStats.
type figureSpec struct {
	key, name, unit string
	get             func(risk.LossStats) (v float64, ci *risk.Interval, st risk.TailStatus, why string)
}

func plain(f func(risk.LossStats) float64) func(risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) {
	return func(s risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) { return f(s), nil, "", "" }
}

func tailFigure(level string, pick func(risk.LossStats) (float64, risk.Interval, risk.TailStatus, int)) func(risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) {
	return func(s risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) {
		v, ci, st, n := pick(s)
		st = status(st)
		if !st.Reported() {
			return math.NaN(), nil, st, fmt.Sprintf("not reported: the %s tail holds %s", level, plural(int64(n), "scenario"))
		}
		return v, &ci, st, ""
	}
}

var (
	figLoans    = figureSpec{"loans", "Loans", UnitCount, plain(func(s risk.LossStats) float64 { return float64(s.Loans) })}
	figExposure = figureSpec{"exposure", "Exposure (EAD today)", UnitUSD, plain(func(s risk.LossStats) float64 { return s.ExposureUSD })}
	figEL       = figureSpec{"expected_loss", "Expected loss", UnitUSD, func(s risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) {
		ci := s.ExpectedLossCI
		return s.ExpectedLoss, &ci, "", ""
	}}
	figELRate  = figureSpec{"expected_loss_rate", "Expected loss rate (of exposure)", UnitRate, plain(func(s risk.LossStats) float64 { return s.ExpectedLossRate })}
	figAvgRate = figureSpec{"loss_rate_avg_balance", "Loss rate over average balance", UnitRate, func(s risk.LossStats) (float64, *risk.Interval, risk.TailStatus, string) {
		if !(s.AvgBalanceUSD > 0) {
			return math.NaN(), nil, "", "the results carry no average balance"
		}
		return s.LossRateAvgBalance, nil, "", ""
	}}
	figVaR99 = figureSpec{"var_99", "VaR 99%", UnitUSD, tailFigure("99%", func(s risk.LossStats) (float64, risk.Interval, risk.TailStatus, int) {
		return s.VaR99, s.VaR99CI, s.Tail99, s.Tail99Scenarios
	})}
	figES99 = figureSpec{"es_99", "Expected shortfall 99%", UnitUSD, tailFigure("99%", func(s risk.LossStats) (float64, risk.Interval, risk.TailStatus, int) {
		return s.ES99, s.ES99CI, s.Tail99, s.Tail99Scenarios
	})}
	figVaR999 = figureSpec{"var_999", "VaR 99.9%", UnitUSD, tailFigure("99.9%", func(s risk.LossStats) (float64, risk.Interval, risk.TailStatus, int) {
		return s.VaR999, s.VaR999CI, s.Tail999, s.Tail999Scenarios
	})}
	figES999 = figureSpec{"es_999", "Expected shortfall 99.9%", UnitUSD, tailFigure("99.9%", func(s risk.LossStats) (float64, risk.Interval, risk.TailStatus, int) {
		return s.ES999, s.ES999CI, s.Tail999, s.Tail999Scenarios
	})}
	figPDBase    = figureSpec{"pd_baseline_mean", "Mean PD, baseline", UnitRate, plain(func(s risk.LossStats) float64 { return s.PDBaselineMean })}
	figPDStress  = figureSpec{"pd_stressed_mean", "Mean PD, stressed", UnitRate, plain(func(s risk.LossStats) float64 { return s.PDStressedMean })}
	figPDBaseExp = figureSpec{"pd_baseline_mean_exposure", "Mean PD by exposure, baseline", UnitRate, plain(func(s risk.LossStats) float64 { return s.PDBaselineMeanExposure })}
	figPDStrExp  = figureSpec{"pd_stressed_mean_exposure", "Mean PD by exposure, stressed", UnitRate, plain(func(s risk.LossStats) float64 { return s.PDStressedMeanExposure })}
	figDefault   = figureSpec{"default_rate", "Default rate (draws)", UnitRate, plain(func(s risk.LossStats) float64 { return s.DefaultRate })}

	portfolioFigures = []figureSpec{figLoans, figExposure, figEL, figELRate, figAvgRate, figVaR99, figES99, figVaR999, figES999,
		figPDBase, figPDStress, figPDBaseExp, figPDStrExp, figDefault}
	segmentFigures = []figureSpec{figLoans, figExposure, figEL, figELRate, figAvgRate, figVaR99, figES99, figVaR999, figES999, figPDBase, figPDStress}
)

// Compare lines up the runs' figures, the first run being the baseline.
func Compare(runs []ComparedRun) (Comparison, error) {
	if len(runs) == 0 {
		return Comparison{}, fmt.Errorf("compare: no runs")
	}
	c := Comparison{Baseline: runs[0].RunID, Notes: []string{}, Segments: []SegmentFigures{}}
	seen := map[string]bool{}
	for _, r := range runs {
		if seen[r.RunID] {
			return Comparison{}, fmt.Errorf("compare: run %s is given twice", r.RunID)
		}
		seen[r.RunID] = true
		rep := r.Report
		c.Runs = append(c.Runs, RunFacts{
			RunID: r.RunID, TargetRate: rep.Params.TargetRateAnnual, HorizonMonths: rep.HorizonMonths,
			Scenarios: rep.Headline.Scenarios, Seed: rep.Seed, Loans: rep.Portfolio.Loans, TailShift: rep.Params.TailShift,
			ModelVersion: rep.ModelVersion, ParamsHash: rep.ParamsHash,
		})
	}
	c.Notes = compareNotes(c.Runs)

	stats := make([]*risk.LossStats, len(runs))
	for i := range runs {
		stats[i] = &runs[i].Report.Portfolio
	}
	c.Portfolio = figureRows(portfolioFigures, stats, "")

	// Segments in the order they first appear; a run without one has
	// null figures for it.
	var order []string
	for _, r := range runs {
		for _, s := range r.Report.Segments {
			if !seen["seg:"+string(s.Segment)] {
				seen["seg:"+string(s.Segment)] = true
				order = append(order, string(s.Segment))
			}
		}
	}
	for _, seg := range order {
		for i := range runs {
			stats[i] = nil
			for j := range runs[i].Report.Segments {
				if string(runs[i].Report.Segments[j].Segment) == seg {
					stats[i] = &runs[i].Report.Segments[j].LossStats
				}
			}
		}
		c.Segments = append(c.Segments, SegmentFigures{Segment: seg, Figures: figureRows(segmentFigures, stats, "the run has no loans in this segment")})
	}
	return c, nil
}

// figureRows builds the rows of specs over stats (nil: the run lacks the
// segment, whyMissing says so).
func figureRows(specs []figureSpec, stats []*risk.LossStats, whyMissing string) []FigureRow {
	var rows []FigureRow
	for _, f := range specs {
		row := FigureRow{Key: f.key, Name: f.name, Unit: f.unit}
		for _, s := range stats {
			var v Value
			if s == nil {
				v.Why = whyMissing
			} else {
				x, ci, st, why := f.get(*s)
				v.Status, v.Why, v.CI = st, why, ci
				if finite(x) {
					v.Value = &x
				} else if why == "" {
					v.Why = "not a finite number in the report"
				}
			}
			row.Values = append(row.Values, v)
		}
		base := row.Values[0].Value
		for i := 1; i < len(row.Values); i++ {
			v := &row.Values[i]
			if base == nil || v.Value == nil {
				continue
			}
			d := *v.Value - *base
			v.Diff = &d
			if *base != 0 {
				rel := d / math.Abs(*base)
				v.RelDiff = &rel
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// compareNotes says which run facts differ, and so what a difference of
// the figures mixes together.
func compareNotes(runs []RunFacts) []string {
	notes := []string{}
	differ := func(f func(RunFacts) string) bool {
		for _, r := range runs[1:] {
			if f(r) != f(runs[0]) {
				return true
			}
		}
		return false
	}
	if differ(func(r RunFacts) string { return fmt.Sprint(r.Loans) }) {
		notes = append(notes, "The runs cover different numbers of loans: their differences mix the portfolio with everything else that changed.")
	}
	if differ(func(r RunFacts) string { return fmt.Sprint(r.Seed) }) {
		notes = append(notes, "The runs have different seeds: their differences include sampling noise; compare them with their 95% intervals, or rerun with one seed.")
	}
	if differ(func(r RunFacts) string { return fmt.Sprint(r.Scenarios) }) {
		notes = append(notes, "The runs have different scenario counts: their tail figures rest on different numbers of tail scenarios.")
	}
	if differ(func(r RunFacts) string { return r.ModelVersion }) {
		notes = append(notes, "The runs were made with different model versions.")
	}
	if differ(func(r RunFacts) string { return fmt.Sprint(r.TailShift) }) {
		notes = append(notes, "The runs differ in importance sampling (tail shift).")
	}
	return notes
}

// valueText writes a compared value as the report writes that figure:
// money in dollars, rates as percentages, "not reported" for a null, and
// the indicative mark.
func valueText(v Value, unit string) string {
	if v.Value == nil {
		if v.Why != "" && !strings.HasPrefix(v.Why, "not reported") {
			return notAvailable
		}
		return notReported
	}
	s := unitText(*v.Value, unit)
	return s + mark(v.Status)
}

func unitText(x float64, unit string) string {
	switch unit {
	case UnitRate:
		return numfmt.Pct(x, 3)
	case UnitCount:
		return numfmt.Int(int64(math.Round(x)))
	}
	return numfmt.USD(x)
}

// diffText writes a difference from the baseline: "+$1,842,450 (+3.1%)",
// "+0.250 pp (+4.4%)", or "" for the baseline and for a figure missing on
// either side.
func diffText(v Value, unit string) string {
	if v.Diff == nil {
		return ""
	}
	var s string
	switch unit {
	case UnitRate:
		s = numfmt.PP(*v.Diff, 3)
	case UnitCount:
		s = numfmt.Signed(math.Round(*v.Diff), func(x float64) string { return numfmt.Int(int64(x)) })
	default:
		s = numfmt.Signed(*v.Diff, numfmt.USD)
	}
	if v.RelDiff != nil {
		s += " (" + numfmt.Signed(*v.RelDiff, func(x float64) string { return numfmt.Pct(x, 1) }) + ")"
	}
	return s
}

// notComparedText is the difference cell of a value that has none: the
// baseline's own cell is empty, a missing figure says so.
func notComparedText(c Comparison, row FigureRow, i int) string {
	if i == 0 || row.Values[i].Diff != nil {
		return ""
	}
	return "not compared"
}

// factsText are the run-fact rows shown above the figures.
func factsRows(c Comparison) [][]string {
	rows := [][]string{
		{"Policy rate (target)"}, {"Horizon"}, {"Scenarios"}, {"Seed"}, {"Loans"}, {"Model version"}, {"Parameter hash"},
	}
	for _, r := range c.Runs {
		rate := notAvailable
		if r.TargetRate > 0 {
			rate = numfmt.Pct(r.TargetRate, 2)
		}
		rows[0] = append(rows[0], rate)
		rows[1] = append(rows[1], monthsOrUnknown(r.HorizonMonths))
		rows[2] = append(rows[2], numfmt.Int(int64(r.Scenarios)))
		rows[3] = append(rows[3], fmt.Sprint(r.Seed))
		rows[4] = append(rows[4], numfmt.Int(r.Loans))
		rows[5] = append(rows[5], orUnknown(r.ModelVersion))
		rows[6] = append(rows[6], orUnknown(shortHash(r.ParamsHash)))
	}
	return rows
}

func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// indicativeIn and missingIn report whether any value in rows is marked
// indicative, or not reported.
func flags(c Comparison) (indicative, missing bool) {
	all := append([]FigureRow(nil), c.Portfolio...)
	for _, s := range c.Segments {
		all = append(all, s.Figures...)
	}
	for _, r := range all {
		for _, v := range r.Values {
			indicative = indicative || v.Status == risk.TailIndicative
			missing = missing || v.Value == nil
		}
	}
	return indicative, missing
}
