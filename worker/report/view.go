package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// Sanity bounds on the expected loss rate (MODEL.md: a portfolio loss of
// 0.1% or 40% under this shock means the model or the data is wrong).
const (
	sanityLowLossRate  = 0.001
	sanityHighLossRate = 0.40
)

// fact is one labelled run fact.
type fact struct {
	Name, Value string
	Code        bool // an identifier, shown in monospace
}

// notReported stands in for a tail figure whose tail holds too few
// scenarios (risk.TailInsufficient).
const notReported = "not reported"

// indicativeMark follows a tail figure whose tail holds 10 to 99 scenarios
// (risk.TailIndicative).
const indicativeMark = " †"

// figure is one row of the headline table.
type figure struct {
	Name, Value, CI, OfExposure string
	// Flagged marks an indicative tail figure (10 to 99 tail scenarios).
	Flagged bool
	// Open marks a VaR interval whose upper end is only the largest
	// simulated loss (risk.LossStats.VaR99CIExact false).
	Open bool
}

// card is one key figure at the top of the page.
type card struct{ Label, Value, Sub string }

// segmentRow is one row of the per-segment tables, already formatted. Tail
// figures read "not reported" or carry the indicative mark.
type segmentRow struct {
	Name, Loans, Exposure, AvgBalance, EL, ELCI, ELRate, LossRateAvg string
	VaR99, VaR99CI, ES99, ES99CI, VaR999, VaR999CI, ES999, ES999CI   string
	PDBaseline, PDStressed, PDBaselineExp, PDStressedExp, DeltaPD    string
	DefaultRate                                                      string
}

// bandRow is one row of a PD-by-band table, already formatted.
type bandRow struct{ Name, Loans, Exposure, PDBaseline, PDStressed, Delta string }

// binRow is one bin of a histogram table (loss or payment shock).
type binRow struct{ From, To, Count, Share string }

// view is everything both renderings show, resolved and formatted once.
type view struct {
	RunID, Subtitle string
	Warnings        []string
	// Indicative is set when a tail figure shown is marked indicative;
	// Insufficient when one is not reported.
	Indicative   bool
	Insufficient bool
	Scenarios    int
	Cards        []card
	Headline     []figure
	Facts        []fact
	Segments     []segmentRow
	Total        segmentRow
	ScoreBands   []bandRow
	RiskGrades   []bandRow
	Bins         []binRow
	Params       []fact
	// OpenCI is set when any VaR interval shown is open above.
	OpenCI bool
	Shock  shockView
	// Paths are the scenario path charts (empty when the report has none).
	Paths []pathView
	// Sampling describes importance sampling; empty in a plain run.
	Sampling string
	// Attribution is the attribution of the stressed loss to its
	// channels; empty when the report has none.
	Attribution attributionView

	lossStats  risk.LossStats
	segGroups  []barGroup
	bandGroups []barGroup
	gradeGroup []barGroup
	targetRate float64
	lossNote   string
}

// resolved picks the Meta value when set and the report's otherwise, and
// warns when both are set and disagree: that is a bug in whoever filled Meta.
func resolved[T comparable](name string, meta, rep T, warn *[]string) T {
	var zero T
	switch {
	case meta == zero:
		return rep
	case rep != zero && meta != rep:
		*warn = append(*warn, fmt.Sprintf("Run metadata and risk report disagree on %s (%v in the metadata, %v in the report); the metadata value is shown.", name, meta, rep))
	}
	return meta
}

