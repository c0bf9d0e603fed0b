package main

import (
	"bufio"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/operate/operatetest"
)

func TestWatchJSONLinesFollowTheMapRunToSuccess(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	release := make(chan struct{})
	rt.Worker.SetHook(func(op string, n int) (string, string, bool) {
		if op == "simulate" && n == 1 {
			<-release // one batch waits until watch has seen the Map Run at work
		}
		return "", "", false
	})
	arn := strings.TrimSpace(mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-watch")...))
	// Watch in the background; release the held batch once a line shows
	// items succeeded and one still running.
	type result struct {
		code        int
		out, errOut string
	}
	done := make(chan result, 1)
	pr, pw := io.Pipe()
	go func() {
		code := runWith(withLocal(rt, "watch", arn, "--json"), pw, &strings.Builder{})
		pw.Close()
		done <- result{code: code}
	}()
	var lines []operate.Progress
	sc := bufio.NewScanner(pr)
	released := false
	for sc.Scan() {
		var p operate.Progress
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("not a JSON line: %v: %s", err, sc.Text())
		}
		lines = append(lines, p)
		if !released && p.Total == 3 && p.Succeeded == 2 && p.Running == 1 {
			if p.Status != "RUNNING" || p.ItemsPerSecond <= 0 || p.ETA <= 0 && p.ETASeconds <= 0 {
				t.Errorf("mid-run line = %+v, want RUNNING with a rate and an ETA", p)
			}
			released = true
			close(release)
		}
	}
	if r := <-done; r.code != 0 {
		t.Fatalf("watch exit code %d", r.code)
	}
	if !released {
		t.Fatalf("no line showed 2 of 3 items succeeded and 1 running: %+v", lines)
	}
	last := lines[len(lines)-1]
	if last.Status != "SUCCEEDED" || last.Succeeded != 3 || last.Failed != 0 || last.Total != 3 || last.MapRunArn == "" {
		t.Errorf("last line = %+v, want SUCCEEDED with 3 of 3 items", last)
	}
}

func TestWatchPrintsOneLinePerChangeWhenPiped(t *testing.T) {
	t.Parallel()
	rt := operatetest.Start(t)
	rt.Generate(t)
	out := mustMC(t, withLocal(rt, "run", "simulate", "--name", "sim-lines", "--watch")...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("stdout:\n%s", out)
	}
	if !strings.Contains(out, "SUCCEEDED  items 3/3 succeeded, 0 failed, 0 running, 0 pending") {
		t.Errorf("no final progress line with the item counts:\n%s", out)
	}
	if want := "sim-lines SUCCEEDED: 25 loans in 3 batches; report: montecarlo report sim-lines"; lines[len(lines)-1] != want {
		t.Errorf("last line = %q, want %q", lines[len(lines)-1], want)
	}
	seen := map[string]bool{}
	for _, l := range lines[1 : len(lines)-1] {
		counts := l[9:]
		if i := strings.Index(counts, "pending"); i > 0 {
			counts = counts[:i] // the rate and ETA after it may change
		}
		if seen[counts] {
			t.Errorf("two lines for the same state and counts: %q", counts)
		}
		seen[counts] = true
	}
}

func TestLeftRunningAfterAStopSaysWhatEachComputeLeaves(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		outs    operate.StackOutputs
		want    []string
		notWant string
	}{
		{"fargate-spot scales the service in", operate.StackOutputs{ClusterName: "mc", ServiceName: "mc-workers"},
			[]string{"aws ecs update-service --cluster mc --service mc-workers --desired-count 0"}, "Auto Scaling"},
		{"ec2-spot also names the instances", operate.StackOutputs{Compute: "ec2-spot", ClusterName: "mc", ServiceName: "mc-workers", AutoScalingGroupName: "mc-spot"},
			[]string{"aws ecs update-service --cluster mc --service mc-workers --desired-count 0", "scales the Auto Scaling group's instances in"}, ""},
		{"lambda has no service to scale in", operate.StackOutputs{Compute: "lambda", FunctionName: "mc-worker"},
			[]string{"nothing is left running", "function mc-worker", "montecarlo redrive"}, "ecs"},
		{"an older lambda stack, told by its function", operate.StackOutputs{FunctionArn: "arn:aws:lambda:eu-west-1:123456789012:function:mc-worker"},
			[]string{"nothing is left running"}, "CLUSTER"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := leftRunning(tc.outs)
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("leftRunning = %q, want %q in it", got, w)
				}
			}
			if tc.notWant != "" && strings.Contains(got, tc.notWant) {
				t.Errorf("leftRunning = %q, want no %q", got, tc.notWant)
			}
		})
	}
}
