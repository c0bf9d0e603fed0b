package calibration

import (
	"fmt"
	"math"
)

// The elasticity net of the payment channel. In the model a variable-rate
// loan's hazard carries (A(t)/A(0))^gamma beside exp(eta (u - u0)), so a
// segment's charge-off rate moves with M(t) = sum_k share_k (A_k(t) /
// A_k(0))^gamma as well as with unemployment. Over 2006-2010 the prime rate
// fell from 8.3% to 3.3% while unemployment rose: the payments of cards,
// lines and floating loans fell, which in the model lowers their hazards,
// and a regression of ln(charge-off) on unemployment alone credits that
// relief to unemployment, understating eta. NetFits regresses
// ln(charge-off rate) - ln M(t) on unemployment instead: the same
// estimator, on the part of the charge-off rate the payment channel does
// not explain, with the model's own gamma and the historical index paths
// (testdata/rates_2006_2010.csv). The model's defaults take these fits.

const ratesFile = "testdata/rates_2006_2010.csv"

// Index columns of ratesFile.
const (
	IndexPrime       = "prime_rate"
	IndexTreasury3M  = "treasury_3m" // the stand-in for SOFR (from 2018)
	indexFixedLegKey = ""            // a fixed-rate leg: payment constant
)

// paymentLeg is one kind of loan in a segment's book, by its payment: a
// share of the segment's exposure paying interest at an index plus margin
// (annual) and either its minimum principal a month (months 0: interest
// only) or an annuity over months; a fixed-rate leg (index "") pays the same
// every quarter.
type paymentLeg struct {
	share        float64
	index        string
	margin       float64
	months       int
	minPrincipal float64
}

// paymentMix is each segment's book by payment, the generator's
// (worker/portfolio, MODEL.md section 3) at its typical loan: judgement
// where a distribution is summarised by one loan. Segments sharing a
// charge-off series share a mix (C&I term and lines; auto and unsecured,
// "other consumer"). The residential segments have none: their defaults are
// set by the delinquency bound, not by a charge-off fit.
var paymentMix = map[string][]paymentLeg{
	// Cards: prime + 0.115 + 0.0003 (850 - score) at the median score 760,
	// interest plus 1% of the balance a month.
	CreditCard: {{share: 1, index: IndexPrime, margin: 0.142, minPrincipal: 0.01}},
	// C&I: lines 12 and term loans 15 points of exposure (MODEL.md section
	// 3); lines on prime + 0.005 + 0.0025 grade at the median grade 5,
	// interest only; three quarters of term loans on SOFR + 0.015 + 0.0025
	// grade, amortising (a 48-month remaining term: judgement), the rest
	// fixed.
	CommercialTerm: cAndIMix,
	CommercialLine: cAndIMix,
	// CRE: 70% on SOFR + 0.02 + 0.0025 grade amortising over 25 years (the
	// generator's usual amortisation; balloons do not change the payment),
	// 30% fixed.
	CommercialRealEstate: {
		{share: 0.70, index: IndexTreasury3M, margin: 0.0325, months: 300},
		{share: 0.30, index: indexFixedLegKey},
	},
	// Other consumer: unsecured personal is 6 of its 13 points of exposure
	// (auto 7, fixed), 15% of it on prime + 0.01 + 0.0006 (850 - score) at
	// the median score 745, amortising over 36 months.
	PersonalAuto:      otherConsumerMix,
	PersonalUnsecured: otherConsumerMix,
}

var (
	cAndIMix = []paymentLeg{
		{share: 12.0 / 27, index: IndexPrime, margin: 0.0175},
		{share: 15.0 / 27 * 0.75, index: IndexTreasury3M, margin: 0.0275, months: 48},
		{share: 15.0 / 27 * 0.25, index: indexFixedLegKey},
	}
	otherConsumerMix = []paymentLeg{
		{share: 6.0 / 13 * 0.15, index: IndexPrime, margin: 0.073, months: 36},
		{share: 1 - 6.0/13*0.15, index: indexFixedLegKey},
	}
)

// Rates returns one column of testdata/rates_2006_2010.csv (IndexPrime,
// IndexTreasury3M), quarter to percent.
func Rates(name string) (map[Quarter]float64, error) { return quarterColumn(ratesFile, name) }

// PaymentMultiplier returns M(t) = sum_k share_k (A_k(t)/A_k(first))^gamma
// for the segment's paymentMix over the quarters of FitWindow, first its
// first quarter: 1 throughout for a segment without a mix. An amortising
// leg's payment is the annuity factor at the quarter's rate over its
// months (the balance path ignored: judgement).
func PaymentMultiplier(segment string, gamma float64) (map[Quarter]float64, error) {
	mix := paymentMix[segment]
	idx := map[string]map[Quarter]float64{}
	for _, leg := range mix {
		if leg.index == indexFixedLegKey || idx[leg.index] != nil {
			continue
		}
		r, err := Rates(leg.index)
		if err != nil {
			return nil, err
		}
		idx[leg.index] = r
	}
	payment := func(leg paymentLeg, q Quarter) (float64, error) {
		r, ok := idx[leg.index][q]
		if !ok {
			return 0, fmt.Errorf("payment multiplier %s: no %s for %s in %s", segment, leg.index, q, ratesFile)
		}
		i := (r/100 + leg.margin) / 12
		if leg.months == 0 {
			return i + leg.minPrincipal, nil
		}
		return i / (1 - math.Pow(1+i, -float64(leg.months))), nil
	}
	out := map[Quarter]float64{}
	for q := FitWindow.First; !FitWindow.Last.Before(q); q = q.Add(1) {
		var m, total float64
		for _, leg := range mix {
			total += leg.share
			if leg.index == indexFixedLegKey {
				m += leg.share
				continue
			}
			a, err := payment(leg, q)
			if err != nil {
				return nil, err
			}
			a0, err := payment(leg, FitWindow.First)
			if err != nil {
				return nil, err
			}
			m += leg.share * math.Pow(a/a0, gamma)
		}
		if len(mix) == 0 {
			m, total = 1, 1
		}
		if math.Abs(total-1) > 1e-12 {
			return nil, fmt.Errorf("payment multiplier %s: the mix's shares sum to %v", segment, total)
		}
		out[q] = m
	}
	return out, nil
}

// NetFits fits, for every model segment in Segments order, ln(charge-off
// rate) - ln M(t) on unemployment at PrimaryLag over FitWindow, M the
// segment's PaymentMultiplier at gamma (the model's Params.Gamma): the
// elasticity net of the payment channel, which the model's defaults take.
func NetFits(gamma float64) ([]Fit, error) {
	return fitEach(func(seg string, src segmentSource) (Fit, error) {
		m, err := PaymentMultiplier(seg, gamma)
		if err != nil {
			return Fit{}, err
		}
		f, err := fitSeries(src.series, PrimaryLag, m)
		f.NetOfPayment = len(paymentMix[seg]) > 0
		return f, err
	})
}
