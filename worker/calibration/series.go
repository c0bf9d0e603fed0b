package calibration

import (
	"fmt"
	"sort"
)

// Observation is one quarter's value of a series, in percent.
type Observation struct {
	Quarter Quarter
	Pct     float64
}

// ChargeOffSeries is one transcribed charge-off rate series.
type ChargeOffSeries struct {
	// ID is the FRED series ID of the Federal Reserve release series
	// (CORSFRMACBN, ...).
	ID string
	// SeasonalAdjustment is "SA" or "NSA", as the source labels it.
	SeasonalAdjustment string
	// Obs are in quarter order; annualized percent, net of recoveries.
	Obs []Observation
}

// ChargeOffs returns every series in testdata/chargeoff_2006_2010.csv, by ID.
func ChargeOffs() (map[string]ChargeOffSeries, error) {
	header, rows, err := readCSV(chargeOffFile)
	if err != nil {
		return nil, err
	}
	var idx [4]int
	for i, name := range []string{"series", "seasonal_adjustment", "quarter", "rate_pct"} {
		if idx[i], err = column(chargeOffFile, header, name); err != nil {
			return nil, err
		}
	}
	out := map[string]ChargeOffSeries{}
	for n, row := range rows {
		q, err := ParseQuarter(row[idx[2]])
		if err != nil {
			return nil, fmt.Errorf("read %s row %d: %w", chargeOffFile, n+1, err)
		}
		v, err := parseFloat(chargeOffFile, n+1, row[idx[3]])
		if err != nil {
			return nil, err
		}
		s := out[row[idx[0]]]
		if s.ID != "" && s.SeasonalAdjustment != row[idx[1]] {
			return nil, fmt.Errorf("read %s row %d: series %s is both %s and %s", chargeOffFile, n+1, s.ID, s.SeasonalAdjustment, row[idx[1]])
		}
		s.ID, s.SeasonalAdjustment = row[idx[0]], row[idx[1]]
		s.Obs = append(s.Obs, Observation{Quarter: q, Pct: v})
		out[s.ID] = s
	}
	for id, s := range out {
		sort.Slice(s.Obs, func(i, j int) bool { return s.Obs[i].Quarter.Before(s.Obs[j].Quarter) })
		for i := 1; i < len(s.Obs); i++ {
			if s.Obs[i].Quarter != s.Obs[i-1].Quarter.Add(1) {
				return nil, fmt.Errorf("read %s: series %s skips or repeats a quarter at %s", chargeOffFile, id, s.Obs[i].Quarter)
			}
		}
		out[id] = s
	}
	return out, nil
}

// MonthlyUnemployment returns testdata/unemployment_monthly.csv: the BLS
// LNS14000000 table, "YYYY-MM" to percent.
func MonthlyUnemployment() (map[string]float64, error) {
	header, rows, err := readCSV(unemploymentMonthF)
	if err != nil {
		return nil, err
	}
	mi, err := column(unemploymentMonthF, header, "month")
	if err != nil {
		return nil, err
	}
	ri, err := column(unemploymentMonthF, header, "rate_pct")
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(rows))
	for n, row := range rows {
		v, err := parseFloat(unemploymentMonthF, n+1, row[ri])
		if err != nil {
			return nil, err
		}
		out[row[mi]] = v
	}
	return out, nil
}

// QuarterlyUnemployment returns testdata/unemployment_quarterly.csv for one
// source tag (DFAST2013, DFAST2014, BLSTED2008), quarter to percent.
func QuarterlyUnemployment(source string) (map[Quarter]float64, error) {
	header, rows, err := readCSV(unemploymentQtrF)
	if err != nil {
		return nil, err
	}
	var idx [3]int
	for i, name := range []string{"source", "quarter", "rate_pct"} {
		if idx[i], err = column(unemploymentQtrF, header, name); err != nil {
			return nil, err
		}
	}
	out := map[Quarter]float64{}
	for n, row := range rows {
		if row[idx[0]] != source {
			continue
		}
		q, err := ParseQuarter(row[idx[1]])
		if err != nil {
			return nil, fmt.Errorf("read %s row %d: %w", unemploymentQtrF, n+1, err)
		}
		if out[q], err = parseFloat(unemploymentQtrF, n+1, row[idx[2]]); err != nil {
			return nil, err
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("read %s: no rows for source %q", unemploymentQtrF, source)
	}
	return out, nil
}

// MonthlyAverage is the mean of the quarter's three monthly rates, or
// false when a month is missing.
func MonthlyAverage(monthly map[string]float64, q Quarter) (float64, bool) {
	sum := 0.0
	for m := 3*q.Q - 2; m <= 3*q.Q; m++ {
		v, ok := monthly[fmt.Sprintf("%d-%02d", q.Year, m)]
		if !ok {
			return 0, false
		}
		sum += v
	}
	return sum / 3, true
}

// UnemploymentSplice is the first quarter taken from the Federal Reserve's
// quarterly figures (DFAST 2013); earlier quarters average the BLS monthly
// table. The seam is checked by TestUnemploymentSeam.
var UnemploymentSplice = Quarter{Year: 2009, Q: 1}

// Unemployment returns the quarterly civilian unemployment rate the fit
// uses, in percent: the average of the BLS monthly table before
// UnemploymentSplice (2005Q1-2008Q4) and the Federal Reserve's DFAST 2013
// historical quarters from it on (2009Q1-2010Q4).
func Unemployment() (map[Quarter]float64, error) {
	monthly, err := MonthlyUnemployment()
	if err != nil {
		return nil, err
	}
	fed, err := QuarterlyUnemployment("DFAST2013")
	if err != nil {
		return nil, err
	}
	out := map[Quarter]float64{}
	for q := (Quarter{Year: 2005, Q: 1}); q.Before(UnemploymentSplice); q = q.Add(1) {
		v, ok := MonthlyAverage(monthly, q)
		if !ok {
			return nil, fmt.Errorf("unemployment: %s: a month is missing from %s", q, unemploymentMonthF)
		}
		out[q] = v
	}
	for q, v := range fed {
		if !q.Before(UnemploymentSplice) {
			out[q] = v
		}
	}
	return out, nil
}
