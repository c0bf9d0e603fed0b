package asl

import (
	"sort"
	"strings"
	"time"
)

func (v *validator) exclusive(path, a string, hasA bool, b string, hasB bool) {
	if hasA && hasB {
		v.add(path, "sets both %s and %s; they are mutually exclusive", a, b)
	}
}

func (v *validator) payload(path, field string, value any) {
	if value == nil {
		return
	}
	b, err := encode(value)
	if err != nil {
		v.add(joinPath(path, field), "is not JSON: %v", err)
		return
	}
	if len(b) > MaxPayloadBytes {
		v.add(joinPath(path, field), "literal is %d bytes, above the %d-byte payload quota; keep large data in S3 and pass a reference (a Distributed Map with an ItemReader reads items from S3)", len(b), MaxPayloadBytes)
	}
}

func (v *validator) task(path string, s *TaskState, express bool) {
	if s.Resource == "" {
		v.add(joinPath(path, "Resource"), "is required")
	}
	v.exclusive(path, "TimeoutSeconds", s.TimeoutSeconds != nil, "TimeoutSecondsPath", s.TimeoutSecondsPath != "")
	v.exclusive(path, "HeartbeatSeconds", s.HeartbeatSeconds != nil, "HeartbeatSecondsPath", s.HeartbeatSecondsPath != "")
	if s.TimeoutSeconds != nil && *s.TimeoutSeconds < 1 {
		v.add(joinPath(path, "TimeoutSeconds"), "must be a positive integer, not %d", *s.TimeoutSeconds)
	}
	if s.HeartbeatSeconds != nil && *s.HeartbeatSeconds < 1 {
		v.add(joinPath(path, "HeartbeatSeconds"), "must be a positive integer, not %d", *s.HeartbeatSeconds)
	}
	if s.TimeoutSeconds != nil && s.HeartbeatSeconds != nil && *s.HeartbeatSeconds >= *s.TimeoutSeconds {
		v.add(joinPath(path, "HeartbeatSeconds"), "must be less than TimeoutSeconds (%d >= %d)", *s.HeartbeatSeconds, *s.TimeoutSeconds)
	}
	if express {
		// Express workflows support neither activities nor the .sync and
		// .waitForTaskToken integration patterns (developer guide,
		// "Choosing workflow type": Standard vs Express).
		switch {
		case IsActivity(s.Resource):
			v.add(joinPath(path, "Resource"), "an activity task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		case strings.HasSuffix(s.Resource, ".waitForTaskToken"):
			v.add(joinPath(path, "Resource"), "a .waitForTaskToken task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		case strings.HasSuffix(s.Resource, ".sync") || strings.Contains(s.Resource, ".sync:"):
			v.add(joinPath(path, "Resource"), "a .sync task cannot run in an EXPRESS child workflow; use ExecutionType STANDARD")
		}
	}
}

// IsActivity reports whether a Task Resource is an activity ARN
// (arn:<partition>:states:<region>:<account>:activity:<name>).
func IsActivity(resource string) bool {
	parts := strings.SplitN(resource, ":", 7)
	return len(parts) == 7 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "activity"
}

// predefinedErrors are the "States." names a Retrier or Catcher may use.
var predefinedErrors = map[string]bool{
	ErrAll: true, ErrHeartbeatTimeout: true, ErrTimeout: true, ErrTaskFailed: true,
	ErrPermissions: true, ErrResultPathMatchFailure: true, ErrParameterPathFailure: true,
	ErrQueryEvaluationError: true, ErrBranchFailed: true, ErrNoChoiceMatched: true,
	ErrIntrinsicFailure: true, ErrExceedToleratedFailureThreshold: true,
	ErrItemReaderFailed: true, ErrResultWriterFailed: true, ErrDataLimitExceeded: true,
	ErrRuntime: true, ErrHTTPSocket: true,
}

// isPredefinedError reports whether a "States." name is one the service
// raises: a fixed name, or an HTTP Task's status code error (three digits).
func isPredefinedError(name string) bool {
	if code, ok := strings.CutPrefix(name, ErrHTTPStatusCodePrefix); ok {
		return len(code) == 3 && strings.Trim(code, "0123456789") == "" && code[0] >= '1' && code[0] <= '5'
	}
	return predefinedErrors[name]
}

// errorEquals checks one ErrorEquals list. The spec: "States.ALL" MUST
// appear alone in its ErrorEquals and MUST appear in the last Retrier (or
// Catcher).
func (v *validator) errorEquals(path string, names []string, last bool, kind string) {
	if len(names) == 0 {
		v.add(joinPath(path, "ErrorEquals"), "must list at least one error name")
	}
	for j, n := range names {
		switch {
		case n == ErrAll && len(names) > 1:
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%s must appear alone in its ErrorEquals", ErrAll)
		case n == ErrAll && !last:
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%s must appear only in the last %s", ErrAll, kind)
		case strings.HasPrefix(n, "States.") && !isPredefinedError(n):
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "%q is not a predefined error; only predefined names may start with \"States.\"", n)
		case n == "":
			v.add(indexPath(joinPath(path, "ErrorEquals"), j), "error name must not be empty")
		}
	}
}

func (v *validator) errorHandling(sc *Scope, path string, retry []Retrier, catch []Catcher) {
	for i, r := range retry {
		p := indexPath(joinPath(path, "Retry"), i)
		v.errorEquals(p, r.ErrorEquals, i == len(retry)-1, "Retrier")
		if r.MaxAttempts != nil && (*r.MaxAttempts < 0 || *r.MaxAttempts > MaxRetryValue) {
			v.add(joinPath(p, "MaxAttempts"), "must be in [0, %d], not %d", MaxRetryValue, *r.MaxAttempts)
		}
		if r.IntervalSeconds != nil && (*r.IntervalSeconds < 1 || *r.IntervalSeconds > MaxRetryValue) {
			v.add(joinPath(p, "IntervalSeconds"), "must be in [1, %d], not %d", MaxRetryValue, *r.IntervalSeconds)
		}
		if r.BackoffRate != nil && *r.BackoffRate < 1.0 {
			v.add(joinPath(p, "BackoffRate"), "must be at least 1.0, not %g", *r.BackoffRate)
		}
		if r.MaxDelaySeconds != nil && (*r.MaxDelaySeconds < 1 || *r.MaxDelaySeconds > MaxDelaySecondsLimit) {
			v.add(joinPath(p, "MaxDelaySeconds"), "must be in [1, %d], not %d", MaxDelaySecondsLimit, *r.MaxDelaySeconds)
		}
		if r.JitterStrategy != "" && r.JitterStrategy != JitterFull && r.JitterStrategy != JitterNone {
			v.add(joinPath(p, "JitterStrategy"), "must be %s or %s, not %q", JitterFull, JitterNone, r.JitterStrategy)
		}
	}
	for i, c := range catch {
		p := indexPath(joinPath(path, "Catch"), i)
		v.errorEquals(p, c.ErrorEquals, i == len(catch)-1, "Catcher")
		v.target(sc, p, "Next", c.Next)
	}
}

func (v *validator) wait(path string, s *WaitState) {
	var set []string
	if s.Seconds != nil {
		set = append(set, "Seconds")
		switch {
		case *s.Seconds < 0:
			v.add(joinPath(path, "Seconds"), "must not be negative, not %d", *s.Seconds)
		case *s.Seconds > MaxWaitSeconds:
			v.add(joinPath(path, "Seconds"), "must be at most %d, not %d", MaxWaitSeconds, *s.Seconds)
		}
	}
	if s.SecondsPath != "" {
		set = append(set, "SecondsPath")
	}
	if s.Timestamp != "" {
		set = append(set, "Timestamp")
		if _, err := time.Parse(time.RFC3339, s.Timestamp); err != nil {
			v.add(joinPath(path, "Timestamp"), "%q is not an RFC 3339 timestamp", s.Timestamp)
		}
	}
	if s.TimestampPath != "" {
		set = append(set, "TimestampPath")
	}
	if len(set) != 1 {
		v.add(path, "a Wait state needs exactly one of Seconds, SecondsPath, Timestamp and TimestampPath, found %d%s", len(set), listed(set))
	}
}

func listed(names []string) string {
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// template checks a payload template (Parameters, ResultSelector,
// ItemSelector, BatchInput): its size, as payload does, and the spec's rule
// that "a JSON object MUST NOT have duplicate field names after fields
// ending with the characters ".$" are renamed to strip the ".$" suffix".
func (v *validator) template(path, field string, value any) {
	v.payload(path, field, value)
	v.duplicateFields(joinPath(path, field), value)
}

func (v *validator) duplicateFields(path string, value any) {
	switch x := value.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if plain, ok := strings.CutSuffix(k, ".$"); ok {
				if _, dup := x[plain]; dup {
					v.add(joinPath(path, k), "duplicates field %q once the \".$\" suffix is stripped", plain)
				}
			}
			v.duplicateFields(joinPath(path, k), x[k])
		}
	case []any:
		for i, e := range x {
			v.duplicateFields(indexPath(path, i), e)
		}
	}
}