func newView(r risk.Report, m Meta) view {
	var warn []string
	warn = append(warn, m.Warnings...)
	warn = append(warn, r.Warnings...)
	if r.Headline.Warning != "" {
		warn = append(warn, r.Headline.Warning)
	}
	var mismatch []string
	seed := resolved("the seed", m.Seed, r.Seed, &mismatch)
	scenarios := resolved("the scenario count", m.Scenarios, r.Headline.Scenarios, &mismatch)
	horizon := resolved("the horizon", m.HorizonMonths, r.HorizonMonths, &mismatch)
	target := resolved("the target rate", m.TargetRate, r.Params.TargetRateAnnual, &mismatch)
	modelVersion := resolved("the model version", m.ModelVersion, r.ModelVersion, &mismatch)
	paramsHash := resolved("the parameter hash", m.ParamsHash, r.ParamsHash, &mismatch)
	goVersion := resolved("the Go version", m.GoVersion, r.GoVersion, &mismatch)
	goarch := resolved("GOARCH", m.GOARCH, r.GOARCH, &mismatch)
	warn = append(warn, mismatch...)

	h := r.Headline
	if h.TailWarning != "" {
		warn = append(warn, h.TailWarning)
	}
	t99, t999 := status(h.Tail99), status(h.Tail999)
	if h.TailWarning == "" {
		for _, l := range []struct {
			name string
			st   risk.TailStatus
		}{{"99%", t99}, {"99.9%", t999}} {
			switch l.st {
			case risk.TailInsufficient:
				warn = append(warn, fmt.Sprintf("%s figures (VaR, expected shortfall) are not reported: their tail holds fewer than %d of the run's %s scenarios.",
					l.name, risk.MinTailScenarios, formatInt(int64(scenarios))))
			case risk.TailIndicative:
				warn = append(warn, fmt.Sprintf("%s figures (VaR, expected shortfall) are indicative: their tail holds fewer than %d of the run's %s scenarios.",
					l.name, risk.ReliableTailScenarios, formatInt(int64(scenarios))))
			}
		}
	}
	if m.LoansRejected > 0 {
		where := "the run's errors/ folder"
		if m.RunID != "" {
			where = "runs/" + m.RunID + "/errors/"
		}
		warn = append(warn, fmt.Sprintf("%s were rejected as malformed and are not in these figures; the reasons are in %s.",
			plural(m.LoansRejected, "input record"), where))
	}
	if m.Loans > 0 && m.LoansProcessed+m.LoansRejected != m.Loans {
		warn = append(warn, fmt.Sprintf("The input holds %s loan records but %s were evaluated and %s rejected: %s are unaccounted for.",
			formatInt(m.Loans), formatInt(m.LoansProcessed), formatInt(m.LoansRejected), formatInt(m.Loans-m.LoansProcessed-m.LoansRejected)))
	}
	if m.LoansProcessed > 0 && h.Loans > 0 && m.LoansProcessed != h.Loans {
		warn = append(warn, fmt.Sprintf("The run evaluated %s loans but the risk figures cover %s.", formatInt(m.LoansProcessed), formatInt(h.Loans)))
	}
	if h.ExposureUSD > 0 && finite(h.ExpectedLossRate) && (h.ExpectedLossRate < sanityLowLossRate || h.ExpectedLossRate > sanityHighLossRate) {
		warn = append(warn, fmt.Sprintf("The expected loss rate %s is outside %s to %s, the range a stress like this can plausibly produce (Federal Reserve severely adverse scenarios: about 6-7%% over nine quarters); check the model parameters and the input data.",
			formatPct(h.ExpectedLossRate, 3), formatPct(sanityLowLossRate, 1), formatPct(sanityHighLossRate, 0)))
	}
	if bad := nonFinite(r); len(bad) > 0 {
		warn = append(warn, fmt.Sprintf("These report fields are not finite numbers and are shown as %s: %v.", notAvailable, bad))
	}
	if m.Started.After(m.Finished) && !m.Finished.IsZero() {
		warn = append(warn, "The run's finish time is before its start time.")
	}

	v := view{
		RunID:      m.RunID,
		Warnings:   dedupe(warn),
		Scenarios:  scenarios,
		lossStats:  r.Portfolio,
		targetRate: target,
	}
	v.Subtitle = subtitle(target, r.Params.RampMonths, horizon, scenarios, h.Loans)

	pctOf := func(x float64) string {
		if h.ExposureUSD <= 0 || !finite(x) {
			return ""
		}
		return formatPct(x/h.ExposureUSD, 2)
	}
	ci := func(i risk.Interval) string { return formatUSD(i[0]) + " to " + formatUSD(i[1]) }
	// An interval is only open when there were scenarios to draw it from.
	haveCI := scenarios > 0 && h.Loans > 0
	open99, open999 := haveCI && !r.Portfolio.VaR99CIExact, haveCI && !r.Portfolio.VaR999CIExact
	open99, open999 = open99 && t99.Reported(), open999 && t999.Reported()
	tailFig := func(name string, st risk.TailStatus, x float64, c risk.Interval, open bool) figure {
		if !st.Reported() {
			return figure{Name: name, Value: notReported, CI: "fewer than " + strconv.Itoa(risk.MinTailScenarios) + " tail scenarios"}
		}
		return figure{Name: name, Value: formatUSD(x), CI: ci(c), OfExposure: pctOf(x), Flagged: st == risk.TailIndicative, Open: open}
	}
	v.Headline = []figure{
		{Name: "Exposure (EAD today)", Value: formatUSD(h.ExposureUSD)},
		{Name: "Expected loss", Value: formatUSD(h.ExpectedLoss), CI: ci(h.ExpectedLossCI), OfExposure: formatPct(h.ExpectedLossRate, 2)},
		{Name: "Loss rate over average balance", Value: lossRateAvg(h.AvgBalanceUSD, h.LossRateAvgBalance)},
		tailFig("VaR 99%", t99, h.VaR99, h.VaR99CI, open99),
		tailFig("Expected shortfall 99%", t99, h.ES99, h.ES99CI, false),
		tailFig("VaR 99.9%", t999, h.VaR999, h.VaR999CI, open999),
		tailFig("Expected shortfall 99.9%", t999, h.ES999, h.ES999CI, false),
		{Name: "Mean PD, baseline", Value: formatPct(h.PDBaselineMean, 3)},
		{Name: "Mean PD, stressed", Value: formatPct(h.PDStressedMean, 3)},
		{Name: "Change in mean PD", Value: formatPP(h.PDStressedMean-h.PDBaselineMean, 3)},
		{Name: "Mean PD by exposure, baseline", Value: formatPct(h.PDBaselineMeanExposure, 3)},
		{Name: "Mean PD by exposure, stressed", Value: formatPct(h.PDStressedMeanExposure, 3)},
	}
	for _, f := range v.Headline {
		v.Indicative = v.Indicative || f.Flagged
		v.Insufficient = v.Insufficient || f.Value == notReported
	}
	v.Cards = []card{
		{"Expected loss", formatUSD(h.ExpectedLoss), formatPct(h.ExpectedLossRate, 2) + " of exposure"},
		{"VaR 99%" + mark(t99), tailUSD(t99, h.VaR99), "ES 99% " + tailUSD(t99, h.ES99)},
		{"VaR 99.9%" + mark(t999), tailUSD(t999, h.VaR999), "ES 99.9% " + tailUSD(t999, h.ES999)},
		{"Mean PD, stressed", formatPct(h.PDStressedMean, 3), "baseline " + formatPct(h.PDBaselineMean, 3) + " (" + formatPP(h.PDStressedMean-h.PDBaselineMean, 3) + ")"},
	}

	v.Facts = []fact{
		{"Run ID", orUnknown(m.RunID), true},
		{"Input", orUnknown(m.InputSource), true},
		{"Seed", strconv.FormatUint(seed, 10), true},
		{"Scenarios", formatInt(int64(scenarios)), false},
		{"Horizon", monthsOrUnknown(horizon), false},
		{"Stress", stressText(target, r.Params.RampMonths, r.Params.R0Annual), false},
		{"Model version", orUnknown(modelVersion), true},
		{"Parameter hash", orUnknown(paramsHash), true},
		{"Built with", orUnknown(goVersion) + " " + goarch, true},
		{"Loans in input", countOrUnknown(m.Loans), false},
		{"Loans evaluated", countOrUnknown(m.LoansProcessed), false},
		{"Records rejected", formatInt(m.LoansRejected), false},
		{"Batches", countOrUnknown(int64(m.Batches)), false},
	}
	if is := r.ImportanceSampling; is != nil {
		v.Sampling = fmt.Sprintf("importance sampling: credit-cycle innovations shifted by %s, every figure from the scenario losses weighted by its scenario's likelihood ratio (mean weight %s; the weights are worth %s plain scenarios)",
			strconv.FormatFloat(is.TailShift, 'g', 4, 64), strconv.FormatFloat(is.MeanWeight, 'f', 3, 64), formatInt(int64(math.Round(is.EffectiveScenarios))))
		v.Facts = append(v.Facts, fact{"Sampling", v.Sampling, false})
	}
	if d := derivedText(m.DerivedByField); d != "" {
		v.Facts = append(v.Facts, fact{"Fields derived (loans)", d, false})
	}
	if !m.Started.IsZero() {
		v.Facts = append(v.Facts, fact{"Started", m.Started.UTC().Format(time.RFC3339), false})
	}
	if !m.Finished.IsZero() {
		v.Facts = append(v.Facts, fact{"Finished", m.Finished.UTC().Format(time.RFC3339), false})
	}
	if !m.Started.IsZero() && !m.Finished.IsZero() && !m.Started.After(m.Finished) {
		v.Facts = append(v.Facts, fact{"Duration", m.Finished.Sub(m.Started).Round(time.Second).String(), false})
	}

	for _, s := range r.Segments {
		v.Segments = append(v.Segments, segRow(humanise(string(s.Segment)), s.LossStats))
		for _, st := range []risk.TailStatus{status(s.Tail99), status(s.Tail999)} {
			v.Indicative = v.Indicative || st == risk.TailIndicative
			v.Insufficient = v.Insufficient || !st.Reported()
		}
		v.segGroups = append(v.segGroups, barGroup{string(s.Segment), s.PDBaselineMean, s.PDStressedMean})
	}
	v.Total = segRow("Portfolio", r.Portfolio)
	for _, b := range r.ScoreBands {
		v.ScoreBands = append(v.ScoreBands, bndRow(b))
		v.bandGroups = append(v.bandGroups, barGroup{b.Band, b.PDBaselineMean, b.PDStressedMean})
	}
	for _, b := range r.RiskGrades {
		v.RiskGrades = append(v.RiskGrades, bndRow(b))
		v.gradeGroup = append(v.gradeGroup, barGroup{b.Band, b.PDBaselineMean, b.PDStressedMean})
	}

	hist := r.Portfolio.Histogram
	var total int64
	for _, c := range hist.Counts {
		total += c
	}
	switch {
	case len(hist.Counts) == 0 || total == 0:
		v.lossNote = "The report holds no scenario losses to plot."
	case histogramDrawable(hist):
		for i, c := range hist.Counts {
			share := float64(c) / float64(total)
			if len(hist.Probability) == len(hist.Counts) {
				share = hist.Probability[i]
			}
			v.Bins = append(v.Bins, binRow{
				From:  formatUSD(hist.Edge(i)),
				To:    formatUSD(hist.Edge(i + 1)),
				Count: formatInt(c),
				Share: formatPct(share, 2),
			})
		}
	case hist.BinWidthUSD == 0 && finite(hist.MinUSD) && total == 1:
		v.lossNote = fmt.Sprintf("The run's single scenario lost %s, so there is no distribution to plot: expected loss, VaR and expected shortfall all equal that loss.", lossAmount(hist.MinUSD))
	case hist.BinWidthUSD == 0 && finite(hist.MinUSD):
		v.lossNote = fmt.Sprintf("Every one of the %s scenarios lost %s, so there is no distribution to plot: expected loss, VaR and expected shortfall are all %s.", formatInt(total), lossAmount(hist.MinUSD), lossAmount(hist.MinUSD))
	default:
		v.lossNote = "The loss histogram is malformed (negative counts or bin width) and is not drawn."
	}
	v.OpenCI = open99 || open999
	v.Shock = newShockView(r.PaymentShock)
	v.Paths = newPathViews(r.ScenarioPaths)
	v.Attribution = newAttributionView(r.Attribution)
	v.Params = paramFacts(r.Params)
	return v
}

