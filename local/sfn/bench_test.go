package sfnlocal

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkDistributedMapActivityBatches runs a Distributed Map over 10,000
// JSON items in batches of 100, each batch one activity task taken by four
// workers, and reports items per second through the whole emulator
// (reader, batcher, child executions, activity queue, result collection).
func BenchmarkDistributedMapActivityBatches(b *testing.B) {
	const items = 10000
	s3 := newMemS3()
	var sb strings.Builder
	sb.WriteString("[")
	for i := range items {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `{"id":"L%06d"}`, i)
	}
	sb.WriteString("]")
	_ = s3.PutObject(context.Background(), "data", "items.json", []byte(sb.String()))
	svc := New(Options{TimeScale: 0.001, S3: s3})
	defer svc.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	act, _ := svc.CreateActivity(ctx, CreateActivityInput{Name: "bench"})
	for range 4 {
		go func() {
			for ctx.Err() == nil {
				task, err := svc.GetActivityTask(ctx, GetActivityTaskInput{ActivityArn: act.ActivityArn})
				if err != nil || task.TaskToken == "" {
					continue
				}
				_, _ = svc.SendTaskSuccess(ctx, SendTaskSuccessInput{TaskToken: task.TaskToken, Output: `{"ok":true}`})
			}
		}()
	}
	def := fmt.Sprintf(`{"StartAt":"M","States":{"M":{"Type":"Map",
		"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"data","Key":"items.json"}},
		"ItemBatcher":{"MaxItemsPerBatch":100},"MaxConcurrency":16,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T",
			"States":{"T":{"Type":"Task","Resource":"%s","End":true}}},"ResultPath":null,"End":true}}}`, act.ActivityArn)
	m, err := svc.CreateStateMachine(ctx, CreateStateMachineInput{Name: "bench", Definition: def})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		start, err := svc.StartExecution(ctx, StartExecutionInput{StateMachineArn: m.StateMachineArn})
		if err != nil {
			b.Fatal(err)
		}
		out, err := svc.WaitExecution(ctx, start.ExecutionArn)
		if err != nil || out.Status != StatusSucceeded {
			b.Fatalf("%v %s %s", err, out.Status, out.Cause)
		}
	}
	b.ReportMetric(float64(items)*float64(b.N)/b.Elapsed().Seconds(), "items/s")
}
