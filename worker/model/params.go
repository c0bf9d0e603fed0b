package model

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// ModelVersion identifies the model equations. Bump it whenever a change can
// alter any output for the same Params and seed; every output records it.
const ModelVersion = "credit-hazard/2.2.0"

// Params holds every parameter of the model (MODEL.md version 2), settable per
// run and per stack and recorded, with its hash, in every output. The zero
// value is not useful: start from DefaultParams. Rates, unemployment and
// spreads are annual decimals (0.08 = 8%), periods months; "per point" means
// per percentage point of the variable named. Each comment gives the source
// of the default or says it is our judgement.
type Params struct {
	// Seed is the run seed every random stream derives from. It is recorded
	// beside the parameter hash, not inside it.
	Seed uint64 `json:"seed"`
	// Scenarios is S, the number of shared macro scenarios. MODEL.md: a 99.9%
	// figure needs about 100,000 plain or 10,000 with TailShift.
	Scenarios int `json:"scenarios"`
	// HorizonMonths is H: MODEL.md, the Federal Reserve's nine quarters (27).
	HorizonMonths int `json:"horizonMonths"`

	// R0Annual is the policy rate today: fed funds effective rate 4.33%
	// (MODEL.md, early 2025).
	R0Annual float64 `json:"r0"`
	// TargetRateAnnual is the stress level the policy rate ramps to (MODEL.md: 8%).
	TargetRateAnnual float64 `json:"targetRate"`
	// RampMonths is how long the linear ramp from r0 to the target takes (MODEL.md: 12).
	RampMonths int `json:"rampMonths"`
	// MeanReversionPerYear is the Hull-White mean reversion a (MODEL.md: 1.0).
	MeanReversionPerYear float64 `json:"meanReversion"`
	// SigmaAnnualPerSqrtYear is the Hull-White volatility sigma (MODEL.md: 1% per sqrt(year)).
	SigmaAnnualPerSqrtYear float64 `json:"sigma"`
	// PrimeSpreadAnnual is prime minus fed funds (MODEL.md: 3%).
	PrimeSpreadAnnual float64 `json:"primeSpread"`
	// MortgageSpreadAnnual is the mortgage rate minus fed funds (MODEL.md:
	// 2.5%, judgement). Only reported: no loan resets to the mortgage rate.
	MortgageSpreadAnnual float64 `json:"mortgageSpread"`

	// TransmissionMonths is tau, the time constant of the rate-gap memory
	// g(t) = g(t-1) + (r(t) - r0 - g(t-1))/tau (MODEL.md: 12 months).
	TransmissionMonths float64 `json:"transmissionMonths"`
	// U0 is unemployment today (MODEL.md: 4.2%).
	U0 float64 `json:"u0"`
	// BetaU is the points of unemployment per point of sustained policy-rate
	// rise (MODEL.md: 0.5, between Romer and Romer 2004, about 0.9 at the
	// peak, and Christiano, Eichenbaum and Evans 2005, about 0.3).
	BetaU float64 `json:"betaU"`
	// SigmaU is the unemployment noise per unit of the credit-cycle residual
	// e: u = u0 + betaU g + sigmaU e. Judgement: 0.5 point, about the
	// standard error of a one-to-two-year unemployment forecast.
	SigmaU float64 `json:"sigmaU"`
	// BetaH is the house-price fall per point of g, as a log: HPI =
	// exp(-betaH g + W_h) (MODEL.md: 2.5% per point).
	BetaH float64 `json:"betaH"`
	// SigmaH is the monthly volatility of the house and commercial property
	// price noise W (MODEL.md: 1%).
	SigmaH float64 `json:"sigmaH"`
	// PriceNoiseCorr is the correlation of the house and commercial property
	// price innovations (MODEL.md: 0.7, judgement).
	PriceNoiseCorr float64 `json:"priceNoiseCorr"`
	// CapRate0 is the commercial property capitalisation rate today (MODEL.md: 6%).
	CapRate0 float64 `json:"capRate0"`
	// CapRateLambda is the rise of the cap rate per unit of g (MODEL.md: 0.4).
	CapRateLambda float64 `json:"capRateLambda"`
	// NOINu is the fall of commercial net operating income per unit rise of
	// unemployment: NOI factor 1 - nu (u - u0) (MODEL.md: 3% per point, 3).
	NOINu float64 `json:"noiNu"`

	// CycleRhoMonthly is the AR(1) coefficient of the credit-cycle residual e
	// (MODEL.md: 0.95 a month, a half-life of about 13.5 months).
	CycleRhoMonthly float64 `json:"cycleRho"`
	// Kappa is the correlation of e's innovations with the rate innovations
	// Z_r (MODEL.md: +0.3; higher rates, worse credit).
	Kappa float64 `json:"kappa"`

	// Gamma is the payment elasticity of the default hazard (MODEL.md, Fuster
	// and Willen 2017: 1.15, measured on payment cuts).
	Gamma float64 `json:"gamma"`
	// Eta* are the hazard elasticities to unemployment, per point, by
	// segment: h is multiplied by exp(eta (u - u0) in points). Fitted
	// (worker/calibration.Elasticities(Gamma), docs/calibration.md; a test
	// in worker/backtest keeps them equal): the slopes of the log of the
	// Federal Reserve's 2006-2010 quarterly charge-off rates, net of the
	// model's own payment channel (the rates divided by each segment's
	// payment multiplier at Gamma on the historical prime and bill rates:
	// the payments that fell in 2008-2009 had lowered charge-offs while
	// unemployment rose), on the unemployment rate. CRE 0.678 (HAC SE
	// 0.111), C&I 0.397 (0.049; term loans and lines share the release's
	// C&I series), cards 0.213 (0.014), auto and unsecured personal 0.123
	// (0.038; the release's "other consumer" loans, which include auto).
	// Charge-offs are PD x LGD; for
	// cards, C&I, auto and unsecured the model's LGD has no cyclical channel
	// (flat, or auto's depreciation schedule), so the charge-off slope maps
	// one for one into the hazard and eta carries the cyclical severity the
	// LGD lacks (docs/calibration.md, "From charge-off slope to hazard
	// elasticity").
	//
	// C&I and auto are overlays: at their fits the severely adverse losses
	// fall below MODEL.md section 6's supervisory bands (5-9%, 5-8%; C&I
	// 3.28% and auto 3.49% at the unnetted fits), because unemployment is
	// the model's only driver of these hazards (no corporate spreads or GDP
	// for C&I, no used-car prices for auto). The defaults, C&I 0.50 and
	// auto 0.25, meet the bands and lie 2.1 and 3.3 HAC standard errors
	// above the fits, inside the 4 the data cannot reject (a test in
	// worker/backtest keeps them there); they are judgement until the model
	// has those channels.
	EtaPersonal float64 `json:"etaPersonal"`
	EtaAuto     float64 `json:"etaAuto"`
	EtaCard     float64 `json:"etaCard"`
	//
	// Mortgages and home equity are the exception: 0.30 is bounded by the
	// data, not equal to a fit. The charge-off slope (0.484, HAC SE 0.085)
	// carries the house-price channel twice over (more defaults on negative
	// equity, and higher loss severity), both of which the model adds itself
	// (LTV hazard and LGD): with 0.484 the severely adverse mortgage loss is
	// 4.8% of average balance against MODEL.md's 1-2.5% band. The joint fit
	// holding house prices fixed is not identified on these 20 quarters
	// (eta -0.19, regressors correlated -0.92). The slope of the residential
	// delinquency rate (0.304, HAC SE 0.030; the Fed's NSA delinquency
	// table) has no severity in it, but still the negative-equity defaults,
	// so it is an upper bound for the model's eta; 0.30 sits at it (0.13
	// HAC SE below).
	EtaMortgage       float64 `json:"etaMortgage"`
	EtaHomeEquity     float64 `json:"etaHomeEquity"`
	EtaCommercialTerm float64 `json:"etaCommercialTerm"`
	EtaCommercialLine float64 `json:"etaCommercialLine"`
	EtaCRE            float64 `json:"etaCRE"`
	// LTVKnee and EtaLTV: h is multiplied by exp(etaLTV max(0, LTV - knee))
	// for mortgages, home equity and CRE (MODEL.md: 0.8 and 4; negative
	// equity is the second trigger, Foote, Gerardi and Willen 2008).
	LTVKnee float64 `json:"ltvKnee"`
	EtaLTV  float64 `json:"etaLTV"`
	// DSCRKnee and EtaDSCR: commercial affordability exp(etaDSCR max(0,
	// knee - DSCR)) (MODEL.md: 1.25 and 3).
	DSCRKnee float64 `json:"dscrKnee"`
	EtaDSCR  float64 `json:"etaDSCR"`
	// Refinancing of commercial loans maturing (or with a balloon) inside the
	// horizon fails with q = min(1, kDSCR max(0, refiDSCRKnee - DSCR) + kLTV
	// max(0, LTV - refiLTVKnee)) (MODEL.md: 1.5, 2, 1.25, 0.75), the new
	// loan amortising over RefiAmortMonths (MODEL.md: 25 years).
	RefiKDSCR       float64 `json:"refiKDSCR"`
	RefiKLTV        float64 `json:"refiKLTV"`
	RefiDSCRKnee    float64 `json:"refiDSCRKnee"`
	RefiLTVKnee     float64 `json:"refiLTVKnee"`
	RefiAmortMonths int     `json:"refiAmortMonths"`

	// ScoreIntercept and ScoreSlopePerPoint give logit(PD_2y) = intercept -
	// slope*score (MODEL.md, fitted to the Federal Reserve's 2007 report to
	// Congress on credit scoring: 7.636 and 0.01552).
	ScoreIntercept     float64 `json:"scoreIntercept"`
	ScoreSlopePerPoint float64 `json:"scoreSlope"`
	// GradePD12 is the one-year PD of commercial risk grades 1 (best) to 10.
	// Approximate long-run one-year corporate default rates by rating (S&P
	// annual default studies, AA- through CCC, rounded), grade 1 at the Basel
	// 0.03% floor.
	GradePD12 [10]float64 `json:"gradePD"`
	// PDFloor is the minimum one-year PD (Basel II para. 285: 0.03%).
	PDFloor float64 `json:"pdFloor"`

	// DTICap is the debt-to-income ratio above which a personal loan is
	// reported as over its cap today (MODEL.md: data to report, not a
	// default; 55%, judgement).
	DTICap float64 `json:"dtiCap"`
	// CardMinPrincipalMonthly is the share of a card balance a card holder
	// pays each month on top of interest (judgement: 1%, the usual minimum
	// payment formula); the balance is taken as revolving, held constant.
	CardMinPrincipalMonthly float64 `json:"cardMinPrincipal"`

	// LGDPersonalUnsecured is the LGD of unsecured personal loans (MODEL.md: 85%).
	LGDPersonalUnsecured float64 `json:"lgdPersonalUnsecured"`
	// LGDCard is the LGD of credit cards (MODEL.md: 90%).
	LGDCard float64 `json:"lgdCard"`
	// Auto: LGD = max(floor, 1 - recovery x value x (1-depreciation)^t / EAD)
	// (MODEL.md: 30%, 0.7, 1.5% a month).
	LGDAutoFloor            float64 `json:"lgdAutoFloor"`
	AutoRecovery            float64 `json:"autoRecovery"`
	AutoDepreciationMonthly float64 `json:"autoDepreciation"`
	// Mortgages and home equity: LGD = max(floor, 1 - recovery x value x
	// HPI(t) / EAD) (MODEL.md: 10%, 0.75).
	LGDMortgageFloor float64 `json:"lgdMortgageFloor"`
	MortgageRecovery float64 `json:"mortgageRecovery"`
	// CRE: LGD = max(floor, 1 - recovery x value x CRE(t) / EAD) (MODEL.md: 15%, 0.75).
	LGDCREFloor float64 `json:"lgdCREFloor"`
	CRERecovery float64 `json:"creRecovery"`
	// LGDCommercialUnsecured and LGDCommercialSecured are the LGDs of C&I
	// loans and lines without and with collateral (MODEL.md: 45%, the Basel
	// II foundation IRB senior unsecured figure, and 35%).
	LGDCommercialUnsecured float64 `json:"lgdCommercialUnsecured"`
	LGDCommercialSecured   float64 `json:"lgdCommercialSecured"`
	// CCFCard and CCFLine are the shares of the undrawn limit drawn by
	// default (MODEL.md: cards 0.6, lines 0.4).
	CCFCard float64 `json:"ccfCard"`
	CCFLine float64 `json:"ccfLine"`

	// LGDTodayPrices, when set, takes the LGD of every default at today's
	// house and commercial property price index (1) instead of the
	// stressed index of its month: the collateral channel's severity half,
	// switched off for the attribution of the stressed loss (with EtaLTV =
	// 0; worker/risk.ChannelParams). False in every ordinary run, and
	// omitted from the JSON (and so from the hash) when false.
	LGDTodayPrices bool `json:"lgdTodayPrices,omitempty"`

	// TailShift is the importance-sampling shift theta of the mean of the
	// standardised credit-cycle innovations (MODEL.md section 4, Glasserman
	// and Li 2005); 0 is plain Monte Carlo. Each scenario carries its
	// likelihood ratio (Scenarios.Weight). The shift accumulates in e (about
	// 4.7 theta by month 27), and the weights' variance grows like
	// exp(H theta^2/(1-kappa^2)): useful values are about 0.1 to 0.4.
	TailShift float64 `json:"tailShift"`
	// Scenario, when set, replaces the rate ramp and the deterministic macro
	// means with a scenario file's paths (MODEL.md section 1). It is part of
	// the parameters, so it is recorded and hashed with them.
	Scenario *scenariofile.Path `json:"scenarioPath,omitempty"`
}

