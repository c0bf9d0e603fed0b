package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
)

// progressBars draws one bar per workflow of a local run, in loans, from
// Map Run counters. A bar is filled only when its workflow succeeded: an
// interrupted or failed run leaves it where the work stopped. The rate is
// shown once there is one to show, never as "0 loans/hr".
type progressBars struct {
	w       io.Writer
	visible bool
	bars    map[string]*progressbar.ProgressBar
	started map[string]time.Time
	current *progressbar.ProgressBar
	now     func() time.Time
	// throttle is the least time between two drawings of a bar.
	throttle time.Duration
}

func newProgressBars(w io.Writer, visible bool) *progressBars {
	return &progressBars{w: w, visible: visible, bars: map[string]*progressbar.ProgressBar{}, started: map[string]time.Time{}, now: time.Now, throttle: 100 * time.Millisecond}
}

func (b *progressBars) update(p localrun.Progress) {
	if !b.visible {
		return
	}
	bar := b.bars[p.Workflow]
	if bar == nil {
		if b.current != nil {
			_ = b.current.Exit()
			fmt.Fprintln(b.w)
		}
		bar = progressbar.NewOptions64(max(p.Loans, 1),
			progressbar.OptionSetWriter(b.w),
			progressbar.OptionSetDescription(fmt.Sprintf("%-8s", p.Workflow)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(b.throttle),
			progressbar.OptionSetWidth(30),
		)
		b.bars[p.Workflow], b.current, b.started[p.Workflow] = bar, bar, b.now()
	}
	done := p.LoansDone()
	bar.Describe(fmt.Sprintf("%-8s", p.Workflow) + rateText(done, "loans", b.now().Sub(b.started[p.Workflow])))
	_ = bar.Set64(done)
	if p.Done && p.Status == "SUCCEEDED" {
		_ = bar.Finish()
	}
}

// finish ends the bars' line, leaving the last bar as it stands.
func (b *progressBars) finish() {
	if b.visible && b.current != nil {
		_ = b.current.Exit()
		fmt.Fprintln(b.w)
	}
}

// rateText is " 1,234 loans/s" (or per minute below one a second) once
// something is done and a second has passed; "" before, when a rate would
// only say "0".
func rateText(done int64, unit string, elapsed time.Duration) string {
	if done <= 0 || elapsed < time.Second {
		return ""
	}
	perSec := float64(done) / elapsed.Seconds()
	if perSec >= 1 {
		return " " + numfmt.Int(int64(perSec+0.5)) + " " + unit + "/s"
	}
	return " " + numfmt.Int(int64(perSec*60+0.5)) + " " + unit + "/min"
}
