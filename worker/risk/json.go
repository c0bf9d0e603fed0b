package risk

import (
	"encoding/json"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// JSON of the figures that may be absent. A tail figure whose status is
// TailInsufficient, and a loss rate over an average balance of 0, are null
// rather than a 0 a reader could take for a measurement. The Go fields stay
// plain float64 so Headline stays comparable; decoding needs nothing
// special (null leaves the field 0).

// tailJSON overrides the nullable keys of the type it is embedded beside,
// whose own fields sit one level deeper: encoding/json takes the shallower
// of two fields of the same name (and drops both at the same depth).
type tailJSON struct {
	VaR99              *float64  `json:"var_99"`
	VaR99CI            *Interval `json:"var_99_ci"`
	ES99               *float64  `json:"es_99"`
	ES99CI             *Interval `json:"es_99_ci"`
	VaR999             *float64  `json:"var_999"`
	VaR999CI           *Interval `json:"var_999_ci"`
	ES999              *float64  `json:"es_999"`
	ES999CI            *Interval `json:"es_999_ci"`
	LossRateAvgBalance *float64  `json:"loss_rate_avg_balance"`
}

func newTailJSON(t99, t999 TailStatus, var99, es99, var999, es999 float64, ci99, esci99, ci999, esci999 Interval, avgBalance bool, lossRate float64) tailJSON {
	var j tailJSON
	if t99.Reported() {
		j.VaR99, j.VaR99CI, j.ES99, j.ES99CI = &var99, &ci99, &es99, &esci99
	}
	if t999.Reported() {
		j.VaR999, j.VaR999CI, j.ES999, j.ES999CI = &var999, &ci999, &es999, &esci999
	}
	if avgBalance {
		j.LossRateAvgBalance = &lossRate
	}
	return j
}

type lossStatsFields LossStats // LossStats without its methods

type lossStatsDeep struct{ lossStatsFields }

type lossStatsJSON struct {
	lossStatsDeep
	tailJSON
}

func (ls LossStats) json() lossStatsJSON {
	return lossStatsJSON{lossStatsDeep{lossStatsFields(ls)}, newTailJSON(ls.Tail99, ls.Tail999, ls.VaR99, ls.ES99, ls.VaR999, ls.ES999,
		ls.VaR99CI, ls.ES99CI, ls.VaR999CI, ls.ES999CI, ls.AvgBalanceUSD > 0, ls.LossRateAvgBalance)}
}

// MarshalJSON writes the tail figures of an insufficient tail, and the
// loss rate over a zero average balance, as null.
func (ls LossStats) MarshalJSON() ([]byte, error) { return json.Marshal(ls.json()) }

// MarshalJSON writes the segment and its LossStats (whose MarshalJSON
// would otherwise be promoted and drop the segment).
func (s SegmentReport) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Segment loan.Segment `json:"segment"`
		lossStatsJSON
	}{s.Segment, s.LossStats.json()})
}

type headlineFields Headline

type headlineDeep struct{ headlineFields }

// MarshalJSON writes the tail figures of an insufficient tail, and the
// loss rate over a zero average balance, as null.
func (h Headline) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		headlineDeep
		tailJSON
	}{headlineDeep{headlineFields(h)}, newTailJSON(h.Tail99, h.Tail999, h.VaR99, h.ES99, h.VaR999, h.ES999,
		h.VaR99CI, h.ES99CI, h.VaR999CI, h.ES999CI, h.AvgBalanceUSD > 0, h.LossRateAvgBalance)})
}