// DefaultParams returns the parameters of MODEL.md.
func DefaultParams() Params {
	return Params{
		Seed:                    1,
		Scenarios:               10_000,
		HorizonMonths:           27,
		R0Annual:                0.0433,
		TargetRateAnnual:        0.08,
		RampMonths:              12,
		MeanReversionPerYear:    1.0,
		SigmaAnnualPerSqrtYear:  0.01,
		PrimeSpreadAnnual:       0.03,
		MortgageSpreadAnnual:    0.025,
		TransmissionMonths:      12,
		U0:                      0.042,
		BetaU:                   0.5,
		SigmaU:                  0.005,
		BetaH:                   2.5,
		SigmaH:                  0.01,
		PriceNoiseCorr:          0.7,
		CapRate0:                0.06,
		CapRateLambda:           0.4,
		NOINu:                   3,
		CycleRhoMonthly:         0.95,
		Kappa:                   0.3,
		Gamma:                   1.15,
		EtaPersonal:             0.123, // calibration.Elasticities(Gamma), fitted ("other consumer")
		EtaAuto:                 0.25,  // overlay: fit 0.123 (HAC SE 0.038) + 3.3 SE, for the bands (see above)
		EtaCard:                 0.213, // calibration.Elasticities(Gamma), fitted
		EtaMortgage:             0.30,  // at the delinquency-rate bound 0.304 (see EtaMortgage's comment)
		EtaHomeEquity:           0.30,  // as EtaMortgage (the Fed's residential series includes HELOCs)
		EtaCommercialTerm:       0.50,  // overlay: fit 0.397 (HAC SE 0.049) + 2.1 SE, for the bands (see above)
		EtaCommercialLine:       0.50,  // as EtaCommercialTerm
		EtaCRE:                  0.678, // calibration.Elasticities(Gamma), fitted
		LTVKnee:                 0.8,
		EtaLTV:                  4,
		DSCRKnee:                1.25,
		EtaDSCR:                 3,
		RefiKDSCR:               1.5,
		RefiKLTV:                2,
		RefiDSCRKnee:            1.25,
		RefiLTVKnee:             0.75,
		RefiAmortMonths:         300,
		ScoreIntercept:          7.636,
		ScoreSlopePerPoint:      0.01552,
		GradePD12:               [10]float64{0.0003, 0.0005, 0.0010, 0.0020, 0.0040, 0.0080, 0.0150, 0.0300, 0.0800, 0.2500},
		PDFloor:                 0.0003,
		DTICap:                  0.55,
		CardMinPrincipalMonthly: 0.01,
		LGDPersonalUnsecured:    0.85,
		LGDCard:                 0.90,
		LGDAutoFloor:            0.30,
		AutoRecovery:            0.7,
		AutoDepreciationMonthly: 0.015,
		LGDMortgageFloor:        0.10,
		MortgageRecovery:        0.75,
		LGDCREFloor:             0.15,
		CRERecovery:             0.75,
		LGDCommercialUnsecured:  0.45,
		LGDCommercialSecured:    0.35,
		CCFCard:                 0.6,
		CCFLine:                 0.4,
	}
}

