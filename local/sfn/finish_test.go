package sfnlocal

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"
)

// onEndHandler is a slog handler that calls onEnd, once, when the first
// "execution ended" record is logged: inside finish, after the status is
// recorded and before the run is marked done.
type onEndHandler struct {
	once  *sync.Once
	onEnd func()
}

func (h onEndHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h onEndHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "execution ended" {
		h.once.Do(h.onEnd)
	}
	return nil
}
func (h onEndHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h onEndHandler) WithGroup(string) slog.Handler      { return h }

// A redrive accepted the moment a failed execution's status is recorded must
// not see the failed run's end close its own done channel (which made the
// redriven run's end close it twice and panic), and the history must show
// the failure before the redrive.
func TestRedriveRightAfterTheEndIsRecorded(t *testing.T) {
	t.Parallel()
	var svc *Service
	var arn string
	var redriveErr error
	started := make(chan struct{}) // arn is set
	h := onEndHandler{once: &sync.Once{}, onEnd: func() {
		<-started
		_, redriveErr = svc.RedriveExecution(context.Background(), RedriveExecutionInput{ExecutionArn: arn})
	}}
	svc, _ = newTestService(t, Options{TimeScale: 0.001, Logger: slog.New(h)})
	// The first run fails in Check (no choice matches); the redrive
	// restarts there and succeeds.
	sm := createMachine(t, svc, "redrive-race", `{"StartAt":"Check","States":{
		"Check":{"Type":"Choice","Choices":[{"Variable":"$$.Execution.RedriveCount","NumericEquals":1,"Next":"Done"}]},
		"Done":{"Type":"Succeed"}}}`)
	ctx := testContext(t)
	out, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: sm})
	if err != nil {
		t.Fatal(err)
	}
	arn = out.ExecutionArn
	close(started)
	final, err := svc.WaitExecution(ctx, arn)
	if err != nil || redriveErr != nil {
		t.Fatalf("wait: %v, redrive: %v", err, redriveErr)
	}
	if final.Status != StatusSucceeded || final.RedriveCount != 1 {
		t.Fatalf("after the redrive: %s (%s: %s), %d redrives", final.Status, final.Error, final.Cause, final.RedriveCount)
	}
	types := eventTypes(t, svc, arn)
	failed, redriven := slices.Index(types, "ExecutionFailed"), slices.Index(types, "ExecutionRedriven")
	if failed < 0 || redriven < failed {
		t.Errorf("history %v: want ExecutionFailed before ExecutionRedriven", types)
	}
}
