package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/montecarlo-pipeline/montecarlo/operate"
)

// targetFlags are the flags that say which pipeline a verb operates:
// a deployed stack (its outputs) or a running local runtime.
type targetFlags struct {
	stackOutputs string
	local        string
	region       string
	maxAttempts  int
	maxBackoff   time.Duration
}

func (t *targetFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&t.stackOutputs, "stack-outputs", "", "JSON `FILE` of 'pulumi stack output --json' (or - for stdin)")
	f.StringVar(&t.local, "local", "", "data directory `DIR` of a running 'montecarlo local'")
	f.StringVar(&t.region, "region", "", "AWS region (default: the region of the stack's state machines)")
	f.IntVar(&t.maxAttempts, "max-attempts", 8, "attempts per AWS call; throttling and transient errors are retried with backoff")
	f.DurationVar(&t.maxBackoff, "max-backoff", 20*time.Second, "longest wait between attempts of an AWS call")
}

// connect resolves the target; stdin is read for --stack-outputs -.
func (t *targetFlags) connect(ctx context.Context, stdin io.Reader) (*operate.Target, error) {
	// operate takes zero as "the default"; from the flags, whose defaults
	// are set, a zero or negative value was asked for and is an error.
	if t.maxAttempts < 1 {
		return nil, fmt.Errorf("--max-attempts %d: want 1 or more", t.maxAttempts)
	}
	if t.maxBackoff <= 0 {
		return nil, fmt.Errorf("--max-backoff %s: want a positive duration, e.g. 20s", t.maxBackoff)
	}
	return operate.Connect(ctx, operate.TargetOptions{
		StackOutputs: t.stackOutputs, LocalDir: t.local, Region: t.region, Stdin: stdin, MaxAttempts: t.maxAttempts, MaxBackoff: t.maxBackoff,
	})
}

// onTerminal reports whether w is a terminal, where progress bars go.
func onTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
