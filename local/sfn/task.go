package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
	"github.com/montecarlo-pipeline/montecarlo/local/sfn/paths"
)

// task runs a Task state once: InputPath, Parameters, the resource,
// ResultSelector, ResultPath, OutputPath
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html).
func (r *runner) task(ctx context.Context, sr *stateRun, s *asl.TaskState, input any) (any, *paths.Error) {
	co := r.contextObject(sr)
	eff, err := inputPath(s.InputPath, input, co)
	if err != nil {
		return nil, err
	}
	params := eff
	if s.Parameters != nil {
		if params, err = template(s.Parameters, eff, co); err != nil {
			return nil, err
		}
	}
	timeout, _, err := intField("TimeoutSeconds", s.TimeoutSeconds, s.TimeoutSecondsPath, eff, co)
	if err != nil {
		return nil, err
	}
	heartbeat, _, err := intField("HeartbeatSeconds", s.HeartbeatSeconds, s.HeartbeatSecondsPath, eff, co)
	if err != nil {
		return nil, err
	}
	var result any
	switch res := s.Resource; {
	case strings.HasPrefix(res, "arn:aws:states:") && strings.Contains(res, ":activity:"):
		result, err = r.activityTask(ctx, res, params, timeout, heartbeat)
	case strings.HasPrefix(res, sdkPrefix):
		result, err = r.sdkTask(ctx, res, params, timeout)
	case isLambdaInvoke(res):
		result, err = r.lambdaTask(ctx, res, params, timeout)
	default:
		return nil, runtimeErr("state %q: resource %q is not supported by the local Step Functions; it runs activity ARNs, arn:aws:states:::lambda:invoke and the integrations %s", sr.name, res, strings.Join(supportedIntegrations, ", "))
	}
	if err != nil {
		return nil, err
	}
	return r.finishResult(sr, s.ResultSelector, s.ResultPath, s.OutputPath, input, result)
}

// activityTask schedules an activity task and waits for a worker's report.
// TimeoutSeconds runs from scheduling, so time in the queue counts;
// HeartbeatSeconds runs from when a worker takes the task and restarts with
// every SendTaskHeartbeat
// (https://docs.aws.amazon.com/step-functions/latest/dg/state-task.html#task-state-fields).
func (r *runner) activityTask(ctx context.Context, arn string, params any, timeoutSec, heartbeatSec int) (any, *paths.Error) {
	in := paths.MustMarshal(params)
	if len(in) > asl.MaxPayloadBytes {
		return nil, paths.Errorf(errNameDataLimitExceeded, "the activity task input is %d bytes, more than the 262144 allowed", len(in))
	}
	t, err := r.s.scheduleActivity(arn, in)
	if err != nil {
		r.event("ActivityScheduleFailed", "activityScheduleFailedEventDetails", map[string]any{"error": "States.Runtime", "cause": err.Error()})
		return nil, runtimeErr("schedule activity %s: %v", arn, err)
	}
	details := map[string]any{"resource": arn, "input": in, "inputDetails": map[string]any{"truncated": false}}
	if timeoutSec > 0 {
		details["timeoutInSeconds"] = timeoutSec
	}
	if heartbeatSec > 0 {
		details["heartbeatInSeconds"] = heartbeatSec
	}
	r.event("ActivityScheduled", "activityScheduledEventDetails", details)

	var timeoutC, heartbeatC <-chan time.Time
	if timeoutSec > 0 {
		tm := time.NewTimer(r.s.activityTimeout(timeoutSec))
		defer tm.Stop()
		timeoutC = tm.C
	}
	var hb *time.Timer
	started := t.started
	for {
		select {
		case <-started:
			started = nil
			r.s.mu.Lock()
			worker := t.worker
			r.s.mu.Unlock()
			r.event("ActivityStarted", "activityStartedEventDetails", map[string]any{"workerName": worker})
			if heartbeatSec > 0 {
				hb = time.NewTimer(r.s.HeartbeatTimeout(heartbeatSec))
				defer hb.Stop()
				heartbeatC = hb.C
			}
		case <-t.heartbeat:
			if hb != nil {
				hb.Reset(r.s.HeartbeatTimeout(heartbeatSec))
			}
		case o := <-t.result:
			return r.activityOutcome(o)
		case <-timeoutC:
			if !r.s.closeTask(t) {
				return r.activityOutcome(<-t.result)
			}
			cause := fmt.Sprintf("the activity task was not completed within TimeoutSeconds (%d s, counted from scheduling)", timeoutSec)
			r.event("ActivityTimedOut", "activityTimedOutEventDetails", map[string]any{"error": errNameTimeout, "cause": cause})
			return nil, paths.Errorf(errNameTimeout, "%s", cause)
		case <-heartbeatC:
			if !r.s.closeTask(t) {
				return r.activityOutcome(<-t.result)
			}
			cause := fmt.Sprintf("no heartbeat within HeartbeatSeconds (%d s)", heartbeatSec)
			r.event("ActivityTimedOut", "activityTimedOutEventDetails", map[string]any{"error": errNameHeartbeatTimeout, "cause": cause})
			return nil, paths.Errorf(errNameHeartbeatTimeout, "%s", cause)
		case <-ctx.Done():
			r.s.closeTask(t)
			return nil, &paths.Error{Name: errNameAborted, Cause: "execution stopped"}
		}
	}
}

