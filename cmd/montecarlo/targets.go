package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	s3local "github.com/montecarlo-pipeline/montecarlo/local/s3"
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
	f.StringVar(&t.local, "local", "", "data directory `DIR` of 'montecarlo local' (default "+s3local.DefaultDir+" when it exists and --stack-outputs is not given)")
	f.StringVar(&t.region, "region", "", "AWS region (default: the region of the stack's state machines)")
	f.IntVar(&t.maxAttempts, "max-attempts", 8, "attempts per AWS call; throttling and transient errors are retried with backoff")
	f.DurationVar(&t.maxBackoff, "max-backoff", 20*time.Second, "longest wait between attempts of an AWS call")
}

// connect resolves the target; stdin is read for --stack-outputs -.
func (t *targetFlags) connect(ctx context.Context, stdin io.Reader) (*operate.Target, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return operate.Connect(ctx, operate.TargetOptions{
		StackOutputs: t.stackOutputs, LocalDir: t.localDir(), Region: t.region, Stdin: stdin, MaxAttempts: t.maxAttempts, MaxBackoff: t.maxBackoff,
	})
}

// check rejects retry flags asked to be zero or negative: operate takes
// zero as "the default", but from the flags, whose defaults are set, it
// was asked for.
func (t *targetFlags) check() error {
	if t.maxAttempts < 1 {
		return fmt.Errorf("--max-attempts %d: want 1 or more", t.maxAttempts)
	}
	if t.maxBackoff <= 0 {
		return fmt.Errorf("--max-backoff %s: want a positive duration, e.g. 20s", t.maxBackoff)
	}
	return nil
}

// localDir is --local, or the default data directory of montecarlo local
// when neither target flag is given and that directory exists: after a
// plain 'montecarlo local' in the same directory, the verbs need no flag.
func (t *targetFlags) localDir() string {
	if t.local != "" || t.stackOutputs != "" {
		return t.local
	}
	if fi, err := os.Stat(s3local.DefaultDir); err == nil && fi.IsDir() {
		return s3local.DefaultDir
	}
	return ""
}

// results is where a verb that only reads results (report, compare) finds
// them: the target's data bucket, or, for a local data directory that no
// live runtime serves (a finished or killed 'montecarlo local'), its
// files. sfn is nil then.
type results struct {
	s3     operate.S3API
	sfn    operate.SFNAPI
	bucket string
}

func (t *targetFlags) results(ctx context.Context, stdin io.Reader) (results, error) {
	if err := t.check(); err != nil {
		return results{}, err
	}
	if dir := t.localDir(); dir != "" && t.stackOutputs == "" && !operate.LocalRuntimeUp(dir) {
		if _, err := os.Stat(filepath.Join(dir, localrun.Bucket)); err != nil {
			return results{}, fmt.Errorf("--local %s: no local results there (%s does not exist): give the --data-dir of 'montecarlo local'", dir, filepath.Join(dir, localrun.Bucket))
		}
		return results{s3: operate.DirObjects{Dir: dir}, bucket: localrun.Bucket}, nil
	}
	tg, err := t.connect(ctx, stdin)
	if err != nil {
		return results{}, err
	}
	return results{s3: tg.S3, sfn: tg.SFN, bucket: tg.Outputs.DataBucketName}, nil
}

// onTerminal reports whether w is a terminal, where progress bars go.
func onTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
