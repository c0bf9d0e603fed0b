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
func ChargeOffs() (map[string]ChargeOffSeries, error) { return seriesFile(chargeOffFile) }

// AutoFlowSeries is the ID of the New York Fed's auto loan flow into
// serious delinquency (testdata/nyfed_auto_serious_delinquency_2006_2010.csv):
// a PD-side check of the auto elasticity, which the Fed's charge-off
// release cannot give before 2015 (docs/calibration.md).
const AutoFlowSeries = "NYFED_AUTO_FLOW_90PLUS"

// seriesFile reads a file of series, seasonal_adjustment, quarter and
// rate_pct columns, by series ID.
func seriesFile(file string) (map[string]ChargeOffSeries, error) {
	header, rows, err := readCSV(file)
	if err != nil {
		return nil, err
	}
	var idx [4]int
	for i, name := range []string{"series", "seasonal_adjustment", "quarter", "rate_pct"} {
		if idx[i], err = column(file, header, name); err != nil {
			return nil, err
		}
	}
	out := map[string]ChargeOffSeries{}
	for n, row := range rows {
		if err := addObservation(out, file, n+1, row[idx[0]], row[idx[1]], row[idx[2]], row[idx[3]]); err != nil {
			return nil, err
		}
	}
	return out, sortSeries(file, out)
}

// Measures and categories of testdata/fed_chargeoff_delinquency_nsa_2006_2010.csv
// (the Federal Reserve's "All Banks, NSA" charge-off and delinquency tables).
// FedSeriesID names one of its series.
const (
	MeasureChargeOff   = "chargeoff"   // chgallnsa.htm: annualized, net of recoveries
	MeasureDelinquency = "delinquency" // delallnsa.htm: 30+ days past due or nonaccrual

	CategoryResidential   = "residential" // 1-4 family, incl. home equity lines
	CategoryCRE           = "commercial_real_estate"
	CategoryCreditCards   = "credit_cards"
	CategoryOtherConsumer = "other_consumer" // auto, student, other personal
	CategoryCandI         = "c_and_i"
)

// FedSeriesID is the ID FitSeries and FedTables use for one measure and
// category of the Fed's NSA tables: "chgallnsa:credit_cards",
// "delallnsa:residential" (the release's page names).
func FedSeriesID(measure, category string) string {
	page := map[string]string{MeasureChargeOff: "chgallnsa", MeasureDelinquency: "delallnsa"}[measure]
	return page + ":" + category
}

// FedTables returns every series in
// testdata/fed_chargeoff_delinquency_nsa_2006_2010.csv, by FedSeriesID.
func FedTables() (map[string]ChargeOffSeries, error) {
	header, rows, err := readCSV(fedTablesFile)
	if err != nil {
		return nil, err
	}
	var idx [4]int
	for i, name := range []string{"measure", "category", "quarter", "rate_pct"} {
		if idx[i], err = column(fedTablesFile, header, name); err != nil {
			return nil, err
		}
	}
	out := map[string]ChargeOffSeries{}
	for n, row := range rows {
		m := row[idx[0]]
		if m != MeasureChargeOff && m != MeasureDelinquency {
			return nil, fmt.Errorf("read %s row %d: measure %q", fedTablesFile, n+1, m)
		}
		if err := addObservation(out, fedTablesFile, n+1, FedSeriesID(m, row[idx[1]]), "NSA", row[idx[2]], row[idx[3]]); err != nil {
			return nil, err
		}
	}
	return out, sortSeries(fedTablesFile, out)
}

// allSeries is ChargeOffs, FedTables and the auto flow in one map (their
// IDs differ).
func allSeries() (map[string]ChargeOffSeries, error) {
	out, err := ChargeOffs()
	if err != nil {
		return nil, err
	}
	fed, err := FedTables()
	if err != nil {
		return nil, err
	}
	auto, err := seriesFile(autoFlowFile)
	if err != nil {
		return nil, err
	}
	for _, more := range []map[string]ChargeOffSeries{fed, auto} {
		for id, s := range more {
			if _, dup := out[id]; dup {
				return nil, fmt.Errorf("series %s is in two of %s, %s and %s", id, chargeOffFile, fedTablesFile, autoFlowFile)
			}
			out[id] = s
		}
	}
	return out, nil
}

func addObservation(out map[string]ChargeOffSeries, file string, line int, id, sa, quarter, value string) error {
	q, err := ParseQuarter(quarter)
	if err != nil {
		return fmt.Errorf("read %s row %d: %w", file, line, err)
	}
	v, err := parseFloat(file, line, value)
	if err != nil {
		return err
	}
	s := out[id]
	if s.ID != "" && s.SeasonalAdjustment != sa {
		return fmt.Errorf("read %s row %d: series %s is both %s and %s", file, line, s.ID, s.SeasonalAdjustment, sa)
	}
	s.ID, s.SeasonalAdjustment = id, sa
	s.Obs = append(s.Obs, Observation{Quarter: q, Pct: v})
	out[id] = s
	return nil
}

// sortSeries puts each series in quarter order and rejects a gap or a
// repeated quarter.
func sortSeries(file string, out map[string]ChargeOffSeries) error {
	for id, s := range out {
		sort.Slice(s.Obs, func(i, j int) bool { return s.Obs[i].Quarter.Before(s.Obs[j].Quarter) })
		for i := 1; i < len(s.Obs); i++ {
			if s.Obs[i].Quarter != s.Obs[i-1].Quarter.Add(1) {
				return fmt.Errorf("read %s: series %s skips or repeats a quarter at %s", file, id, s.Obs[i].Quarter)
			}
		}
		out[id] = s
	}
	return nil
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
