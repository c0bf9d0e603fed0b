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
const ModelVersion = "credit-hazard/1.0.1"

// Params holds every parameter of the model (MODEL.md), settable per run and
// per stack and recorded in every output. The zero value is not useful: start
// from DefaultParams. Rates are annual decimals (0.08 = 8%), periods months.
type Params struct {
	// Seed is the run seed every random stream derives from. It is recorded
	// beside the parameter hash, not inside it.
	Seed uint64 `json:"seed"`
	// Scenarios is S, the number of shared rate/macro scenarios. MODEL.md:
	// a 99.9% figure needs at least 100,000; 10,000 keeps a run cheap.
	Scenarios int `json:"scenarios"`
	// HorizonMonths is H, the number of months simulated (Basel one-year PD).
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

	// MacroPersistenceMonthly is the AR(1) coefficient of the macro factor M.
	// Our assumption: 0.95 a month, a half-life of about 13.5 months, in line
	// with the persistence of the US unemployment gap.
	MacroPersistenceMonthly float64 `json:"macroPersistence"`
	// Kappa is how strongly M's innovations load (negatively) on the rate
	// innovation: corr(M innovation, rate innovation) = -Kappa. Our
	// assumption: 0.3 (higher rates, weaker labour market).
	Kappa float64 `json:"kappa"`
	// Gamma is the payment elasticity of the default hazard (MODEL.md, Fuster
	// and Willen: halving the payment cut the delinquency hazard by ~55%, 1.15).
	Gamma float64 `json:"gamma"`

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
	// unaffordable (MODEL.md: 55%).
	DTICap float64 `json:"dtiCap"`
	// DTIMonths is how many consecutive months above DTICap trigger default (MODEL.md: 3).
	DTIMonths int `json:"dtiMonths"`
	// DSCRMin is the debt-service coverage below which a commercial loan
	// cannot pay (MODEL.md: 1.0).
	DSCRMin float64 `json:"dscrMin"`
	// DSCRMonths is how many consecutive months below DSCRMin trigger default
	// (MODEL.md: two quarters, 6).
	DSCRMonths int `json:"dscrMonths"`

	// LGDPersonalUnsecured is the LGD of unsecured personal loans (MODEL.md: 85%).
	LGDPersonalUnsecured float64 `json:"lgdPersonalUnsecured"`
	// LGDSecuredRetail is the LGD of secured retail (auto) loans (MODEL.md: 50%).
	LGDSecuredRetail float64 `json:"lgdSecuredRetail"`
	// LGDCommercialUnsecured is the LGD of commercial loans without collateral
	// (MODEL.md, Basel II foundation IRB senior unsecured: 45%).
	LGDCommercialUnsecured float64 `json:"lgdCommercialUnsecured"`
	// CollateralHaircut is the haircut on collateral value (MODEL.md: 15%).
	CollateralHaircut float64 `json:"collateralHaircut"`
	// LGDFloor is the minimum LGD of secured commercial loans (MODEL.md: 10%).
	LGDFloor float64 `json:"lgdFloor"`
	// CCFUndrawn is the share of a line's undrawn amount drawn by default
	// (MODEL.md: 40%).
	CCFUndrawn float64 `json:"ccfUndrawn"`

	// TailShift is the importance-sampling shift theta of the mean of the
	// credit-cycle innovations (MODEL.md section 4, Glasserman and Li 2005);
	// 0 is plain Monte Carlo. Each scenario carries its likelihood ratio
	// (Scenarios.Weight).
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
		MacroPersistenceMonthly: 0.95,
		Kappa:                   0.3,
		Gamma:                   1.15,
		ScoreIntercept:          7.636,
		ScoreSlopePerPoint:      0.01552,
		GradePD12:               [10]float64{0.0003, 0.0005, 0.0010, 0.0020, 0.0040, 0.0080, 0.0150, 0.0300, 0.0800, 0.2500},
		PDFloor:                 0.0003,
		DTICap:                  0.55,
		DTIMonths:               3,
		DSCRMin:                 1.0,
		DSCRMonths:              6,
		LGDPersonalUnsecured:    0.85,
		LGDSecuredRetail:        0.50,
		LGDCommercialUnsecured:  0.45,
		CollateralHaircut:       0.15,
		LGDFloor:                0.10,
		CCFUndrawn:              0.40,
	}
}

// Limits on sizes: they keep memory bounded (scenario tables are about
// 1.25 KB per scenario at H = 12) and catch unit mistakes (months vs years).
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
	if math.IsNaN(p.MacroPersistenceMonthly) || p.MacroPersistenceMonthly < 0 || p.MacroPersistenceMonthly >= 1 {
		errs = append(errs, fmt.Errorf("params: macroPersistence = %v, must be in [0, 1)", p.MacroPersistenceMonthly))
	}
	f("kappa", p.Kappa, -1, 1)
	f("gamma", p.Gamma, 0, 10)
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
	i("dtiMonths", p.DTIMonths, 1, 120)
	f("dscrMin", p.DSCRMin, 0, 10)
	i("dscrMonths", p.DSCRMonths, 1, 120)
	f("lgdPersonalUnsecured", p.LGDPersonalUnsecured, 0, 1)
	f("lgdSecuredRetail", p.LGDSecuredRetail, 0, 1)
	f("lgdCommercialUnsecured", p.LGDCommercialUnsecured, 0, 1)
	if math.IsNaN(p.CollateralHaircut) || p.CollateralHaircut < 0 || p.CollateralHaircut >= 1 {
		errs = append(errs, fmt.Errorf("params: collateralHaircut = %v, must be in [0, 1)", p.CollateralHaircut))
	}
	f("lgdFloor", p.LGDFloor, 0, 1)
	f("ccfUndrawn", p.CCFUndrawn, 0, 1)
	return errors.Join(errs...)
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