func (r *runner) activityOutcome(o taskOutcome) (any, *paths.Error) {
	if o.err != nil {
		r.event("ActivityFailed", "activityFailedEventDetails", map[string]any{"error": o.err.Name, "cause": o.err.Cause})
		return nil, o.err
	}
	r.event("ActivitySucceeded", "activitySucceededEventDetails", map[string]any{"output": o.output, "outputDetails": map[string]any{"truncated": false}})
	v, err := paths.DecodeString(o.output)
	if err != nil {
		return nil, runtimeErr("activity output is not JSON: %v", err)
	}
	return v, nil
}

const sdkPrefix = "arn:aws:states:::aws-sdk:"

var supportedIntegrations = []string{
	sdkPrefix + "ecs:updateService",
	sdkPrefix + "ecs:describeServices",
	sdkPrefix + "sfn:listExecutions",
	sdkPrefix + "sfn:describeExecution",
}

// sdkTask runs an AWS SDK service integration. Parameters and results use
// the SDK's PascalCase shapes; an API error becomes "<Service>.<Code>", as
// the service names them (e.g. "Ecs.ServiceNotFoundException")
// (https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html).
func (r *runner) sdkTask(ctx context.Context, resource string, params any, timeoutSec int) (any, *paths.Error) {
	action := strings.TrimPrefix(resource, sdkPrefix)
	service, op, _ := strings.Cut(action, ":")
	r.event("TaskScheduled", "taskScheduledEventDetails", map[string]any{
		"resourceType": "aws-sdk:" + service, "resource": op, "region": r.s.opts.Region, "parameters": paths.MustMarshal(params),
	})
	r.event("TaskStarted", "taskStartedEventDetails", map[string]any{"resourceType": "aws-sdk:" + service, "resource": op})
	if timeoutSec > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.s.seconds(float64(timeoutSec)))
		defer cancel()
	}
	args, _ := params.(map[string]any)
	var out any
	var err error
	switch action {
	case "ecs:updateService":
		out, err = r.ecsUpdateService(ctx, args)
	case "ecs:describeServices":
		out, err = r.ecsDescribeServices(ctx, args)
	case "sfn:listExecutions":
		out, err = r.sfnListExecutions(ctx, args)
	case "sfn:describeExecution":
		out, err = r.sfnDescribeExecution(ctx, args)
	default:
		return nil, runtimeErr("resource %q is not supported by the local Step Functions; supported integrations: %s", resource, strings.Join(supportedIntegrations, ", "))
	}
	if err != nil {
		serr := sdkError(service, err)
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			serr = paths.Errorf(errNameTimeout, "the task did not complete within TimeoutSeconds (%d s)", timeoutSec)
		}
		r.event("TaskFailed", "taskFailedEventDetails", map[string]any{"resourceType": "aws-sdk:" + service, "resource": op, "error": serr.Name, "cause": serr.Cause})
		return nil, serr
	}
	out = paths.Normalize(out)
	r.event("TaskSucceeded", "taskSucceededEventDetails", map[string]any{
		"resourceType": "aws-sdk:" + service, "resource": op, "output": paths.MustMarshal(out), "outputDetails": map[string]any{"truncated": false},
	})
	return out, nil
}

