// Package model is the credit model of MODEL.md (version 2): what happens to
// each loan if the policy rate rises to the target. It holds the parameters
// (Params), the scenarios shared by every loan (Scenarios: per scenario and
// month a Hull-White policy rate, the rate-gap memory g, unemployment, house
// and commercial property price indices and a credit-cycle residual, on
// stressed and baseline paths with common random numbers), the amortisation
// arithmetic, the default hazard, and the per-loan evaluation (Evaluator)
// that yields each loan's baseline and stressed PD and its per-scenario
// losses. It imports no AWS or Pulumi code and allocates nothing per loan.
// docs/model.md describes the model for its users.
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
//   - Baseline: the same draws with the policy rate's mean held at r0
//     (r = max(0, r0 + x)), so the baseline has rate noise too and delta PD
//     measures the ramp; with a scenario file the baseline is the model's
//     own equations from the file's first row.
//   - Hazard units: h0 = -ln(1-PD_12)/12 is per month and dt is one month.
//     The credit-cycle loading b is per Basel class (mortgage 15%,
//     revolving 4%, other retail, corporate) and per one-year PD band (six
//     bands), from the IRB correlation at the band's PD by MacroLoading.
//   - Months at risk: T = min(H, months to maturity or to the balloon);
//     resets happen at month first_reset_month (from today) and every
//     reset_months after it, or, when the loan does not give it, at loan
//     ages that are multiples of reset_months (resetMonth).
//     Revolving loans (cards, lines) and interest-only loans keep their
//     balance; cards pay interest plus CardMinPrincipalMonthly of it.
//   - LTV and DSCR terms use the balance and payment at the start of each
//     month on the scenario's path. A loan whose LTV cannot pass the knee
//     even at the lowest price index of the run, or whose fixed payment
//     keeps its DSCR above the knee at the lowest NOI factor, skips the
//     term (it is exactly 1 there).
//   - Refinancing applies to commercial loans with a balloon, or interest
//     only (lines included), maturing inside the horizon; a fixed-rate loan
//     refinances at today's rate moved by the policy rate's change, a
//     variable one at its index plus margin. The LTV term of q is for CRE
//     only (C&I collateral has no price index).
//   - Default month: by inversion of the same uniform that decides default;
//     a default the hazard does not explain falls at maturity (a failed
//     refinancing). EAD is the scheduled balance at the start of the
//     default month (revolving: drawn + CCF x undrawn), LGD is taken at
//     that month on the scenario's price index.
//   - Speed: loans whose payment cannot change and which have no LTV, DSCR
//     or refinancing term read their PD from per-(segment, PD band)
//     cumulative multiplier tables of exp(eta (u-u0) + b e - b^2/2), built
//     on first use (tablePath); their sums over the scenarios depend only on
//     (series, months at risk, h0), which the Evaluator keeps, so such a loan
//     costs one draw, a multiply and a compare per scenario. Constant-payment
//     loans with an LTV, DSCR or refinancing term read the tables in the
//     scenarios whose price and NOI minima keep them clear of the knees and
//     walk the others (fixedTermsPath). Every other loan goes through
//     walkBatch, 32 scenarios month by month on the baseline and the
//     stressed paths, whose independent chains the CPU overlaps; a monthly
//     reset costs no logarithm (log1pSplit on ln(1+f) kept per scenario
//     month) and a table-driven exp (monthlyReset). Tests hold the fast
//     paths to the generic walk.
//   - Reproducibility across hosts: our exps are expDet or oneMinusExp (no
//     FMA path), because math.Exp on amd64 picks an FMA implementation at
//     run time by CPU; the loading b, which passes through math.Erfc, is
//     rounded to 1e-12; scenario normals are drawn by inversion (PhiInv
//     uses only arithmetic, Sqrt and Log) rather than math/rand's ziggurat,
//     whose wedge test calls math.Exp; float64() conversions stop fused
//     multiply-adds.
package model
