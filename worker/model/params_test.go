package model

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

func TestDefaultParamsAreValid(t *testing.T) {
	t.Parallel()
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("default params invalid: %v", err)
	}
}

func TestValidateNamesTheFieldAndTheRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		mutate func(*Params)
		want   string
	}{
		{"zero scenarios are rejected", func(p *Params) { p.Scenarios = 0 }, "scenarios = 0, must be an integer in [1, 10000000]"},
		{"a horizon in years by mistake is rejected", func(p *Params) { p.HorizonMonths = 0 }, "horizonMonths"},
		{"a target rate in percent is rejected", func(p *Params) { p.TargetRateAnnual = 8 }, "targetRate = 8, must be in [0, 0.5]"},
		{"negative sigma is rejected", func(p *Params) { p.SigmaAnnualPerSqrtYear = -0.01 }, "sigma"},
		{"unit persistence is rejected", func(p *Params) { p.CycleRhoMonthly = 1 }, "cycleRho = 1, must be in [0, 1)"},
		{"kappa above one is rejected", func(p *Params) { p.Kappa = 1.5 }, "kappa"},
		{"a decreasing grade table is rejected", func(p *Params) { p.GradePD12[4] = 0.0001 }, "gradePD[4] (grade 5)"},
		{"an LGD above one is rejected", func(p *Params) { p.LGDCard = 1.2 }, "lgdCard = 1.2, must be in [0, 1]"},
		{"a negative unemployment elasticity is rejected", func(p *Params) { p.EtaCard = -0.17 }, "etaCard = -0.17, must be in [0, 3]"},
		{"a transmission memory under a month is rejected", func(p *Params) { p.TransmissionMonths = 0 }, "transmissionMonths"},
		{"unemployment in points by mistake is rejected", func(p *Params) { p.U0 = 4.2 }, "u0 = 4.2, must be in [0, 0.5]"},
		{"a full depreciation a month is rejected", func(p *Params) { p.AutoDepreciationMonthly = 1 }, "autoDepreciation = 1, must be in [0, 1)"},
		{"an absurd tail shift is rejected", func(p *Params) { p.TailShift = 5 }, "tailShift = 5, must be in [-3, 3]"},
		{"a scenario file shorter than the horizon is rejected", func(p *Params) { p.Scenario = flatPath(10, 0.0433) }, `scenarioPath "flat" covers 10 months, must cover horizonMonths = 27`},
		{"a scenario file with a negative rate is rejected", func(p *Params) {
			p.Scenario = flatPath(27, 0.0433)
			p.Scenario.Prime[3] = -0.01
		}, "scenarioPath.prime[3] = -0.01"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := DefaultParams()
			c.mutate(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	p.Scenarios, p.Gamma, p.DTICap = -1, -1, 0
	err := p.Validate()
	for _, want := range []string{"scenarios", "gamma", "dtiCap"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
}

func TestHashIsStableAndIgnoresTheSeed(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	h := p.Hash()
	if len(h) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", h)
	}
	// Pinned: a change here means outputs of earlier runs no longer match
	// this code's parameters. Update only together with ModelVersion or a
	// deliberate change of defaults.
	const want = "cb19057ff15d5a16171f5d7f1baea3dfc44bf2230464334e602ca079c94729e4"
	if h != want {
		t.Errorf("DefaultParams().Hash() = %s, want %s", h, want)
	}
	q := p
	q.Seed = 99
	if q.Hash() != h {
		t.Error("hash changed with the seed; the seed is recorded beside the hash")
	}
	q = p
	q.Gamma = 1.16
	if q.Hash() == h {
		t.Error("hash did not change with gamma")
	}
	// A round trip through JSON (any key order) gives the same hash.
	raw := `{"gamma":1.15,"seed":1}`
	var r Params = p
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatal(err)
	}
	if r.Hash() != h {
		t.Error("hash changed after a JSON round trip")
	}
}

func TestParamsJSONKeysAreCamelCase(t *testing.T) {
	t.Parallel()
	raw, err := json.Marshal(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"targetRate", "horizonMonths", "scenarios", "seed", "r0", "rampMonths", "meanReversion", "sigma", "gamma", "kappa", "dtiCap",
		"tailShift", "u0", "betaU", "sigmaU", "betaH", "sigmaH", "etaCard", "etaLTV", "etaDSCR", "refiKDSCR", "ccfCard", "ccfLine"} {
		if !strings.Contains(string(raw), `"`+key+`":`) {
			t.Errorf("JSON %s lacks key %q", raw, key)
		}
	}
}

// flatPath is a scenario file's paths held at today's values for h months.
func flatPath(h int, r0 float64) *scenariofile.Path {
	p := &scenariofile.Path{Name: "flat", SHA256: "0"}
	for range h + 1 {
		p.FedFunds = append(p.FedFunds, r0)
		p.Prime = append(p.Prime, r0+0.03)
		p.Mortgage = append(p.Mortgage, r0+0.025)
		p.Unemployment = append(p.Unemployment, 0.042)
		p.HPI = append(p.HPI, 1)
		p.CRE = append(p.CRE, 1)
	}
	return p
}

func TestScenarioPathIsPartOfTheHash(t *testing.T) {
	t.Parallel()
	p := DefaultParams()
	h := p.Hash()
	p.Scenario = flatPath(27, 0.0433)
	h2 := p.Hash()
	p.Scenario.Unemployment[5] = 0.05
	if h2 == h || p.Hash() == h2 {
		t.Error("the hash does not follow the scenario path")
	}
}