// sdkError names an integration error "<Service>.<Code>".
func sdkError(service string, err error) *paths.Error {
	var pe *paths.Error
	if errors.As(err, &pe) {
		return pe
	}
	prefix := strings.ToUpper(service[:1]) + service[1:]
	if errors.Is(err, ErrServiceNotFound) {
		return &paths.Error{Name: prefix + ".ServiceNotFoundException", Cause: err.Error()}
	}
	var coded interface{ ErrorCode() string }
	if errors.As(err, &coded) {
		return &paths.Error{Name: prefix + "." + coded.ErrorCode(), Cause: err.Error()}
	}
	return &paths.Error{Name: prefix + ".SdkClientException", Cause: err.Error()}
}

// argString reads a string argument of an integration.
func argString(args map[string]any, name string, required bool) (string, error) {
	v, ok := args[name]
	if !ok || v == nil {
		if required {
			return "", paths.Errorf(errNameRuntime, "the API parameter %s is required", name)
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", paths.Errorf(errNameRuntime, "the API parameter %s must be a string, got a %s", name, paths.TypeName(v))
	}
	return s, nil
}

func (r *runner) sfnListExecutions(ctx context.Context, args map[string]any) (any, error) {
	var in ListExecutionsInput
	var err error
	if in.StateMachineArn, err = argString(args, "StateMachineArn", false); err != nil {
		return nil, err
	}
	if in.MapRunArn, err = argString(args, "MapRunArn", false); err != nil {
		return nil, err
	}
	if in.StatusFilter, err = argString(args, "StatusFilter", false); err != nil {
		return nil, err
	}
	if in.NextToken, err = argString(args, "NextToken", false); err != nil {
		return nil, err
	}
	if v, ok := paths.Integer(args["MaxResults"]); ok {
		in.MaxResults = int(v)
	}
	out, err := r.s.ListExecutions(ctx, in)
	if err != nil {
		return nil, err
	}
	execs := make([]any, 0, len(out.Executions))
	for _, e := range out.Executions {
		m := map[string]any{
			"ExecutionArn": e.ExecutionArn, "StateMachineArn": e.StateMachineArn, "Name": e.Name,
			"Status": e.Status, "StartDate": rfc3339(e.StartDate.Time()), "RedriveCount": e.RedriveCount,
		}
		if e.StopDate != nil {
			m["StopDate"] = rfc3339(e.StopDate.Time())
		}
		if e.MapRunArn != "" {
			m["MapRunArn"] = e.MapRunArn
		}
		execs = append(execs, m)
	}
	res := map[string]any{"Executions": execs}
	if out.NextToken != "" {
		res["NextToken"] = out.NextToken
	}
	return res, nil
}

func (r *runner) sfnDescribeExecution(ctx context.Context, args map[string]any) (any, error) {
	arn, err := argString(args, "ExecutionArn", true)
	if err != nil {
		return nil, err
	}
	d, err := r.s.DescribeExecution(ctx, DescribeExecutionInput{ExecutionArn: arn})
	if err != nil {
		return nil, err
	}
	m := map[string]any{
		"ExecutionArn": d.ExecutionArn, "StateMachineArn": d.StateMachineArn, "Name": d.Name,
		"Status": d.Status, "StartDate": rfc3339(d.StartDate.Time()), "Input": d.Input, "RedriveCount": d.RedriveCount,
	}
	if d.StopDate != nil {
		m["StopDate"] = rfc3339(d.StopDate.Time())
	}
	if d.Output != nil {
		m["Output"] = *d.Output
	}
	if d.Error != "" {
		m["Error"] = d.Error
	}
	if d.Cause != "" {
		m["Cause"] = d.Cause
	}
	return m, nil
}
