package operate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/smithy-go"
)

// Error codes the command line explains instead of passing on raw.
var (
	expiredCodes  = map[string]bool{"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true, "TokenRefreshRequired": true}
	throttleCodes = map[string]bool{"ThrottlingException": true, "Throttling": true, "TooManyRequestsException": true, "SlowDown": true, "RequestLimitExceeded": true}
)

// ErrExpiredCredentials is wrapped by Explain for an expired session token.
var ErrExpiredCredentials = errors.New("AWS credentials have expired: refresh them (e.g. `aws sso login`, or new session credentials in the environment) and run the command again")

// ErrNoCredentials is what Explain returns when the SDK found no AWS
// credentials at all: one sentence saying how to give some, instead of the
// SDK's chain of every provider it tried.
var ErrNoCredentials = errors.New("no AWS credentials found: sign in with `aws sso login` or `aws configure` (or set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), then run the command again; for this machine's local pipeline use --local DIR instead")

// ErrNoExecution is wrapped by Explain for an unknown execution ARN.
var ErrNoExecution = errors.New("no execution")

// Explain turns the AWS errors a user can act on into messages that say
// what to do; what names the call's subject (an execution ARN, a state
// machine). Other errors are returned as they are. Throttling reaches here
// only after the SDK's retryer used up its attempts.
func Explain(err error, what string) error {
	if err == nil {
		return nil
	}
	if noCredentials(err) {
		return ErrNoCredentials
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return err
	}
	code := ae.ErrorCode()
	switch {
	case code == "ExecutionDoesNotExist":
		return fmt.Errorf("%w %s: check the ARN, and that the target (--stack-outputs or --local) and region are the ones it ran in", ErrNoExecution, what)
	case code == "StateMachineDoesNotExist":
		return fmt.Errorf("no state machine %s: is the stack deployed (pulumi up) and are the stack outputs current?", what)
	case code == "InvalidArn":
		return fmt.Errorf("%s is not a valid ARN: %s", what, ae.ErrorMessage())
	case expiredCodes[code]:
		return fmt.Errorf("%w (%s)", ErrExpiredCredentials, code)
	case throttleCodes[code]:
		var me *retry.MaxAttemptsError
		if errors.As(err, &me) {
			return fmt.Errorf("AWS kept throttling %s after %d attempts: wait a minute and retry: %w", what, me.Attempt, err)
		}
		return fmt.Errorf("AWS throttled %s: wait a minute and retry: %w", what, err)
	}
	return err
}

// noCredentials reports an error of signing a request without
// credentials: the SDK's default chain found none (no environment
// variables, profile, SSO session or instance role).
func noCredentials(err error) bool {
	var se *v4.SigningError
	if errors.As(err, &se) && strings.Contains(se.Error(), "failed to retrieve credentials") {
		return true
	}
	// Clients resolving an identity (the SDK's newer auth path) say
	// "get identity: get credentials: failed to refresh cached
	// credentials, ...", with no type of their own to match.
	msg := err.Error()
	return strings.Contains(msg, "get credentials: failed to refresh cached credentials") ||
		strings.Contains(msg, "failed to retrieve credentials")
}