// Limits on sizes: they keep memory bounded (scenario tables are about
// 2.4 KB per scenario at H = 27, plus 0.22 KB per hazard table in use) and
// catch unit mistakes (months vs years).
const (
	MaxScenarios     = 10_000_000
	MaxHorizonMonths = 120
)

// Validate reports every parameter outside its allowed range, naming the
// field by its JSON key.
func (p Params) Validate() error {
	var errs []error
	f := func(name string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			errs = append(errs, fmt.Errorf("params: %s = %v, must be in [%v, %v]", name, v, lo, hi))
		}
	}
	open := func(name string, v, lo, hi float64) { // [lo, hi)
		if math.IsNaN(v) || v < lo || v >= hi {
			errs = append(errs, fmt.Errorf("params: %s = %v, must be in [%v, %v)", name, v, lo, hi))
		}
	}
	i := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			errs = append(errs, fmt.Errorf("params: %s = %d, must be an integer in [%d, %d]", name, v, lo, hi))
		}
	}
	i("scenarios", p.Scenarios, 1, MaxScenarios)
	i("horizonMonths", p.HorizonMonths, 1, MaxHorizonMonths)
	f("r0", p.R0Annual, 0, 0.5)
	f("targetRate", p.TargetRateAnnual, 0, 0.5)
	i("rampMonths", p.RampMonths, 0, 600)
	f("meanReversion", p.MeanReversionPerYear, 0, 50)
	f("sigma", p.SigmaAnnualPerSqrtYear, 0, 0.2)
	f("primeSpread", p.PrimeSpreadAnnual, 0, 0.2)
	f("mortgageSpread", p.MortgageSpreadAnnual, 0, 0.2)
	f("transmissionMonths", p.TransmissionMonths, 1, 600)
	f("u0", p.U0, 0, 0.5)
	f("betaU", p.BetaU, 0, 5)
	f("sigmaU", p.SigmaU, 0, 0.1)
	f("betaH", p.BetaH, 0, 50)
	f("sigmaH", p.SigmaH, 0, 0.2)
	f("priceNoiseCorr", p.PriceNoiseCorr, -1, 1)
	f("capRate0", p.CapRate0, 0.005, 0.5)
	f("capRateLambda", p.CapRateLambda, 0, 10)
	f("noiNu", p.NOINu, 0, 20)
	open("cycleRho", p.CycleRhoMonthly, 0, 1)
	f("kappa", p.Kappa, -0.99, 0.99)
	f("gamma", p.Gamma, 0, 10)
	for _, e := range []struct {
		name string
		v    float64
	}{{"etaPersonal", p.EtaPersonal}, {"etaAuto", p.EtaAuto}, {"etaCard", p.EtaCard}, {"etaMortgage", p.EtaMortgage},
		{"etaHomeEquity", p.EtaHomeEquity}, {"etaCommercialTerm", p.EtaCommercialTerm}, {"etaCommercialLine", p.EtaCommercialLine}, {"etaCRE", p.EtaCRE}} {
		f(e.name, e.v, 0, 3)
	}
	f("ltvKnee", p.LTVKnee, 0, 10)
	f("etaLTV", p.EtaLTV, 0, 50)
	f("dscrKnee", p.DSCRKnee, 0, 10)
	f("etaDSCR", p.EtaDSCR, 0, 50)
	f("refiKDSCR", p.RefiKDSCR, 0, 100)
	f("refiKLTV", p.RefiKLTV, 0, 100)
	f("refiDSCRKnee", p.RefiDSCRKnee, 0, 10)
	f("refiLTVKnee", p.RefiLTVKnee, 0, 10)
	i("refiAmortMonths", p.RefiAmortMonths, 1, 600)
	f("scoreIntercept", p.ScoreIntercept, -100, 100)
	f("scoreSlope", p.ScoreSlopePerPoint, 0, 1)
	for g, pd := range p.GradePD12 {
		if math.IsNaN(pd) || pd <= 0 || pd >= 1 {
			errs = append(errs, fmt.Errorf("params: gradePD[%d] (grade %d) = %v, must be in (0, 1)", g, g+1, pd))
		} else if g > 0 && pd < p.GradePD12[g-1] {
			errs = append(errs, fmt.Errorf("params: gradePD[%d] (grade %d) = %v, must not be below grade %d's %v", g, g+1, pd, g, p.GradePD12[g-1]))
		}
	}
	f("pdFloor", p.PDFloor, 0, 0.01)
	f("dtiCap", p.DTICap, 0.01, 10)
	f("cardMinPrincipal", p.CardMinPrincipalMonthly, 0, 0.2)
	for _, e := range []struct {
		name string
		v    float64
	}{{"lgdPersonalUnsecured", p.LGDPersonalUnsecured}, {"lgdCard", p.LGDCard}, {"lgdAutoFloor", p.LGDAutoFloor},
		{"autoRecovery", p.AutoRecovery}, {"lgdMortgageFloor", p.LGDMortgageFloor}, {"mortgageRecovery", p.MortgageRecovery},
		{"lgdCREFloor", p.LGDCREFloor}, {"creRecovery", p.CRERecovery}, {"lgdCommercialUnsecured", p.LGDCommercialUnsecured},
		{"lgdCommercialSecured", p.LGDCommercialSecured}, {"ccfCard", p.CCFCard}, {"ccfLine", p.CCFLine}} {
		f(e.name, e.v, 0, 1)
	}
	open("autoDepreciation", p.AutoDepreciationMonthly, 0, 1)
	f("tailShift", p.TailShift, -3, 3)
	if sp := p.Scenario; sp != nil {
		errs = append(errs, validatePath(sp, p.HorizonMonths)...)
	}
	return errors.Join(errs...)
}

