package ops

import (
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
)

// An ARM's first_reset_month and a HELOC's credit_limit reach the model
// through a run: the records are simulated, not rejected, and the ARM
// whose first reset falls inside the 27-month horizon has a payment shock
// its twin resetting after it has not.
func TestARunSimulatesFirstResetMonthAndAHELOCLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, s3local.Options{}, nil)
	const header = "id,segment,amount,balance,current_rate,term_months,remaining_months,credit_score,annual_income,collateral_value,index,margin,reset_months,periodic_cap,first_reset_month,credit_limit\n"
	e.put("mine/lines.csv", []byte(header+
		"ARM-IN,residential_mortgage,400000,371000,0.03,360,336,745,150000,520000,sofr,0.0275,12,0.02,20,\n"+
		"ARM-OUT,residential_mortgage,400000,371000,0.03,360,336,745,150000,520000,sofr,0.0275,12,0.02,37,\n"+
		"HE-1,home_equity,100000,60000,0.1033,120,100,720,90000,150000,prime,0.0283,1,,,100000\n"))
	sr, agg := e.fullRun("ds", testRun{id: "r", scenarios: testScenarios, seed: 1, input: workflow.RunInput{InputPrefix: "mine/"}})
	if agg.Loans != 3 || agg.Rejected != 0 {
		t.Fatalf("aggregate = %+v, want the 3 loans simulated", agg)
	}
	shock := map[string]float64{}
	for _, r := range e.results(sr) {
		shock[r.LoanID] = r.PaymentMax
	}
	if !(shock["ARM-IN"] > 1.1) || shock["ARM-OUT"] != 1 {
		t.Errorf("payment shock %v with the first reset at month 20, %v at month 37; want above 1.1 and exactly 1 (past the horizon)", shock["ARM-IN"], shock["ARM-OUT"])
	}
}