func subtitle(target float64, ramp, horizon, scenarios int, loans int64) string {
	s := ""
	if target > 0 && finite(target) {
		s = "Policy rate to " + formatPct(target, 2)
		if ramp > 0 {
			s += " over " + strconv.Itoa(ramp) + " months"
		}
		s += " · "
	}
	s += plural(loans, "loan") + " · " + plural(int64(scenarios), "scenario")
	if horizon > 0 {
		s += " · " + strconv.Itoa(horizon) + "-month horizon"
	}
	return s
}

func stressText(target float64, ramp int, r0 float64) string {
	if !(target > 0) || !finite(target) {
		return "unknown"
	}
	s := "policy rate to " + formatPct(target, 2)
	if r0 > 0 {
		s = "policy rate from " + formatPct(r0, 2) + " to " + formatPct(target, 2)
	}
	if ramp > 0 {
		s += ", linear ramp over " + strconv.Itoa(ramp) + " months"
	}
	return s
}

func segRow(name string, s risk.LossStats) segmentRow {
	t99, t999 := status(s.Tail99), status(s.Tail999)
	ci := func(st risk.TailStatus, c risk.Interval) string {
		if !st.Reported() {
			return notReported
		}
		return formatUSD(c[0]) + " to " + formatUSD(c[1])
	}
	avg := notAvailable
	if s.AvgBalanceUSD > 0 {
		avg = formatUSD(s.AvgBalanceUSD)
	}
	return segmentRow{
		Name: name, Loans: formatInt(s.Loans), Exposure: formatUSD(s.ExposureUSD), AvgBalance: avg,
		EL: formatUSD(s.ExpectedLoss), ELCI: formatUSD(s.ExpectedLossCI[0]) + " to " + formatUSD(s.ExpectedLossCI[1]),
		ELRate: formatPct(s.ExpectedLossRate, 2), LossRateAvg: lossRateAvg(s.AvgBalanceUSD, s.LossRateAvgBalance),
		VaR99: tailUSD(t99, s.VaR99) + mark(t99), ES99: tailUSD(t99, s.ES99) + mark(t99),
		VaR999: tailUSD(t999, s.VaR999) + mark(t999), ES999: tailUSD(t999, s.ES999) + mark(t999),
		VaR99CI: ci(t99, s.VaR99CI), ES99CI: ci(t99, s.ES99CI), VaR999CI: ci(t999, s.VaR999CI), ES999CI: ci(t999, s.ES999CI),
		PDBaseline: formatPct(s.PDBaselineMean, 3), PDStressed: formatPct(s.PDStressedMean, 3),
		PDBaselineExp: formatPct(s.PDBaselineMeanExposure, 3), PDStressedExp: formatPct(s.PDStressedMeanExposure, 3),
		DeltaPD:     formatPP(s.PDStressedMean-s.PDBaselineMean, 3),
		DefaultRate: formatPct(s.DefaultRate, 3),
	}
}

