package risk

import (
	"fmt"
	"hash/fnv"
	"math"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// The attribution of the stressed loss to the model's channels (issue 11
// item 5): on a deterministic sample of the loans, the stressed expected
// loss is recomputed with each channel switched off in turn, with common
// random numbers (the same seed, hence the same scenario draws and each
// loan's same uniforms), and the report shows how much of the loss each
// channel explains.

// Channel is a driver of the stressed loss that the attribution switches off.
type Channel string

// The channels, in the order of AttributionPartial.WithoutCents.
const (
	ChannelPaymentShock Channel = "payment_shock" // Gamma = 0
	ChannelUnemployment Channel = "unemployment"  // every eta = 0
	ChannelCollateral   Channel = "collateral"    // EtaLTV = 0, LGD at today's prices
	ChannelRefinancing  Channel = "refinancing"   // RefiKDSCR = RefiKLTV = 0
)

// Channels lists the channels in order.
var Channels = [NumChannels]Channel{ChannelPaymentShock, ChannelUnemployment, ChannelCollateral, ChannelRefinancing}

// NumChannels is the number of channels.
const NumChannels = 4

// AttributionSampleEvery is 1/the share of loans in the attribution
// sample: a loan is in it when the FNV-1a 64-bit hash of its id is 0
// modulo this (InAttributionSample).
const AttributionSampleEvery = 10

// InAttributionSample reports whether the loan with this id is in the
// attribution sample: a function of the id alone, so the sample is the same
// whatever the batch, worker, evaluator or retry.
func InAttributionSample(id string) bool {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()%AttributionSampleEvery == 0
}

// ChannelParams returns p with channel c switched off: payment shock,
// gamma = 0 (the payment ratio no longer moves the hazard); unemployment,
// every segment's eta = 0 (the credit-cycle residual e stays); collateral,
// EtaLTV = 0 and the LGD at today's price index (LGDTodayPrices);
// refinancing, RefiKDSCR = RefiKLTV = 0 (a maturing commercial loan always
// refinances).
func ChannelParams(p model.Params, c Channel) model.Params {
	switch c {
	case ChannelPaymentShock:
		p.Gamma = 0
	case ChannelUnemployment:
		p.EtaPersonal, p.EtaAuto, p.EtaCard, p.EtaMortgage, p.EtaHomeEquity = 0, 0, 0, 0, 0
		p.EtaCommercialTerm, p.EtaCommercialLine, p.EtaCRE = 0, 0, 0
	case ChannelCollateral:
		p.EtaLTV = 0
		p.LGDTodayPrices = true
	case ChannelRefinancing:
		p.RefiKDSCR, p.RefiKLTV = 0, 0
	default:
		panic(fmt.Sprintf("risk: unknown channel %q", c))
	}
	return p
}

// ChannelCanMove reports whether switching channel c off can change loan
// l's losses; where it cannot, Add counts the loan's loss as it is instead
// of evaluating the variant (the same number, at a fraction of the cost:
// the four variants of the default run's sample cost a tenth of its
// model time, and cards, three quarters of its loans, feel only two
// channels). A fixed-rate loan that is not revolving pays the same every
// month (gamma then multiplies a payment ratio of 1); only real estate has
// an LTV term or an LGD at the price index; only commercial loans face a
// refinancing test. TestChannelCanMoveIsExact evaluates every skipped
// variant and finds the loss unchanged.
func ChannelCanMove(c Channel, l *loan.Loan) bool {
	switch c {
	case ChannelPaymentShock:
		return l.RateType != loan.Fixed || l.Segment.Revolving()
	case ChannelCollateral:
		return l.Segment.RealEstate()
	case ChannelRefinancing:
		return l.Segment.Commercial()
	}
	return true
}

// AttributionMaxScenarios bounds the scenarios of the attribution: a run
// of more attributes its first AttributionMaxScenarios (VariantParams).
// Scenario s's draws, weight and each loan's uniform depend on s alone, not
// on the count, so the prefix keeps common random numbers, and with them a
// channel's effect (the difference of two losses on the same draws) is
// far less noisy than either loss. 250 keeps the attribution's cost to
// about a tenth of a 1,000-scenario run's model time (four variants, a
// tenth of the loans, a quarter of the scenarios) where the first 10,000
// scenarios cost half again as much as the run: the default run's speed
// goal (docs/model.md, "Speed") could not carry that.
const AttributionMaxScenarios = 250

// VariantParams returns the parameters of channel c's variant of a run with
// parameters p: ChannelParams on at most its first AttributionMaxScenarios
// scenarios.
func VariantParams(p model.Params, c Channel) model.Params {
	q := ChannelParams(p, c)
	q.Scenarios = min(q.Scenarios, AttributionMaxScenarios)
	return q
}

// AttributionPartial sums, for the sampled loans of one segment, the
// stressed expected loss with every channel and with each switched off.
// The expected loss of a loan is its scenario-mean loss (the likelihood-
// weighted mean over the scenarios of its Result.Losses, the loss the
// report's expected loss sums, LGD at the month's stressed prices; over
// the first AttributionMaxScenarios scenarios) in cents, rounded per loan,
// so the sums are integers and merge exactly.
type AttributionPartial struct {
	Segment       loan.Segment `json:"segment"`
	Loans         int64        `json:"loans"`
	ExposureCents int64        `json:"exposure_cents"`
	LossCents     int64        `json:"loss_cents"`
	// WithoutCents[c] is the loss with Channels[c] switched off.
	WithoutCents [NumChannels]int64 `json:"without_cents"`
}

func (a *AttributionPartial) merge(o *AttributionPartial) {
	a.Loans += o.Loans
	a.ExposureCents += o.ExposureCents
	a.LossCents += o.LossCents
	for c := range a.WithoutCents {
		a.WithoutCents[c] += o.WithoutCents[c]
	}
}

func newAttribution() []AttributionPartial {
	a := make([]AttributionPartial, len(loan.Segments))
	for i, s := range loan.Segments {
		a[i].Segment = s
	}
	return a
}

// checkAttribution checks the layout of a partial's attribution (empty:
// a partial written without it).
func checkAttribution(b []AttributionPartial) error {
	if len(b) == 0 {
		return nil
	}
	if len(b) != len(loan.Segments) {
		return fmt.Errorf("merge partials: %d attribution segments, want %d", len(b), len(loan.Segments))
	}
	for i, s := range loan.Segments {
		if b[i].Segment != s {
			return fmt.Errorf("merge partials: attribution segment %d is %q, not %q", i, b[i].Segment, s)
		}
	}
	return nil
}

// mergeAttribution adds b into a, both checked by checkAttribution.
func mergeAttribution(a, b []AttributionPartial) []AttributionPartial {
	if len(b) == 0 {
		return a
	}
	if len(a) == 0 {
		a = newAttribution()
	}
	for i := range a {
		a[i].merge(&b[i])
	}
	return a
}

// Attributor evaluates the sampled loans with each channel switched off and
// adds them to a Partial's attribution. Like model.Evaluator it owns
// scratch space: use one per goroutine.
type Attributor struct {
	ev      [NumChannels]*model.Evaluator
	weights []float64
	wsum    float64
}

// NewAttributor returns an Attributor over the run's scenarios base and
// the scenarios of VariantParams(base.Params(), Channels[c]) for each c
// (same seed and scenarios: common random numbers).
func NewAttributor(base *model.Scenarios, variants [NumChannels]*model.Scenarios) (*Attributor, error) {
	a := &Attributor{weights: make([]float64, min(base.Len(), AttributionMaxScenarios))}
	for s := range a.weights {
		a.weights[s] = base.Weight(s)
		a.wsum += a.weights[s]
	}
	if !(a.wsum > 0) {
		return nil, fmt.Errorf("attribution: the scenario weights sum to %v", a.wsum)
	}
	p := base.Params()
	for c, sc := range variants {
		want := VariantParams(p, Channels[c])
		if sc == nil || sc.Params().Hash() != want.Hash() || sc.Params().Seed != p.Seed {
			return nil, fmt.Errorf("attribution: the scenarios of channel %s are not the run's with it switched off", Channels[c])
		}
		a.ev[c] = model.NewEvaluator(sc)
	}
	return a, nil
}

// meanLossCents is the likelihood-weighted scenario-mean loss of a result
// over the attribution's scenarios in cents, rounded.
func (a *Attributor) meanLossCents(r *model.Result) int64 {
	var sum float64
	for _, d := range r.Losses {
		if d.Scenario < len(a.weights) {
			sum += a.weights[d.Scenario] * float64(d.Cents)
		}
	}
	return int64(math.Round(sum / a.wsum))
}

// Add adds loan l, whose result with every channel is base (as returned by
// the run's Evaluator, before its next Evaluate), to pt's attribution if l
// is in the sample (InAttributionSample); other loans cost nothing.
func (a *Attributor) Add(pt *Partial, l *loan.Loan, base *model.Result) error {
	if !InAttributionSample(l.ID) {
		return nil
	}
	si := segmentIndex(base.Segment)
	if si < 0 {
		return fmt.Errorf("attribution %q: unknown segment %q", l.ID, base.Segment)
	}
	if len(pt.Attribution) == 0 {
		pt.Attribution = newAttribution()
	}
	row := &pt.Attribution[si]
	row.Loans++
	row.ExposureCents += cents(base.EADUSD)
	loss := a.meanLossCents(base)
	row.LossCents += loss
	for c, ev := range a.ev {
		if !ChannelCanMove(Channels[c], l) {
			row.WithoutCents[c] += loss // the variant's result is base's
			continue
		}
		r, err := ev.Evaluate(l)
		if err != nil {
			return fmt.Errorf("attribution, %s off: %w", Channels[c], err)
		}
		row.WithoutCents[c] += a.meanLossCents(&r)
	}
	return nil
}
