package operate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// How Redrive finished a failed execution.
const (
	// ActionRedriven: RedriveExecution continued the same execution from
	// the state it stopped in.
	ActionRedriven = "redriven"
	// ActionResumed: a new Simulate execution took the original input plus
	// the failed run's runId; prepare checks the parameter hash and simulate
	// skips the batches whose partial already exists.
	ActionResumed = "resumed"
	// ActionRestarted: a new execution with the original input, because
	// there was nothing to resume (Generate rewrites its deterministic keys;
	// a Simulate run that failed before prepare recorded it).
	ActionRestarted = "restarted"
)

// Redriven says what Redrive did and why.
type Redriven struct {
	Action string `json:"action"`
	// Failed is the execution that was redriven; ExecutionArn the one now
	// running (the same ARN when Action is ActionRedriven).
	Failed       string `json:"failedExecutionArn"`
	ExecutionArn string `json:"executionArn"`
	// FailedIn is the state the failed execution stopped in.
	FailedIn string `json:"failedIn"`
	RunID    string `json:"runId,omitempty"`
	Reason   string `json:"reason"`
}

// Redrive finishes a failed, timed-out or aborted execution.
//
// RedriveExecution "continues the failed execution from the unsuccessful
// step and uses the same input", re-running only the failed or aborted
// iterations of Map and Parallel states (RedriveExecution, Step Functions
// API reference). That resumes real work when the execution stopped in a
// working state: it was stopped (ABORTED) or timed out mid-Map, or a state
// failed with an error the workflow does not catch (States.Runtime). But
// our workflows catch every failure after scale-out, scale in and end in
// their Fail state, and a redrive of that would re-run only the Fail state
// and fail again. Then Redrive starts a new execution instead: with the
// original input plus runId (Simulate, when runs/<runId>/manifest.json
// shows prepare recorded the run), or the original input alone.
func (t *Target) Redrive(ctx context.Context, executionArn string) (Redriven, error) {
	d, err := t.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionArn)})
	if err != nil {
		return Redriven{}, fmt.Errorf("redrive: %w", Explain(err, executionArn))
	}
	switch d.Status {
	case types.ExecutionStatusRunning, types.ExecutionStatusPendingRedrive:
		return Redriven{}, fmt.Errorf("redrive: execution %s is %s: wait for it to end (montecarlo watch)", aws.ToString(d.Name), d.Status)
	case types.ExecutionStatusSucceeded:
		return Redriven{}, fmt.Errorf("redrive: execution %s SUCCEEDED: nothing to redrive", aws.ToString(d.Name))
	}
	r := Redriven{Failed: executionArn}
	last, err := t.lastState(ctx, executionArn)
	if err != nil {
		return Redriven{}, err
	}
	r.FailedIn = last.Name
	inFail := last.Type == string(types.HistoryEventTypeFailStateEntered)
	if !inFail && d.RedriveStatus == types.ExecutionRedriveStatusRedrivable {
		_, err := t.SFN.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: aws.String(executionArn)})
		if err != nil {
			return Redriven{}, fmt.Errorf("redrive: %w", Explain(err, executionArn))
		}
		r.Action, r.ExecutionArn = ActionRedriven, executionArn
		r.Reason = fmt.Sprintf("the execution was %s in state %q, before the workflow's catch path: RedriveExecution continues it from there (a Distributed Map re-runs only its unfinished items)",
			d.Status, r.FailedIn)
		return r, nil
	}

	wf := t.workflowOf(aws.ToString(d.StateMachineArn))
	if wf == "" {
		return Redriven{}, fmt.Errorf("redrive: %s belongs to state machine %s, which is neither of this target's workflows", executionArn, aws.ToString(d.StateMachineArn))
	}
	var input map[string]json.RawMessage
	if err := json.Unmarshal([]byte(aws.ToString(d.Input)), &input); err != nil || input == nil {
		input = map[string]json.RawMessage{}
	}
	why := fmt.Sprintf("the execution ended in its Fail state %q (%s): RedriveExecution would re-run only that state", r.FailedIn, aws.ToString(d.Error))
	if d.RedriveStatus != types.ExecutionRedriveStatusRedrivable && !inFail {
		why = fmt.Sprintf("Step Functions will not redrive it (%s: %s)", d.RedriveStatus, aws.ToString(d.RedriveStatusReason))
	}
	r.Action = ActionRestarted
	r.Reason = why + "; a new execution with the original input redoes it (generate rewrites the same keys)"
	if wf == workflow.WorkflowSimulate {
		r.RunID = aws.ToString(d.Name)
		var prior string
		if raw, ok := input["runId"]; ok && json.Unmarshal(raw, &prior) == nil && prior != "" {
			r.RunID = prior
		}
		recorded, err := t.exists(ctx, workflow.RunManifestKey(r.RunID))
		if err != nil {
			return Redriven{}, err
		}
		if recorded {
			input["runId"], _ = json.Marshal(r.RunID)
			r.Action = ActionResumed
			r.Reason = why + fmt.Sprintf("; a new execution resumes run %s: prepare checks the parameters are the same, simulate skips the batches already done", r.RunID)
		} else {
			r.RunID = ""
			r.Reason = why + "; the run failed before prepare recorded it, so a new execution starts it afresh"
		}
	}
	body, _ := json.Marshal(input)
	for n := int(aws.ToInt32(d.RedriveCount)) + 1; ; n++ {
		s, err := t.start(ctx, wf, aws.ToString(d.StateMachineArn), retryName(aws.ToString(d.Name), n), body)
		var ae smithy.APIError
		if err != nil && errors.As(err, &ae) && ae.ErrorCode() == "ExecutionAlreadyExists" && n < 100 {
			continue
		}
		if err != nil {
			return Redriven{}, fmt.Errorf("redrive: %w", err)
		}
		r.ExecutionArn = s.ExecutionArn
		return r, nil
	}
}

