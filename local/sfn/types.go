package sfnlocal

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
)

// EpochTime is a timestamp as the AWS JSON protocol sends it: seconds since
// the Unix epoch, with milliseconds as the fraction.
type EpochTime time.Time

// Time returns the value as a time.Time.
func (t EpochTime) Time() time.Time { return time.Time(t) }

// MarshalJSON writes seconds with millisecond precision.
func (t EpochTime) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)), nil
}

// UnmarshalJSON reads epoch seconds.
func (t *EpochTime) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	sec, frac := math.Modf(f)
	*t = EpochTime(time.Unix(int64(sec), int64(math.Round(frac*1000))*int64(time.Millisecond)))
	return nil
}

func epochPtr(t time.Time) *EpochTime {
	if t.IsZero() {
		return nil
	}
	e := EpochTime(t)
	return &e
}

// Request and response shapes of the actions, with the API's field names
// (https://docs.aws.amazon.com/step-functions/latest/apireference/API_Operations.html).

// CreateActivityInput is the request of CreateActivity.
type CreateActivityInput struct {
	Name string `json:"name"`
}

// CreateActivityOutput is the response of CreateActivity.
type CreateActivityOutput struct {
	ActivityArn  string    `json:"activityArn"`
	CreationDate EpochTime `json:"creationDate"`
}

// DescribeActivityInput is the request of DescribeActivity.
type DescribeActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DescribeActivityOutput is the response of DescribeActivity.
type DescribeActivityOutput struct {
	ActivityArn  string    `json:"activityArn"`
	Name         string    `json:"name"`
	CreationDate EpochTime `json:"creationDate"`
}

// ListInput carries the paging fields every List action takes.
type ListInput struct {
	MaxResults int    `json:"maxResults,omitempty"`
	NextToken  string `json:"nextToken,omitempty"`
}

// ListActivitiesOutput is the response of ListActivities.
type ListActivitiesOutput struct {
	Activities []DescribeActivityOutput `json:"activities"`
	NextToken  string                   `json:"nextToken,omitempty"`
}

// GetActivityTaskInput is the request of GetActivityTask.
type GetActivityTaskInput struct {
	ActivityArn string `json:"activityArn"`
	WorkerName  string `json:"workerName,omitempty"`
}

// GetActivityTaskOutput is the response of GetActivityTask; both fields are
// empty when the long poll ended without a task.
type GetActivityTaskOutput struct {
	TaskToken string `json:"taskToken,omitempty"`
	Input     string `json:"input,omitempty"`
}

// SendTaskSuccessInput is the request of SendTaskSuccess.
type SendTaskSuccessInput struct {
	TaskToken string `json:"taskToken"`
	Output    string `json:"output"`
}

// SendTaskFailureInput is the request of SendTaskFailure.
type SendTaskFailureInput struct {
	TaskToken string `json:"taskToken"`
	Error     string `json:"error,omitempty"`
	Cause     string `json:"cause,omitempty"`
}

// SendTaskHeartbeatInput is the request of SendTaskHeartbeat.
type SendTaskHeartbeatInput struct {
	TaskToken string `json:"taskToken"`
}

// CreateStateMachineInput is the request of CreateStateMachine.
type CreateStateMachineInput struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	RoleArn    string `json:"roleArn"`
	Type       string `json:"type,omitempty"`
}

// CreateStateMachineOutput is the response of CreateStateMachine.
type CreateStateMachineOutput struct {
	StateMachineArn string    `json:"stateMachineArn"`
	CreationDate    EpochTime `json:"creationDate"`
}

// DescribeStateMachineInput is the request of DescribeStateMachine.
type DescribeStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}

// DescribeStateMachineOutput is the response of DescribeStateMachine.
type DescribeStateMachineOutput struct {
	StateMachineArn string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Status          string    `json:"status"`
	Definition      string    `json:"definition"`
	RoleArn         string    `json:"roleArn"`
	Type            string    `json:"type"`
	CreationDate    EpochTime `json:"creationDate"`
	RevisionID      string    `json:"revisionId,omitempty"`
}

// StateMachineListItem is one entry of ListStateMachines.
type StateMachineListItem struct {
	StateMachineArn string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Type            string    `json:"type"`
	CreationDate    EpochTime `json:"creationDate"`
}

// ListStateMachinesOutput is the response of ListStateMachines.
type ListStateMachinesOutput struct {
	StateMachines []StateMachineListItem `json:"stateMachines"`
	NextToken     string                 `json:"nextToken,omitempty"`
}

// UpdateStateMachineInput is the request of UpdateStateMachine.
type UpdateStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Definition      string `json:"definition,omitempty"`
	RoleArn         string `json:"roleArn,omitempty"`
}

// UpdateStateMachineOutput is the response of UpdateStateMachine.
type UpdateStateMachineOutput struct {
	UpdateDate EpochTime `json:"updateDate"`
	RevisionID string    `json:"revisionId,omitempty"`
}

