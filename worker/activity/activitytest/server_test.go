package activitytest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
	"github.com/montecarlo-pipeline/montecarlo/worker/activity/activitytest"
)

func TestCallRunsOneTaskThroughTheLoop(t *testing.T) {
	t.Parallel()
	mux := activity.NewMux()
	mux.Register(activity.OpPing, activity.Ping("op-test"))
	cases := []struct {
		name   string
		input  string
		status activitytest.Status
		output string
		error  string
	}{
		{"a known op succeeds with its output", `{"op":"ping"}`, activitytest.Succeeded, `{"pong":true,"worker":"op-test"}`, ""},
		{"an unknown op fails as invalid input", `{"op":"nope"}`, activitytest.Failed, "", activity.InputInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := activitytest.Call(t, mux, c.input)
			if got.Status != c.status || got.Output != c.output || got.Error != c.error {
				t.Errorf("Call = %+v; want status %s, output %q, error %q", got, c.status, c.output, c.error)
			}
		})
	}
}

// The endpoint answers as Step Functions does, so the SDK decodes its errors
// into the service's typed errors.
func TestServerAnswersWithTheServicesErrors(t *testing.T) {
	t.Parallel()
	srv := activitytest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	tok := srv.Enqueue(`{"op":"x"}`)
	out, err := c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activitytest.ActivityARN)})
	if err != nil || aws.ToString(out.TaskToken) != tok || aws.ToString(out.Input) != `{"op":"x"}` {
		t.Fatalf("GetActivityTask = %+v, %v; want the queued task", out, err)
	}

	var missing *types.ActivityDoesNotExist
	_, err = c.GetActivityTask(ctx, &sfn.GetActivityTaskInput{ActivityArn: aws.String(activitytest.ActivityARN + "-other")})
	if !errors.As(err, &missing) {
		t.Errorf("GetActivityTask(other activity) = %v; want ActivityDoesNotExist", err)
	}
	var invalidOutput *types.InvalidOutput
	_, err = c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(strings.Repeat(" ", 262145))})
	if !errors.As(err, &invalidOutput) {
		t.Errorf("SendTaskSuccess(257 KiB) = %v; want InvalidOutput", err)
	}
	if _, err := c.SendTaskSuccess(ctx, &sfn.SendTaskSuccessInput{TaskToken: aws.String(tok), Output: aws.String(`{}`)}); err != nil {
		t.Errorf("SendTaskSuccess = %v", err)
	}
	var gone *types.TaskDoesNotExist
	_, err = c.SendTaskHeartbeat(ctx, &sfn.SendTaskHeartbeatInput{TaskToken: aws.String(tok)})
	if !errors.As(err, &gone) {
		t.Errorf("SendTaskHeartbeat(closed task) = %v; want TaskDoesNotExist", err)
	}
	var invalidToken *types.InvalidToken
	_, err = c.SendTaskFailure(ctx, &sfn.SendTaskFailureInput{TaskToken: aws.String("bogus")})
	if !errors.As(err, &invalidToken) {
		t.Errorf("SendTaskFailure(bogus token) = %v; want InvalidToken", err)
	}
	if got := srv.Task(tok); got.Reports != 2 || got.LateHeartbeats != 1 || got.Status != activitytest.Succeeded {
		t.Errorf("task = %+v; want succeeded after 2 reports and 1 late heartbeat", got)
	}
}
