package report

import (
	"strconv"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// fixtureStats builds the loss figures of a book of a given size, shaped
// like a real run: a right-skewed histogram whose tail decides VaR.
func fixtureStats(loans int64, exposure, scale float64) risk.LossStats {
	counts := []int64{3, 40, 130, 190, 170, 130, 95, 70, 50, 35, 25, 18, 12, 9, 7, 5, 3, 2, 2, 1, 1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}
	el := 0.05 * exposure * scale
	return risk.LossStats{
		Loans:               loans,
		ExposureUSD:         exposure,
		AvgBalanceUSD:       0.94 * exposure,
		ExpectedLoss:        el,
		ExpectedLossCI:      risk.Interval{0.97 * el, 1.03 * el},
		ExpectedLossRate:    el / exposure,
		LossRateAvgBalance:  el / (0.94 * exposure),
		ExpectedLossPerLoan: 1.02 * el,
		// 1,000 scenarios: 10 beyond the 99% point (indicative), 1 beyond
		// the 99.9% point (not reported).
		VaR99: 2.2 * el, VaR99CI: risk.Interval{2.0 * el, 2.5 * el},
		ES99: 2.8 * el, ES99CI: risk.Interval{2.4 * el, 3.2 * el},
		Tail99: risk.TailIndicative, Tail99Scenarios: 10,
		Tail999: risk.TailInsufficient, Tail999Scenarios: 1,
		TailWarning:            fixtureTailWarning,
		PDBaselineMean:         0.031 * scale,
		PDStressedMean:         0.047 * scale,
		PDBaselineMeanExposure: 0.027 * scale,
		PDStressedMeanExposure: 0.043 * scale,
		DefaultRate:            0.046 * scale,
		Histogram:              risk.Histogram{BinWidthUSD: 5.6 * el / 40, Counts: counts},
		VaR99CIExact:           true,
	}
}

// fixtureTailWarning is risk's tail warning for 1,000 plain scenarios.
const fixtureTailWarning = "99% figures (var_99, es_99) are indicative: the 99% tail holds 10 of 1,000 scenarios, fewer than 100 (at least 10,000 scenarios for a reliable figure); " +
	"99.9% figures (var_999, es_999) not reported: the 99.9% tail holds 1 of 1,000 scenarios, fewer than the 10 needed (at least 10,000 scenarios)"

// fixturePaths are scenario paths over 12 months: the policy rate ramps
// from 4.33% to 8%, unemployment rises, prices fall, bands widen.
func fixturePaths() *model.PathBands {
	const h = 12
	band := func(from, to, spread float64) model.Band {
		b := model.Band{Mean: make([]float64, h+1), P5: make([]float64, h+1), P95: make([]float64, h+1)}
		for t := range h + 1 {
			f := float64(t) / h
			m := from + (to-from)*f
			b.Mean[t], b.P5[t], b.P95[t] = m, m-spread*f, m+spread*f
		}
		return b
	}
	return &model.PathBands{
		FedFunds:     band(0.0433, 0.08, 0.012),
		Unemployment: band(0.042, 0.051, 0.008),
		HPI:          band(1, 0.96, 0.05),
		CRE:          band(1, 0.91, 0.07),
	}
}

// fixtureShock builds payment-shock figures from a histogram on
// risk.ShockEdges: counts[0] below 1.00, then the 30 bins, then 2.50 and
// above. Shares above the thresholds follow from the counts.
func fixtureShock(counts []int64, mean, worst float64) risk.ShockStats {
	st := risk.ShockStats{Counts: counts, Mean: mean, MeanWorst: worst}
	for _, c := range counts {
		st.Loans += c
	}
	for _, th := range risk.ShockThresholds {
		a := risk.ShockShare{Ratio: th}
		for i, c := range counts {
			if i >= 1 && (i == len(counts)-1 || risk.ShockEdges[i-1] >= th-1e-9) {
				a.Loans += c
			}
		}
		a.Share = float64(a.Loans) / float64(st.Loans)
		st.Above = append(st.Above, a)
	}
	return st
}

// fixtureShockReport is a book where most loans are fixed-rate (ratio
// 1.00) and the variable-rate ones spread to a long right tail.
func fixtureShockReport() risk.ShockReport {
	port := []int64{0, 299_400, 9000, 14000, 21000, 26000, 28000, 25000, 20000, 15000, 11000, 8000, 6000, 4500, 3300, 2400, 1800, 1300, 950, 700, 500, 380, 280, 200, 150, 110, 80, 60, 40, 30, 20, 800}
	rep := risk.ShockReport{Edges: risk.ShockEdges, ShockStats: fixtureShock(port, 1.137, 1.262)}
	for i, seg := range loan.Segments {
		c := make([]int64, len(port))
		for j, n := range port {
			c[j] = n / 5
		}
		// Spread the segments: the first ones are mostly fixed-rate.
		move := c[1] * int64(i) / 6
		c[1] -= move
		c[6] += move
		rep.Segments = append(rep.Segments, risk.SegmentShock{Segment: seg, ShockStats: fixtureShock(c, 1.03+0.03*float64(i), 1.1+0.04*float64(i))})
	}
	return rep
}

// fixtureReport is a fixed synthetic report of 1,000 scenarios with every
// section filled: five segments, score bands and risk grades.
func fixtureReport() risk.Report {
	// Only the fields the page shows outside the parameter table are set,
	// so a new model parameter does not change the golden pages.
	p := model.Params{Seed: 20261121, Scenarios: 1000, HorizonMonths: 12, R0Annual: 0.0433, TargetRateAnnual: 0.08, RampMonths: 12}
	port := fixtureStats(500_000, 12_345_678_901.23, 1)
	var segs []risk.SegmentReport
	for i, s := range loan.Segments {
		f := 0.6 + 0.2*float64(i)
		segs = append(segs, risk.SegmentReport{Segment: s, LossStats: fixtureStats(100_000, port.ExposureUSD/5, f)})
	}
	var bands []risk.BandReport
	for i, b := range risk.ScoreBands {
		base := 0.12 / float64(int(1)<<(2*i))
		bands = append(bands, risk.BandReport{Band: b.Name, Loans: int64(20_000 * (i + 1)), ExposureUSD: 1e8 * float64(i+1), PDBaselineMean: base, PDStressedMean: 1.4 * base, DeltaPDMean: 0.4 * base})
	}
	var grades []risk.BandReport
	for g := 1; g <= 10; g += 3 {
		base := 0.0003 * float64(g*g)
		grades = append(grades, risk.BandReport{Band: "grade_" + strconv.Itoa(g), Loans: 5000, ExposureUSD: 2.5e8, PDBaselineMean: base, PDStressedMean: 1.3 * base, DeltaPDMean: 0.3 * base})
	}
	warning := fixtureTailWarning
	return risk.Report{
		Headline: risk.Headline{
			Loans: port.Loans, Scenarios: 1000, ExposureUSD: port.ExposureUSD,
			ExpectedLoss: port.ExpectedLoss, ExpectedLossCI: port.ExpectedLossCI, ExpectedLossRate: port.ExpectedLossRate,
			AvgBalanceUSD: port.AvgBalanceUSD, LossRateAvgBalance: port.LossRateAvgBalance,
			VaR99: port.VaR99, VaR99CI: port.VaR99CI, VaR999: port.VaR999, VaR999CI: port.VaR999CI,
			ES99: port.ES99, ES99CI: port.ES99CI, ES999: port.ES999, ES999CI: port.ES999CI,
			Tail99: port.Tail99, Tail999: port.Tail999,
			PDBaselineMean: port.PDBaselineMean, PDStressedMean: port.PDStressedMean,
			PDBaselineMeanExposure: port.PDBaselineMeanExposure, PDStressedMeanExposure: port.PDStressedMeanExposure,
			TailWarning: warning, Warning: warning,
		},
		ModelVersion:  "credit-hazard/1.0.0",
		ParamsHash:    "9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
		Seed:          p.Seed,
		GoVersion:     "go1.26.0",
		GOARCH:        "amd64",
		HorizonMonths: 12,
		Params:        p,
		Portfolio:     port,
		Segments:      segs,
		ScoreBands:    bands,
		RiskGrades:    grades,
		PaymentShock:  fixtureShockReport(),
		ScenarioPaths: fixturePaths(),
		Warnings:      []string{warning},
	}
}

// fixtureMeta is the run facts matching fixtureReport.
func fixtureMeta() Meta {
	return Meta{
		RunID:          "run-20261121-abc123",
		Seed:           20261121,
		Scenarios:      1000,
		HorizonMonths:  12,
		TargetRate:     0.08,
		ModelVersion:   "credit-hazard/1.0.0",
		ParamsHash:     "9f2c4e1a7b3d5f60819a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70",
		GoVersion:      "go1.26.0",
		GOARCH:         "amd64",
		Loans:          500_012,
		LoansProcessed: 500_000,
		LoansRejected:  12,
		Batches:        50,
		Started:        time.Date(2026, 11, 21, 19, 0, 0, 0, time.UTC),
		Finished:       time.Date(2026, 11, 21, 19, 42, 17, 0, time.UTC),
		InputSource:    "s3://montecarlo-data/inputs/portfolio-500k/manifest.csv",
	}
}
