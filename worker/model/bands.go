package model

// Band is the distribution over scenarios of one variable, month by month
// (t = 0..H): the (likelihood-weighted) mean and the 5% and 95% points.
type Band struct {
	Mean []float64 `json:"mean"`
	P5   []float64 `json:"p5"`
	P95  []float64 `json:"p95"`
}

// PathBands summarises the scenario paths for reports: the policy rate,
// unemployment, and the house and commercial real estate price indices.
type PathBands struct {
	FedFunds     Band `json:"fed_funds"`
	Unemployment Band `json:"unemployment"`
	HPI          Band `json:"hpi"`
	CRE          Band `json:"cre"`
}

// Weight is scenario s's likelihood ratio under importance sampling
// (Params.TailShift); 1 for every scenario of a plain run. Weighted
// statistics divide by the sum of the weights.
//
// TODO(model v2): the tail shift is not applied yet.
func (sc *Scenarios) Weight(s int) float64 { return 1 }

// PathBands summarises the scenarios' paths (see PathBands).
//
// TODO(model v2): only the policy rate is filled in yet.
func (sc *Scenarios) PathBands() PathBands {
	var pb PathBands
	return pb
}
