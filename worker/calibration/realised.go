package calibration

import "fmt"

// BacktestWindow is the back-test's quarters (issue 11 item 4): 2007 Q1 to
// 2010 Q4, sixteen quarters after the jump-off quarter 2006 Q4.
var BacktestWindow = struct{ First, Last Quarter }{
	First: Quarter{Year: 2007, Q: 1},
	Last:  Quarter{Year: 2010, Q: 4},
}

// RealisedLoss is one segment's realised cumulative net charge-off over a
// run of quarters: the sum of the quarterly annualised rates divided by 4,
// a fraction of the average loans outstanding (the release's basis).
type RealisedLoss struct {
	// Segment is the model segment (ResidentialMortgage, ...).
	Segment string
	// Series is the charge-off series the segment maps to (segmentMap, the
	// same mapping FitElasticities uses).
	Series string
	// First and Last are the quarters summed, N their number.
	First, Last Quarter
	N           int
	// Rate is the cumulative charge-off rate, a decimal (0.06 = 6%).
	Rate float64
}

// RealisedChargeOffs returns, in Segments order, each segment's cumulative
// net charge-off rate over the quarters first..last: sum over the quarters
// of the Federal Reserve's annualised quarterly rate (percent) / 4 / 100.
// Segments sharing a release category (first liens and home equity, C&I
// term and lines, auto and unsecured) get the same rate. A quarter missing
// from a series is an error, not a zero.
func RealisedChargeOffs(first, last Quarter) ([]RealisedLoss, error) {
	if last.Before(first) {
		return nil, fmt.Errorf("realised charge-offs: %s is before %s", last, first)
	}
	all, err := allSeries()
	if err != nil {
		return nil, err
	}
	out := make([]RealisedLoss, 0, len(Segments))
	for _, seg := range Segments {
		id := segmentMap[seg].series
		s, ok := all[id]
		if !ok {
			return nil, fmt.Errorf("realised charge-offs: %s: no series %s", seg, id)
		}
		byQ := map[Quarter]float64{}
		for _, o := range s.Obs {
			byQ[o.Quarter] = o.Pct
		}
		r := RealisedLoss{Segment: seg, Series: id, First: first, Last: last}
		for q := first; !last.Before(q); q = q.Add(1) {
			v, ok := byQ[q]
			if !ok {
				return nil, fmt.Errorf("realised charge-offs: %s: series %s has no %s", seg, id, q)
			}
			r.Rate += v / 4 / 100
			r.N++
		}
		out = append(out, r)
	}
	return out, nil
}
