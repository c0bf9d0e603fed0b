// Package model is the credit model of MODEL.md: what happens to each loan
// if the policy rate rises to the target. It holds the parameters (Params),
// the scenarios shared by every loan (Scenarios: a Hull-White rate path and a
// macro factor per scenario), the amortisation arithmetic, the default
// hazard, and the per-loan evaluation (Evaluator) that yields each loan's
// baseline and stressed PD and its per-scenario losses. It imports no AWS or
// Pulumi code and allocates nothing per loan.
//
// Aggregation of losses into portfolio statistics lives in package risk.
//
// Use:
//
//	sc, err := model.NewScenarios(params)   // once per run and seed (or a ScenarioCache)
//	ev := model.NewEvaluator(sc)            // one per goroutine
//	res, err := ev.Evaluate(&l)             // per loan
//	err = partial.Add(&res)                 // risk.Partial, before the next Evaluate
//
// # Choices MODEL.md leaves open
//
//   - Macro factor: M(t) = rho_M*M(t-1) + sqrt(1-rho_M^2)*u(t) with
//     u = sqrt(1-kappa^2)*Z_m - kappa*Z_r, a unit-variance AR(1) whose
//     innovations load on the rate innovations Z_r rather than on the rate
//     level r - r0. Loading on the
//     level would move M's mean with the deterministic ramp, so fixed-rate
//     PDs would differ from baseline even at sigma = 0, which MODEL.md's
//     known-answer test forbids. The baseline reuses the same M paths, so
//     fixed-rate loans have stressed PD = baseline PD and delta PD measures
//     the rate path alone; their losses still co-move with rate shocks.
//   - Macro loading b: per Basel class (other retail for personal loans,
//     corporate for commercial) and per one-year PD band (six bands), from
//     the IRB correlation at the band's PD by MacroLoading (matching the
//     99.9% point of the Vasicek distribution in hazard space).
//   - Hazard units: h0 = -ln(1-PD_12)/12 is per month and dt is one month,
//     so 12 months of h0 give PD_12 exactly.
//   - Resets happen at loan ages that are multiples of reset_months, at the
//     index level of that month; the lifetime cap is taken over today's rate
//     (the record has no origination rate).
//   - Affordability: a run of DTIMonths (3) consecutive months with the
//     payment above the DTI cap, or DSCRMonths (6, two quarters) below the
//     DSCR minimum, counted from the first month of the horizon, defaults in
//     the month the run completes. A loan already over the cap today
//     defaults in month 3 (or 6) in baseline and stress alike.
//   - Default month: by inversion of the same uniform that decides default;
//     EAD is the scheduled balance at the start of that month (before the
//     missed payment); lines are interest only with EAD drawn + 40% undrawn.
//   - Speed: a monthly reset needs a new annuity, (1+i)^-n, every month.
//     Scenarios keep ln(1+f) of each month's policy rate f, so a loan's
//     ln(1 + f + spread) is a short series (log1pSplit) instead of a log;
//     the exp is a table-driven oneMinusExp that stays accurate where
//     (1+i)^-n is close to 1. Monthly-reset loans without caps run in
//     monthlyBatch, 32 scenarios month by month, whose independent chains
//     the CPU overlaps; it is bit-identical to the one-scenario walk (a
//     test), which handles the rest. BenchmarkEvaluate* track the cost.
//   - Reproducibility across hosts: our exps are expDet or oneMinusExp (no FMA
//     path), because math.Exp on amd64 picks an FMA implementation at run
//     time by CPU; the loading b, which passes through math.Erfc, is rounded
//     to 1e-12; scenario normals are drawn by inversion (PhiInv uses only
//     arithmetic, Sqrt and Log) rather than math/rand's ziggurat, whose
//     wedge test calls math.Exp.
package model