// validatePath checks a scenario file's paths: all of one length covering
// the horizon, finite, rates and unemployment in [0, 1), price indices
// positive and 1 at t = 0.
func validatePath(sp *scenariofile.Path, h int) []error {
	var errs []error
	n := len(sp.FedFunds)
	if n-1 < h {
		errs = append(errs, fmt.Errorf("params: scenarioPath %q covers %d months, must cover horizonMonths = %d", sp.Name, max(0, n-1), h))
	}
	cols := []struct {
		name   string
		v      []float64
		lo, hi float64
	}{{"fedFunds", sp.FedFunds, 0, 1}, {"prime", sp.Prime, 0, 1}, {"mortgage", sp.Mortgage, 0, 1},
		{"unemployment", sp.Unemployment, 0, 1}, {"hpi", sp.HPI, 1e-6, 1e6}, {"cre", sp.CRE, 1e-6, 1e6}}
	for _, c := range cols {
		if len(c.v) != n {
			errs = append(errs, fmt.Errorf("params: scenarioPath.%s has %d months, must have %d like fedFunds", c.name, len(c.v), n))
			continue
		}
		for t, v := range c.v {
			if math.IsNaN(v) || v < c.lo || v >= c.hi {
				errs = append(errs, fmt.Errorf("params: scenarioPath.%s[%d] = %v, must be in [%v, %v)", c.name, t, v, c.lo, c.hi))
				break
			}
		}
	}
	return errs
}

// Hash returns the hex SHA-256 of ModelVersion and a canonical encoding of the
// parameters (every field except Seed, keyed by JSON name in sorted order), so
// it is the same across runs, machines and any reordering of the struct's
// fields, and changes with the model equations. The seed is recorded beside
// it: two runs with one hash differ only by seed.
func (p Params) Hash() string {
	raw, err := json.Marshal(p)
	if err != nil { // cannot happen: Params holds only numbers
		panic(fmt.Sprintf("model: marshal params: %v", err))
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		panic(fmt.Sprintf("model: unmarshal params: %v", err))
	}
	delete(m, "seed")
	canon, err := json.Marshal(m) // encoding/json sorts map keys
	if err != nil {
		panic(fmt.Sprintf("model: marshal canonical params: %v", err))
	}
	sum := sha256.Sum256(append([]byte(ModelVersion+"\n"), canon...))
	return hex.EncodeToString(sum[:])
}
