package calibration

import (
	"fmt"
	"sort"
)

// RecentChargeOff is one quarter of the Federal Reserve's "Charge-Off Rates,
// All Banks, SA" table (testdata/baseline_chargeoff_recent.csv), percent,
// annualized, net of recoveries. Column names follow the release.
type RecentChargeOff struct {
	Quarter       Quarter
	RealEstateAll float64
	Residential   float64 // 1-4 family incl. home equity lines
	CommercialRE  float64
	Farmland      float64
	ConsumerAll   float64
	CreditCards   float64
	ConsumerOther float64
	Leases        float64
	CandI         float64
	Agricultural  float64
	TotalLoansPct float64
}

// RecentChargeOffs returns the transcribed rows, oldest first.
func RecentChargeOffs() ([]RecentChargeOff, error) {
	header, rows, err := readCSV(recentChargeOffF)
	if err != nil {
		return nil, err
	}
	names := []string{"quarter", "real_estate_all", "residential", "commercial_re", "farmland", "consumer_all",
		"credit_cards", "consumer_other", "leases", "c_and_i", "agricultural", "total"}
	idx := make([]int, len(names))
	for i, name := range names {
		if idx[i], err = column(recentChargeOffF, header, name); err != nil {
			return nil, err
		}
	}
	out := make([]RecentChargeOff, 0, len(rows))
	for n, row := range rows {
		q, err := ParseQuarter(row[idx[0]])
		if err != nil {
			return nil, fmt.Errorf("read %s row %d: %w", recentChargeOffF, n+1, err)
		}
		v := make([]float64, len(names)-1)
		for i := range v {
			if v[i], err = parseFloat(recentChargeOffF, n+1, row[idx[i+1]]); err != nil {
				return nil, err
			}
		}
		out = append(out, RecentChargeOff{q, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Quarter.Before(out[j].Quarter) })
	return out, nil
}

// BaselineMultiple turns an annual charge-off rate into MODEL.md section 6's
// baseline 27-month (nine-quarter) loss band: baseline = 2.25 x annual rate.
const BaselineMultiple = 2.25

// AnnualChargeOff is one calendar year's average of the four quarterly
// (annualized) rates, percent, by model band row.
type AnnualChargeOff struct {
	Year int
	// FirstLien uses the release's "residential" (incl. home equity lines).
	FirstLien   float64
	CRE         float64
	CandI       float64
	CreditCards float64
	// OtherConsumer stands in for auto (the release does not split auto out).
	OtherConsumer float64
	Total         float64
}

// Baseline is the annual rate times BaselineMultiple: the centre of MODEL.md
// section 6's baseline column for that year's credit conditions.
func (a AnnualChargeOff) Baseline() AnnualChargeOff {
	m := BaselineMultiple
	return AnnualChargeOff{a.Year, m * a.FirstLien, m * a.CRE, m * a.CandI, m * a.CreditCards, m * a.OtherConsumer, m * a.Total}
}

// AnnualChargeOffs averages RecentChargeOffs over every calendar year with
// all four quarters transcribed, oldest first.
func AnnualChargeOffs() ([]AnnualChargeOff, error) {
	q, err := RecentChargeOffs()
	if err != nil {
		return nil, err
	}
	byYear := map[int][]RecentChargeOff{}
	for _, r := range q {
		byYear[r.Quarter.Year] = append(byYear[r.Quarter.Year], r)
	}
	var out []AnnualChargeOff
	for y, rs := range byYear {
		if len(rs) != 4 {
			continue
		}
		a := AnnualChargeOff{Year: y}
		for _, r := range rs {
			a.FirstLien += r.Residential / 4
			a.CRE += r.CommercialRE / 4
			a.CandI += r.CandI / 4
			a.CreditCards += r.CreditCards / 4
			a.OtherConsumer += r.ConsumerOther / 4
			a.Total += r.TotalLoansPct / 4
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out, nil
}

// StressLossRate is one row of testdata/dfast_severely_adverse.csv: a
// severely adverse nine-quarter projected loss rate, percent of average
// balances.
type StressLossRate struct {
	// Scope is "aggregate" (all firms tested) or a firm tag (ALLY2024).
	Scope string
	// Exercise is the stress test year, "DFAST2019".
	Exercise string
	// LoanType is "all_loans" or the Fed's loan category, snake_case.
	LoanType    string
	LossRatePct float64
	// LossBillions is the projected dollar loss where the source prints it;
	// HasLossBillions is false (and LossBillions zero) where it does not.
	LossBillions    float64
	HasLossBillions bool
}

// SeverelyAdverseLossRates returns the transcribed stress-test rows in file
// order.
func SeverelyAdverseLossRates() ([]StressLossRate, error) {
	header, rows, err := readCSV(dfastFile)
	if err != nil {
		return nil, err
	}
	names := []string{"scope", "exercise", "loan_type", "loss_rate_pct", "loss_billions"}
	idx := make([]int, len(names))
	for i, name := range names {
		if idx[i], err = column(dfastFile, header, name); err != nil {
			return nil, err
		}
	}
	out := make([]StressLossRate, 0, len(rows))
	for n, row := range rows {
		r := StressLossRate{Scope: row[idx[0]], Exercise: row[idx[1]], LoanType: row[idx[2]]}
		if r.LossRatePct, err = parseFloat(dfastFile, n+1, row[idx[3]]); err != nil {
			return nil, err
		}
		if row[idx[4]] != "" {
			if r.LossBillions, err = parseFloat(dfastFile, n+1, row[idx[4]]); err != nil {
				return nil, err
			}
			r.HasLossBillions = true
		}
		out = append(out, r)
	}
	return out, nil
}
