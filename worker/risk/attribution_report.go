package risk

import (
	"fmt"
	"strings"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// AttributionReport is the attribution table of a run: per segment and for
// the portfolio, the sampled loans' stressed expected loss and, for each
// channel, the loss without it and the share of the stressed loss it
// explains.
type AttributionReport struct {
	// SampleShare is the expected share of loans in the sample (1/10).
	SampleShare float64          `json:"sample_share"`
	Channels    []Channel        `json:"channels"`
	Portfolio   AttributionRow   `json:"portfolio"`
	Segments    []AttributionRow `json:"segments"`
}

// AttributionRow is one segment's (or the portfolio's) attribution.
type AttributionRow struct {
	Segment     loan.Segment `json:"segment,omitempty"` // empty: the portfolio
	Loans       int64        `json:"loans"`             // in the sample
	ExposureUSD float64      `json:"exposure"`
	// ExpectedLoss is the sample's stressed expected loss, in dollars
	// (the scenario-mean loss, every channel on).
	ExpectedLoss float64         `json:"expected_loss"`
	Channels     []ChannelEffect `json:"channels"`
	// Driver is the channel that explains the largest share, empty when
	// none explains a positive share.
	Driver Channel `json:"driver,omitempty"`
	// Summary says in one sentence what drives the segment's loss.
	Summary string `json:"summary"`
}

// ChannelEffect is what switching one channel off does to the sample's
// stressed expected loss.
type ChannelEffect struct {
	Channel Channel `json:"channel"`
	// ExpectedLossWithout is the expected loss with the channel off.
	ExpectedLossWithout float64 `json:"expected_loss_without"`
	// Explained is ExpectedLoss - ExpectedLossWithout, the loss the
	// channel accounts for (negative: switching it off raises the loss).
	Explained float64 `json:"explained"`
	// Share is Explained / ExpectedLoss (0 when that is 0). The shares of
	// the channels need not add to 1: the hazard multiplies the channels
	// (they interact), and part of the loss remains with every channel off
	// (baseline hazard, credit-cycle residual, DSCR).
	Share float64 `json:"share"`
}

// ChannelLabel is a channel's name for people.
func ChannelLabel(c Channel) string {
	switch c {
	case ChannelPaymentShock:
		return "payment shock"
	case ChannelUnemployment:
		return "unemployment"
	case ChannelCollateral:
		return "collateral"
	case ChannelRefinancing:
		return "refinancing"
	}
	return string(c)
}

// attributionReport summarises a merged partial's attribution; nil when
// the partial has none or no loan was sampled.
func attributionReport(parts []AttributionPartial) *AttributionReport {
	if len(parts) == 0 {
		return nil
	}
	rep := &AttributionReport{SampleShare: 1.0 / AttributionSampleEvery, Channels: Channels[:]}
	var all AttributionPartial
	for i := range parts {
		if parts[i].Loans == 0 {
			continue
		}
		all.merge(&parts[i])
		rep.Segments = append(rep.Segments, attributionRow(&parts[i]))
	}
	if all.Loans == 0 {
		return nil
	}
	rep.Portfolio = attributionRow(&all)
	return rep
}

func attributionRow(a *AttributionPartial) AttributionRow {
	r := AttributionRow{Segment: a.Segment, Loans: a.Loans, ExposureUSD: float64(a.ExposureCents) / 100, ExpectedLoss: float64(a.LossCents) / 100}
	best := 0.0
	for c, w := range a.WithoutCents {
		e := ChannelEffect{Channel: Channels[c], ExpectedLossWithout: float64(w) / 100, Explained: float64(a.LossCents-w) / 100}
		if a.LossCents != 0 {
			e.Share = float64(a.LossCents-w) / float64(a.LossCents)
		}
		if e.Share > best {
			best, r.Driver = e.Share, e.Channel
		}
		r.Channels = append(r.Channels, e)
	}
	r.Summary = attributionSentence(&r)
	return r
}

// attributionSentence says what drives the row's loss: the channels that
// explain at least 5% of it, largest first.
func attributionSentence(r *AttributionRow) string {
	name := "Portfolio"
	if r.Segment != "" {
		name = strings.ReplaceAll(string(r.Segment), "_", " ")
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if r.ExpectedLoss == 0 {
		return name + ": the sampled loans have no stressed loss to attribute."
	}
	order := append([]ChannelEffect(nil), r.Channels...)
	for i := 1; i < len(order); i++ { // insertion sort by share, descending, stable
		for j := i; j > 0 && order[j].Share > order[j-1].Share; j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	var parts []string
	for _, e := range order {
		if e.Share >= 0.05 {
			verb := " "
			if len(parts) == 0 {
				verb = " explains "
			}
			parts = append(parts, fmt.Sprintf("%s%s%.0f%%", ChannelLabel(e.Channel), verb, 100*e.Share))
		}
	}
	if len(parts) == 0 {
		return name + ": no channel explains 5% of the stressed loss; the baseline hazard and the credit cycle carry it."
	}
	return fmt.Sprintf("%s: %s of the stressed loss (the share that disappears when the channel is switched off).", name, joinAnd(parts))
}

func joinAnd(s []string) string {
	switch len(s) {
	case 1:
		return s[0]
	case 2:
		return s[0] + " and " + s[1]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
