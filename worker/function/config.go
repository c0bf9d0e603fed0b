package function

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// Config is the function's configuration, from the environment Lambda
// passes: what the ECS worker reads but the activity's settings (no
// activity, no polling, no heartbeats: Lambda runs one invocation per
// instance at a time, and the state machine waits for its response).
type Config struct {
	Region        string     // AWS_REGION, set by Lambda
	DataBucket    string     // DATA_BUCKET (optional)
	FunctionName  string     // AWS_LAMBDA_FUNCTION_NAME, set by Lambda: the worker's name in logs
	S3Concurrency int        // S3_CONCURRENCY: parallel S3 transfers per invocation
	LogLevel      slog.Level // LOG_LEVEL
}

// Defaults and limits, as the ECS worker's (workerconfig).
const (
	DefaultS3Concurrency = 8
	MaxS3Concurrency     = 64
)

// LoadConfig reads the configuration from environ ("KEY=value") and
// reports every problem at once, each naming the variable.
func LoadConfig(environ []string) (Config, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = strings.TrimSpace(v)
		}
	}
	var errs []error
	c := Config{
		Region: env["AWS_REGION"], DataBucket: env["DATA_BUCKET"], FunctionName: env["AWS_LAMBDA_FUNCTION_NAME"],
		S3Concurrency: DefaultS3Concurrency,
	}
	if c.Region == "" {
		errs = append(errs, errors.New("AWS_REGION is not set (Lambda sets it)"))
	}
	if v := env["S3_CONCURRENCY"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxS3Concurrency {
			errs = append(errs, fmt.Errorf("S3_CONCURRENCY = %q: want 1..%d", v, MaxS3Concurrency))
		} else {
			c.S3Concurrency = n
		}
	}
	if v := env["LOG_LEVEL"]; v != "" {
		if err := c.LogLevel.UnmarshalText([]byte(v)); err != nil {
			errs = append(errs, fmt.Errorf("LOG_LEVEL = %q: want debug, info, warn or error", v))
		}
	}
	return c, errors.Join(errs...)
}

// Logger returns the JSON logger the function writes to w (CloudWatch
// Logs collects stdout).
func (c Config) Logger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: c.LogLevel})).With("worker", c.FunctionName)
}
