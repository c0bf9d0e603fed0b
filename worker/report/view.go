package report

import (
	"bytes"
	"encoding/json"
	"fmt"
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

// figure is one row of the headline table.
type figure struct {
	Name, Value, CI, OfExposure string
	// Flagged marks a 99.9% figure resting on too few scenarios.
	Flagged bool
	// Open marks a VaR interval whose upper end is only the largest
	// simulated loss (risk.LossStats.VaR99CIExact false).
	Open bool
}

// card is one key figure at the top of the page.
type card struct{ Label, Value, Sub string }

// segmentRow is one row of the per-segment loss table, already formatted.
type segmentRow struct {
	Name, Loans, Exposure, EL, ELRate, VaR99, ES99, VaR999, ES999, PDBaseline, PDStressed, DeltaPD, DefaultRate string
}

// bandRow is one row of a PD-by-band table, already formatted.
type bandRow struct{ Name, Loans, Exposure, PDBaseline, PDStressed, Delta string }

// binRow is one bin of a histogram table (loss or payment shock).
type binRow struct{ From, To, Count, Share string }

// view is everything both renderings show, resolved and formatted once.
type view struct {
	RunID, Subtitle string
	Warnings        []string
	Flag999         bool
	Scenarios       int
	Cards           []card
	Headline        []figure
	Facts           []fact
	Segments        []segmentRow
	Total           segmentRow
	ScoreBands      []bandRow
	RiskGrades      []bandRow
	Bins            []binRow
	Params          []fact
	// OpenCI is set when any VaR interval shown is open above.
	OpenCI bool
	Shock  shockView

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
	flag999 := scenarios > 0 && scenarios < risk.MinScenarios999
	if flag999 && r.Headline.Warning == "" {
		warn = append(warn, fmt.Sprintf("99.9%% figures need at least %s scenarios; this run has %s, so its 99.9%% tail holds %s of them.",
			formatInt(risk.MinScenarios999), formatInt(int64(scenarios)), formatInt(int64(scenarios/1000))))
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
		Flag999:    flag999,
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
	v.Headline = []figure{
		{Name: "Exposure (EAD today)", Value: formatUSD(h.ExposureUSD)},
		{Name: "Expected loss", Value: formatUSD(h.ExpectedLoss), CI: ci(h.ExpectedLossCI), OfExposure: formatPct(h.ExpectedLossRate, 2)},
		{Name: "VaR 99%", Value: formatUSD(h.VaR99), CI: ci(h.VaR99CI), OfExposure: pctOf(h.VaR99), Open: open99},
		{Name: "Expected shortfall 99%", Value: formatUSD(h.ES99), CI: ci(h.ES99CI), OfExposure: pctOf(h.ES99)},
		{Name: "VaR 99.9%", Value: formatUSD(h.VaR999), CI: ci(h.VaR999CI), OfExposure: pctOf(h.VaR999), Flagged: flag999, Open: open999},
		{Name: "Expected shortfall 99.9%", Value: formatUSD(h.ES999), CI: ci(h.ES999CI), OfExposure: pctOf(h.ES999), Flagged: flag999},
		{Name: "Mean PD, baseline", Value: formatPct(h.PDBaselineMean, 3)},
		{Name: "Mean PD, stressed", Value: formatPct(h.PDStressedMean, 3)},
		{Name: "Change in mean PD", Value: formatPP(h.PDStressedMean-h.PDBaselineMean, 3)},
	}
	flag := ""
	if flag999 {
		flag = " †"
	}
	v.Cards = []card{
		{"Expected loss", formatUSD(h.ExpectedLoss), formatPct(h.ExpectedLossRate, 2) + " of exposure"},
		{"VaR 99%", formatUSD(h.VaR99), "ES 99% " + formatUSD(h.ES99)},
		{"VaR 99.9%" + flag, formatUSD(h.VaR999), "ES 99.9% " + formatUSD(h.ES999)},
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
			v.Bins = append(v.Bins, binRow{
				From:  formatUSD(hist.Edge(i)),
				To:    formatUSD(hist.Edge(i + 1)),
				Count: formatInt(c),
				Share: formatPct(float64(c)/float64(total), 2),
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
	return segmentRow{
		Name: name, Loans: formatInt(s.Loans), Exposure: formatUSD(s.ExposureUSD),
		EL: formatUSD(s.ExpectedLoss), ELRate: formatPct(s.ExpectedLossRate, 2),
		VaR99: formatUSD(s.VaR99), ES99: formatUSD(s.ES99), VaR999: formatUSD(s.VaR999), ES999: formatUSD(s.ES999),
		PDBaseline: formatPct(s.PDBaselineMean, 3), PDStressed: formatPct(s.PDStressedMean, 3),
		DeltaPD:     formatPP(s.PDStressedMean-s.PDBaselineMean, 3),
		DefaultRate: formatPct(s.DefaultRate, 3),
	}
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
