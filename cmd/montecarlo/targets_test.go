package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sfnlocal "github.com/montecarlo-pipeline/montecarlo/local/sfn"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

// mc runs the command line and returns its exit code, stdout and stderr.
func mc(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runWith(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// mustMC runs the command line and fails the test unless it exits 0.
func mustMC(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := mc(t, args...)
	if code != 0 {
		t.Fatalf("montecarlo %s: exit code %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fast are the flags that make watching poll every few milliseconds and
// AWS retries wait at most a millisecond.
var fast = []string{"--interval", "5ms", "--max-backoff", "1ms"}

// withLocal targets rt with the fast flags of the verbs that watch.
func withLocal(rt *operatetest.Runtime, args ...string) []string {
	return append(append(args, "--local", rt.Dir), fast...)
}

// atLocal targets rt with fast retries, for the verbs that do not watch.
func atLocal(rt *operatetest.Runtime, args ...string) []string {
	return append(args, "--local", rt.Dir, "--max-backoff", "1ms")
}

// execution returns the emulator's description of an execution.
func execution(t *testing.T, rt *operatetest.Runtime, arn string) sfnlocal.DescribeExecutionOutput {
	t.Helper()
	d, err := rt.SFN.DescribeExecution(context.Background(), sfnlocal.DescribeExecutionInput{ExecutionArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestVerbsNeedExactlyOneTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	partial := write("partial.json", `{"generateStateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:g", "simulateStateMachineArn": ""}`)
	malformed := write("malformed.json", `{"generateStateMachineArn": `)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"without a target", []string{"watch", "arn"}, "no target: give --stack-outputs FILE"},
		{"with both targets", []string{"watch", "arn", "--stack-outputs", partial, "--local", dir}, "either --stack-outputs or --local"},
		{"with a missing stack outputs file", []string{"watch", "arn", "--stack-outputs", filepath.Join(dir, "nope.json")}, "nope.json: no such file"},
		{"with stack outputs that lack keys", []string{"run", "simulate", "--stack-outputs", partial}, "lack simulateStateMachineArn, dataBucketName"},
		{"with malformed stack outputs", []string{"report", "r1", "--stack-outputs", malformed}, "not a JSON object"},
		{"with a directory that runs no local runtime", []string{"redrive", "arn", "--local", dir}, "no local runtime in " + dir},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out, errOut := mc(t, tc.args...)
			if code == 0 {
				t.Fatalf("exit code 0; stdout:\n%s", out)
			}
			if !strings.Contains(errOut, tc.want) {
				t.Errorf("stderr = %q, want %q", errOut, tc.want)
			}
		})
	}
}

func TestWatchTellsAboutUnknownExecutionsExpiredTokensAndThrottling(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	unknown := "arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:never-ran"

	t.Run("an unknown execution", func(t *testing.T) {
		code, _, errOut := mc(t, withLocal(rt, "watch", unknown)...)
		if code == 0 || !strings.Contains(errOut, "no execution "+unknown) {
			t.Errorf("exit %d, stderr %q: want no execution", code, errOut)
		}
	})

	rt.Generate(t)
	out := mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-faults", "--watch")...)
	arn := strings.SplitN(out, "\n", 2)[0]

	t.Run("an expired token", func(t *testing.T) {
		rt.SetFault(func(action string) (int, string, bool) { return 400, "ExpiredTokenException", true })
		defer rt.SetFault(nil)
		code, _, errOut := mc(t, withLocal(rt, "watch", arn)...)
		if code == 0 || !strings.Contains(errOut, "credentials have expired: refresh them") {
			t.Errorf("exit %d, stderr %q: want advice to refresh credentials", code, errOut)
		}
	})

	t.Run("throttling, retried until it passes", func(t *testing.T) {
		var calls atomic.Int32
		rt.SetFault(func(action string) (int, string, bool) {
			if action != "DescribeExecution" {
				return 0, "", false
			}
			return 400, "ThrottlingException", calls.Add(1) <= 2
		})
		defer rt.SetFault(nil)
		out := mustMC(t, withLocal(rt, "watch", arn)...)
		if !strings.Contains(out, "sim-faults SUCCEEDED") || calls.Load() != 3 {
			t.Errorf("DescribeExecution called %d times (want 2 throttled + 1), stdout:\n%s", calls.Load(), out)
		}
	})

	t.Run("throttling beyond the attempts", func(t *testing.T) {
		rt.SetFault(func(action string) (int, string, bool) { return 400, "ThrottlingException", true })
		defer rt.SetFault(nil)
		code, _, errOut := mc(t, withLocal(rt, "watch", arn, "--max-attempts", "3")...)
		if code == 0 || !strings.Contains(errOut, "kept throttling") || !strings.Contains(errOut, "after 3 attempts") {
			t.Errorf("exit %d, stderr %q: want kept throttling after 3 attempts", code, errOut)
		}
	})
}

func TestStackOutputsTargetUsesTheSDKEndpointChain(t *testing.T) {
	// Not parallel: the AWS SDK reads its endpoint and credentials from the
	// environment, as it would on a user's machine.
	rt := operatetest.Start(t)
	rt.Generate(t)
	outputs, _ := json.Marshal(rt.Outputs)
	path := filepath.Join(t.TempDir(), "outputs.json")
	if err := os.WriteFile(path, outputs, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_SFN", rt.SFNURL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	out := mustMC(t, append([]string{"run", "simulate", "--stack-outputs", path, "--name", "via-outputs", "--watch"}, fast...)...)
	if !strings.Contains(out, "execution:montecarlo-simulate:via-outputs") || !strings.Contains(out, "via-outputs SUCCEEDED") {
		t.Errorf("stdout:\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	d, err := rt.SFN.WaitExecution(ctx, "arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:via-outputs")
	if err != nil || d.Status != sfnlocal.StatusSucceeded {
		t.Errorf("execution: %v %+v", err, d)
	}
}

// pflag takes a back-quoted word of a flag's usage as the value's
// placeholder, so the help of every operating verb must name FILE and DIR,
// not a quoted command.
func TestTargetFlagsShowFileAndDirPlaceholders(t *testing.T) {
	t.Parallel()
	for _, verb := range []string{"run", "watch", "report", "redrive"} {
		t.Run(verb+" --help names the values FILE and DIR", func(t *testing.T) {
			t.Parallel()
			out := mustMC(t, verb, "--help")
			for _, want := range []string{"--stack-outputs FILE ", "--local DIR "} {
				if !strings.Contains(out, want) {
					t.Errorf("help lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestZeroRetryAndPollFlagsAreErrorsNotDefaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"watch with --interval 0", []string{"watch", "--local", t.TempDir(), "--interval", "0s", "ARN"}, "--interval 0s"},
		{"run --watch with a negative --interval", []string{"run", "simulate", "--local", t.TempDir(), "--watch", "--interval", "-1s"}, "--interval -1s"},
		{"report with --max-attempts 0", []string{"report", "--local", t.TempDir(), "--max-attempts", "0", "run-1"}, "--max-attempts 0"},
		{"redrive with --max-backoff 0", []string{"redrive", "--local", t.TempDir(), "--max-backoff", "0s", "ARN"}, "--max-backoff 0s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, errOut := mc(t, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q: want an error naming %s", code, errOut, tc.want)
			}
		})
	}
}
