// Package scenariofile reads a macro scenario from a CSV file with the
// Federal Reserve's column names (MODEL.md section 1, "Scenario files") and
// turns its quarterly rows into the monthly paths the model runs on.
package scenariofile

// Path is one scenario's monthly paths, month t = 0..H (t = 0 is today, the
// file's first row). Rates are annual decimals (0.0433 = 4.33%),
// unemployment is a decimal (0.042 = 4.2%), price indices are rebased to 1
// at t = 0. The model replaces its deterministic means with these paths and
// adds its stochastic parts around them.
type Path struct {
	// Name is the file's base name, for reports.
	Name string `json:"name"`
	// SHA256 is the hex SHA-256 of the file's bytes, so two runs on edited
	// copies of one file never share a parameter hash.
	SHA256 string `json:"sha256"`
	// FedFunds is the policy rate path: the file's "3-month Treasury rate".
	FedFunds []float64 `json:"fedFunds"`
	// Prime is the file's "Prime rate".
	Prime []float64 `json:"prime"`
	// Mortgage is the file's "Mortgage rate".
	Mortgage []float64 `json:"mortgage"`
	// Unemployment is the file's "Unemployment rate".
	Unemployment []float64 `json:"unemployment"`
	// HPI is the file's "House Price Index (Level)" over its first row.
	HPI []float64 `json:"hpi"`
	// CRE is the file's "Commercial Real Estate Price Index (Level)" over its
	// first row.
	CRE []float64 `json:"cre"`
}

// Months is H, the last month the path covers.
func (p *Path) Months() int { return len(p.FedFunds) - 1 }