// StartExecutionInput is the request of StartExecution.
type StartExecutionInput struct {
	StateMachineArn string `json:"stateMachineArn"`
	Name            string `json:"name,omitempty"`
	Input           string `json:"input,omitempty"`
	TraceHeader     string `json:"traceHeader,omitempty"`
}

// StartExecutionOutput is the response of StartExecution.
type StartExecutionOutput struct {
	ExecutionArn string    `json:"executionArn"`
	StartDate    EpochTime `json:"startDate"`
}

// DescribeExecutionInput is the request of DescribeExecution.
type DescribeExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
}

// DataDetails says whether a payload is included in a response.
type DataDetails struct {
	Included bool `json:"included"`
}

// DescribeExecutionOutput is the response of DescribeExecution.
type DescribeExecutionOutput struct {
	ExecutionArn        string       `json:"executionArn"`
	StateMachineArn     string       `json:"stateMachineArn"`
	Name                string       `json:"name"`
	Status              string       `json:"status"`
	StartDate           EpochTime    `json:"startDate"`
	StopDate            *EpochTime   `json:"stopDate,omitempty"`
	Input               string       `json:"input,omitempty"`
	InputDetails        DataDetails  `json:"inputDetails"`
	Output              *string      `json:"output,omitempty"`
	OutputDetails       *DataDetails `json:"outputDetails,omitempty"`
	Error               string       `json:"error,omitempty"`
	Cause               string       `json:"cause,omitempty"`
	MapRunArn           string       `json:"mapRunArn,omitempty"`
	RedriveCount        int          `json:"redriveCount"`
	RedriveDate         *EpochTime   `json:"redriveDate,omitempty"`
	RedriveStatus       string       `json:"redriveStatus,omitempty"`
	RedriveStatusReason string       `json:"redriveStatusReason,omitempty"`
}

// StopExecutionInput is the request of StopExecution.
type StopExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	Error        string `json:"error,omitempty"`
	Cause        string `json:"cause,omitempty"`
}

// StopExecutionOutput is the response of StopExecution.
type StopExecutionOutput struct {
	StopDate EpochTime `json:"stopDate"`
}

// ListExecutionsInput is the request of ListExecutions: either
// StateMachineArn or MapRunArn.
type ListExecutionsInput struct {
	StateMachineArn string `json:"stateMachineArn,omitempty"`
	MapRunArn       string `json:"mapRunArn,omitempty"`
	StatusFilter    string `json:"statusFilter,omitempty"`
	RedriveFilter   string `json:"redriveFilter,omitempty"`
	MaxResults      int    `json:"maxResults,omitempty"`
	NextToken       string `json:"nextToken,omitempty"`
}

// ExecutionListItem is one entry of ListExecutions.
type ExecutionListItem struct {
	ExecutionArn    string     `json:"executionArn"`
	StateMachineArn string     `json:"stateMachineArn"`
	Name            string     `json:"name"`
	Status          string     `json:"status"`
	StartDate       EpochTime  `json:"startDate"`
	StopDate        *EpochTime `json:"stopDate,omitempty"`
	MapRunArn       string     `json:"mapRunArn,omitempty"`
	RedriveCount    int        `json:"redriveCount"`
	RedriveDate     *EpochTime `json:"redriveDate,omitempty"`
}

// ListExecutionsOutput is the response of ListExecutions.
type ListExecutionsOutput struct {
	Executions []ExecutionListItem `json:"executions"`
	NextToken  string              `json:"nextToken,omitempty"`
}

// GetExecutionHistoryInput is the request of GetExecutionHistory.
type GetExecutionHistoryInput struct {
	ExecutionArn         string `json:"executionArn"`
	MaxResults           int    `json:"maxResults,omitempty"`
	NextToken            string `json:"nextToken,omitempty"`
	ReverseOrder         bool   `json:"reverseOrder,omitempty"`
	IncludeExecutionData *bool  `json:"includeExecutionData,omitempty"`
}

// GetExecutionHistoryOutput is the response of GetExecutionHistory.
type GetExecutionHistoryOutput struct {
	Events    []HistoryEvent `json:"events"`
	NextToken string         `json:"nextToken,omitempty"`
}

// HistoryEvent is one event of an execution's history. Details holds the
// one "<kind>EventDetails" object of the event type, keyed by its JSON name
// (e.g. "stateEnteredEventDetails"), with the API's field names.
type HistoryEvent struct {
	Timestamp       EpochTime
	Type            string
	ID              int64
	PreviousEventID int64
	DetailsKey      string
	Details         map[string]any
}