// status reads a report's tail status; reports written before it existed
// have none, and showed every figure.
func status(s risk.TailStatus) risk.TailStatus {
	if s == "" {
		return risk.TailReliable
	}
	return s
}

// tailUSD formats a tail figure, or says it is not reported.
func tailUSD(s risk.TailStatus, x float64) string {
	if !s.Reported() {
		return notReported
	}
	return formatUSD(x)
}

// mark is the indicative mark of a tail status, or nothing.
func mark(s risk.TailStatus) string {
	if s == risk.TailIndicative {
		return indicativeMark
	}
	return ""
}

// lossRateAvg formats the loss rate over the average balance, "n/a" when
// the results carried no average balance.
func lossRateAvg(avgBalance, rate float64) string {
	if !(avgBalance > 0) {
		return notAvailable
	}
	return formatPct(rate, 2)
}

func bndRow(b risk.BandReport) bandRow {
	return bandRow{
		Name: humanise(b.Band), Loans: formatInt(b.Loans), Exposure: formatUSD(b.ExposureUSD),
		PDBaseline: formatPct(b.PDBaselineMean, 3), PDStressed: formatPct(b.PDStressedMean, 3),
		Delta: formatPP(b.DeltaPDMean, 3),
	}
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func countOrUnknown(n int64) string {
	if n == 0 {
		return "unknown"
	}
	return formatInt(n)
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// nonFinite names the report's figures that are NaN or infinite.
func nonFinite(r risk.Report) []string {
	var bad []string
	check := func(prefix string, s risk.LossStats) {
		for _, f := range []struct {
			name string
			v    float64
		}{
			{"exposure", s.ExposureUSD}, {"expected_loss", s.ExpectedLoss}, {"expected_loss_rate", s.ExpectedLossRate},
			{"var_99", s.VaR99}, {"es_99", s.ES99}, {"var_999", s.VaR999}, {"es_999", s.ES999},
			{"pd_baseline_mean", s.PDBaselineMean}, {"pd_stressed_mean", s.PDStressedMean}, {"default_rate", s.DefaultRate},
			{"loss_histogram.bin_width", s.Histogram.BinWidthUSD}, {"loss_histogram.min", s.Histogram.MinUSD},
		} {
			if !finite(f.v) {
				bad = append(bad, prefix+"."+f.name)
			}
		}
	}
	h := r.Headline
	check("headline", risk.LossStats{
		ExposureUSD: h.ExposureUSD, ExpectedLoss: h.ExpectedLoss, ExpectedLossRate: h.ExpectedLossRate,
		VaR99: h.VaR99, ES99: h.ES99, VaR999: h.VaR999, ES999: h.ES999,
		PDBaselineMean: h.PDBaselineMean, PDStressedMean: h.PDStressedMean,
	})
	check("portfolio", r.Portfolio)
	for _, s := range r.Segments {
		check("segments["+string(s.Segment)+"]", s.LossStats)
	}
	for _, bands := range []struct {
		name string
		bs   []risk.BandReport
	}{{"score_bands", r.ScoreBands}, {"risk_grades", r.RiskGrades}} {
		for _, b := range bands.bs {
			for _, x := range []float64{b.ExposureUSD, b.PDBaselineMean, b.PDStressedMean, b.DeltaPDMean} {
				if !finite(x) {
					bad = append(bad, bands.name+"["+b.Band+"]")
					break
				}
			}
		}
	}
	return bad
}

// paramFacts lists the model parameters in their JSON order, values as
// compact JSON, so the report shows exactly what the hash covers.
func paramFacts(p any) []fact {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []fact
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return out
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return out
		}
		var buf bytes.Buffer
		if json.Compact(&buf, v) != nil {
			buf.Reset()
			buf.Write(v)
		}
		out = append(out, fact{fmt.Sprint(k), buf.String(), true})
	}
	return out
}

func monthsOrUnknown(n int) string {
	if n <= 0 {
		return "unknown"
	}
	return strconv.Itoa(n) + " months"
}

// lossAmount is formatUSD, except that no loss at all reads "$0".
func lossAmount(x float64) string {
	if x == 0 {
		return "$0"
	}
	return formatUSD(x)
}
