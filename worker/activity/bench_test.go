package activity_test

import (
	"context"
	"testing"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

// BenchmarkRunPing measures the loop's own cost per task (poll, dispatch,
// report) over HTTP on loopback, with a handler that does nothing: the
// overhead a batch pays besides its work. Compare tasks/s with the
// activity's quota (SendTask* and GetActivityTask refill at about 500 per
// second per account).
func BenchmarkRunPing(b *testing.B) {
	srv := activitytest.NewServer(b)
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping("bench"))
	cfg := srv.Config(b)
	cfg.Logger = discardLogger()
	cfg.Executors, cfg.Pollers = 8, 2
	cfg.HeartbeatPeriod = time.Hour
	w := srv.StartWorker(b, cfg, mux)
	tokens := make([]string, 0, b.N)
	b.ResetTimer()
	for range b.N {
		tokens = append(tokens, srv.Enqueue(`{"op":"ping"}`))
	}
	ctx := context.Background()
	for _, tok := range tokens {
		if err := srv.WaitStatus(ctx, tok, activitytest.Succeeded); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
	if err := w.Stop(); err != nil {
		b.Fatal(err)
	}
}