// MarshalJSON flattens the details object next to the common fields.
func (e HistoryEvent) MarshalJSON() ([]byte, error) {
	m := map[string]any{
		"timestamp":       e.Timestamp,
		"type":            e.Type,
		"id":              e.ID,
		"previousEventId": e.PreviousEventID,
	}
	if e.DetailsKey != "" {
		m[e.DetailsKey] = e.Details
	}
	return json.Marshal(m)
}

// MapRunCounts are the itemCounts or executionCounts of DescribeMapRun.
type MapRunCounts struct {
	Pending               int64 `json:"pending"`
	Running               int64 `json:"running"`
	Succeeded             int64 `json:"succeeded"`
	Failed                int64 `json:"failed"`
	TimedOut              int64 `json:"timedOut"`
	Aborted               int64 `json:"aborted"`
	Total                 int64 `json:"total"`
	ResultsWritten        int64 `json:"resultsWritten"`
	FailuresNotRedrivable int64 `json:"failuresNotRedrivable"`
	PendingRedrive        int64 `json:"pendingRedrive"`
}

// DescribeMapRunInput is the request of DescribeMapRun.
type DescribeMapRunInput struct {
	MapRunArn string `json:"mapRunArn"`
}

// DescribeMapRunOutput is the response of DescribeMapRun.
type DescribeMapRunOutput struct {
	MapRunArn                  string       `json:"mapRunArn"`
	ExecutionArn               string       `json:"executionArn"`
	Status                     string       `json:"status"`
	StartDate                  EpochTime    `json:"startDate"`
	StopDate                   *EpochTime   `json:"stopDate,omitempty"`
	MaxConcurrency             int          `json:"maxConcurrency"`
	ToleratedFailurePercentage float64      `json:"toleratedFailurePercentage"`
	ToleratedFailureCount      int64        `json:"toleratedFailureCount"`
	ItemCounts                 MapRunCounts `json:"itemCounts"`
	ExecutionCounts            MapRunCounts `json:"executionCounts"`
	RedriveCount               int          `json:"redriveCount"`
	RedriveDate                *EpochTime   `json:"redriveDate,omitempty"`
}

// ListMapRunsInput is the request of ListMapRuns.
type ListMapRunsInput struct {
	ExecutionArn string `json:"executionArn"`
	MaxResults   int    `json:"maxResults,omitempty"`
	NextToken    string `json:"nextToken,omitempty"`
}

// MapRunListItem is one entry of ListMapRuns.
type MapRunListItem struct {
	ExecutionArn    string     `json:"executionArn"`
	MapRunArn       string     `json:"mapRunArn"`
	StateMachineArn string     `json:"stateMachineArn"`
	StartDate       EpochTime  `json:"startDate"`
	StopDate        *EpochTime `json:"stopDate,omitempty"`
}

// ListMapRunsOutput is the response of ListMapRuns.
type ListMapRunsOutput struct {
	MapRuns   []MapRunListItem `json:"mapRuns"`
	NextToken string           `json:"nextToken,omitempty"`
}

// RedriveExecutionInput is the request of RedriveExecution.
type RedriveExecutionInput struct {
	ExecutionArn string `json:"executionArn"`
	ClientToken  string `json:"clientToken,omitempty"`
}

// RedriveExecutionOutput is the response of RedriveExecution.
type RedriveExecutionOutput struct {
	RedriveDate EpochTime `json:"redriveDate"`
}

// Empty is the response of the actions that return nothing.
type Empty struct{}

// page cuts items to one page: nextToken is the decimal offset of the next
// item, maxResults defaults to 100 and is capped at 1000 as in the API.
func page[T any](items []T, maxResults int, nextToken string) ([]T, string, error) {
	start := 0
	if nextToken != "" {
		n, err := strconv.Atoi(nextToken)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", apiErr("InvalidToken", "invalid nextToken %q", nextToken)
		}
		start = n
	}
	if maxResults <= 0 || maxResults > 1000 {
		maxResults = 100
	}
	end := min(start+maxResults, len(items))
	out := append([]T{}, items[start:end]...)
	if end < len(items) {
		return out, strconv.Itoa(end), nil
	}
	return out, "", nil
}

// DescribeStateMachineForExecutionOutput is the response of
// DescribeStateMachineForExecution (its request is DescribeExecutionInput).
type DescribeStateMachineForExecutionOutput struct {
	StateMachineArn string    `json:"stateMachineArn"`
	Name            string    `json:"name"`
	Definition      string    `json:"definition"`
	RoleArn         string    `json:"roleArn"`
	UpdateDate      EpochTime `json:"updateDate"`
	MapRunArn       string    `json:"mapRunArn,omitempty"`
	Label           string    `json:"label,omitempty"`
}

// DeleteActivityInput is the request of DeleteActivity.
type DeleteActivityInput struct {
	ActivityArn string `json:"activityArn"`
}

// DeleteStateMachineInput is the request of DeleteStateMachine.
type DeleteStateMachineInput struct {
	StateMachineArn string `json:"stateMachineArn"`
}