// stateRef names a state of an execution's history.
type stateRef struct {
	Name string `json:"name"`
	Type string `json:"type"` // the history event type, e.g. FailStateEntered
}

// lastState returns the last state the execution entered.
func (t *Target) lastState(ctx context.Context, executionArn string) (stateRef, error) {
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(executionArn), ReverseOrder: true, MaxResults: 100, IncludeExecutionData: aws.Bool(false)}
	for {
		out, err := t.SFN.GetExecutionHistory(ctx, in)
		if err != nil {
			return stateRef{}, fmt.Errorf("redrive: execution history: %w", Explain(err, executionArn))
		}
		for _, e := range out.Events {
			if strings.HasSuffix(string(e.Type), "StateEntered") && e.StateEnteredEventDetails != nil {
				return stateRef{Name: aws.ToString(e.StateEnteredEventDetails.Name), Type: string(e.Type)}, nil
			}
		}
		if out.NextToken == nil {
			return stateRef{}, nil
		}
		in.NextToken = out.NextToken
	}
}

// workflowOf returns the workflow whose state machine is arn, or "".
func (t *Target) workflowOf(arn string) string {
	switch arn {
	case t.Outputs.GenerateStateMachineArn:
		return workflow.WorkflowGenerate
	case t.Outputs.SimulateStateMachineArn:
		return workflow.WorkflowSimulate
	}
	return ""
}

// exists reports whether the data bucket holds key.
func (t *Target) exists(ctx context.Context, key string) (bool, error) {
	_, err := t.S3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(t.Outputs.DataBucketName), Key: aws.String(key)})
	if isNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("redrive: head s3://%s/%s: %w", t.Outputs.DataBucketName, key, Explain(err, key))
	}
	return true, nil
}

// retryName is the name of the n-th new execution for a failed one: the
// failed name without an earlier "-rN" suffix, plus "-rN", within the 80
// characters of an execution name.
func retryName(name string, n int) string {
	if i := strings.LastIndex(name, "-r"); i > 0 {
		if _, err := strconv.Atoi(name[i+2:]); err == nil {
			name = name[:i]
		}
	}
	suffix := "-r" + strconv.Itoa(n)
	if len(name)+len(suffix) > 80 {
		name = name[:80-len(suffix)]
	}
	return name + suffix
}
