package sfnlocal

import (
	"errors"
	"fmt"
	"net/http"
)

// APIError is an error of the Step Functions API: Code is the exception
// name the SDKs map to typed errors (e.g. "ExecutionDoesNotExist"), sent as
// {"__type": Code, "message": Message} with HTTP status Status.
type APIError struct {
	Code    string
	Message string
	Status  int
}

// Error renders "Code: Message".
func (e *APIError) Error() string { return e.Code + ": " + e.Message }

// ErrorCode returns the exception name, as smithy.APIError does.
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage returns the message, as smithy.APIError does.
func (e *APIError) ErrorMessage() string { return e.Message }

func apiErr(code, format string, args ...any) *APIError {
	return &APIError{Code: code, Message: fmt.Sprintf(format, args...), Status: http.StatusBadRequest}
}

// IsAPIError reports whether err is an *APIError with the given code.
func IsAPIError(err error, code string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Code == code
}

// Exception names used by the service
// (https://docs.aws.amazon.com/step-functions/latest/apireference/CommonErrors.html
// and each action's Errors section).
const (
	codeActivityDoesNotExist     = "ActivityDoesNotExist"
	codeExecutionDoesNotExist    = "ExecutionDoesNotExist"
	codeExecutionAlreadyExists   = "ExecutionAlreadyExists"
	codeExecutionNotRedrivable   = "ExecutionNotRedrivable"
	codeStateMachineDoesNotExist = "StateMachineDoesNotExist"
	codeStateMachineExists       = "StateMachineAlreadyExists"
	codeInvalidArn               = "InvalidArn"
	codeInvalidDefinition        = "InvalidDefinition"
	codeInvalidName              = "InvalidName"
	codeInvalidExecutionInput    = "InvalidExecutionInput"
	codeInvalidOutput            = "InvalidOutput"
	codeInvalidToken             = "InvalidToken"
	codeTaskDoesNotExist         = "TaskDoesNotExist"
	codeTaskTimedOut             = "TaskTimedOut"
	codeResourceNotFound         = "ResourceNotFound"
	codeValidation               = "ValidationException"
	codeUnknownOperation         = "UnknownOperationException"
	codeSerialization            = "SerializationException"
)
