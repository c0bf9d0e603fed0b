// Package model is the credit model of MODEL.md: what happens to each loan
// if the policy rate rises to the target. It holds the parameters (Params),
// the scenarios shared by every loan (Scenarios: a Hull-White rate path and a
// macro factor per scenario), the amortisation arithmetic, the default
// hazard, and the per-loan evaluation (Evaluator) that yields each loan's
// baseline and stressed PD and its per-scenario losses. It imports no AWS or
// Pulumi code and allocates nothing per loan.
//
// Aggregation of losses into portfolio statistics lives in package risk.
package model
