package sfnlocal

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// The AWS JSON 1.0 protocol: POST / with "X-Amz-Target:
// AWSStepFunctions.<Action>" and a JSON body; errors are {"__type",
// "message"} with a 4xx/5xx status
// (https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html).
const (
	targetPrefix = "AWSStepFunctions."
	contentType  = "application/x-amz-json-1.0"
	maxBodyBytes = 4 << 20
)

type action func(s *Service, ctx context.Context, body []byte) (any, error)

// bind adapts a typed action method to the wire.
func bind[I, O any](fn func(*Service, context.Context, I) (O, error)) action {
	return func(s *Service, ctx context.Context, body []byte) (any, error) {
		var in I
		if len(strings.TrimSpace(string(body))) > 0 {
			if err := json.Unmarshal(body, &in); err != nil {
				return nil, &APIError{Code: codeSerialization, Message: "cannot read the request body: " + err.Error(), Status: http.StatusBadRequest}
			}
		}
		return fn(s, ctx, in)
	}
}

var actions = map[string]action{
	"CreateActivity":       bind((*Service).CreateActivity),
	"DescribeActivity":     bind((*Service).DescribeActivity),
	"ListActivities":       bind((*Service).ListActivities),
	"GetActivityTask":      bind((*Service).GetActivityTask),
	"SendTaskSuccess":      bind((*Service).SendTaskSuccess),
	"SendTaskFailure":      bind((*Service).SendTaskFailure),
	"SendTaskHeartbeat":    bind((*Service).SendTaskHeartbeat),
	"CreateStateMachine":   bind((*Service).CreateStateMachine),
	"DescribeStateMachine": bind((*Service).DescribeStateMachine),
	"ListStateMachines":    bind((*Service).ListStateMachines),
	"UpdateStateMachine":   bind((*Service).UpdateStateMachine),
	"StartExecution":       bind((*Service).StartExecution),
	"DescribeExecution":    bind((*Service).DescribeExecution),
	"StopExecution":        bind((*Service).StopExecution),
	"ListExecutions":       bind((*Service).ListExecutions),
	"GetExecutionHistory":  bind((*Service).GetExecutionHistory),
	"ListMapRuns":          bind((*Service).ListMapRuns),
	"DescribeMapRun":       bind((*Service).DescribeMapRun),
	"RedriveExecution":     bind((*Service).RedriveExecution),
	"DeleteActivity":       bind((*Service).DeleteActivity),
	"DeleteStateMachine":   bind((*Service).DeleteStateMachine),

	"DescribeStateMachineForExecution": bind((*Service).DescribeStateMachineForExecution),
}

// ServeHTTP implements the Step Functions API over HTTP.
func (s *Service) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		writeError(w, &APIError{Code: codeUnknownOperation, Message: "the Step Functions API takes POST requests", Status: http.StatusMethodNotAllowed})
		return
	}
	target := req.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix)
	act := actions[name]
	if !ok || act == nil {
		writeError(w, &APIError{Code: codeUnknownOperation, Message: "unknown or unsupported operation " + target, Status: http.StatusBadRequest})
		return
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBodyBytes))
	if err != nil {
		writeError(w, &APIError{Code: codeSerialization, Message: "cannot read the request body: " + err.Error(), Status: http.StatusBadRequest})
		return
	}
	out, err := act(s, req.Context(), body)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	_ = json.NewEncoder(w).Encode(out)
}

func writeError(w http.ResponseWriter, err error) {
	var ae *APIError
	if !errors.As(err, &ae) {
		ae = &APIError{Code: "InternalServerError", Message: err.Error(), Status: http.StatusInternalServerError}
	}
	if ae.Status == 0 {
		ae.Status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", ae.Code)
	w.WriteHeader(ae.Status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": ae.Code, "message": ae.Message})
}
