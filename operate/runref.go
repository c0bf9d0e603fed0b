package operate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// A run is named on the command line by its run id (the simulate
// execution's name, e.g. simulate-20261121T201500Z-3fa9) or by an
// execution ARN; every verb takes either.

// IsExecutionArn reports whether ref is a Step Functions execution ARN
// (arn:PARTITION:states:REGION:ACCOUNT:execution:MACHINE:NAME).
func IsExecutionArn(ref string) bool {
	parts := strings.Split(ref, ":")
	return len(parts) == 8 && parts[0] == "arn" && parts[2] == "states" && parts[5] == "execution" && parts[7] != ""
}

// executionName is the last field of an execution ARN.
func executionName(arn string) string { return arn[strings.LastIndex(arn, ":")+1:] }

// ResolveRunID returns the run id ref names: ref itself when it is a run
// id; for an execution ARN, the runId of its output (a resumed execution,
// "-r1", reports under the run it resumed) or else its name. c may be nil
// (no Step Functions to ask, as when reading a local data directory): an
// ARN then gives its name.
func ResolveRunID(ctx context.Context, c SFNAPI, ref string) (string, error) {
	if !IsExecutionArn(ref) {
		if !workflow.ValidName(ref) {
			return "", fmt.Errorf("%q is neither a run id (1 to 80 characters from A-Z a-z 0-9 . _ -) nor an execution ARN", ref)
		}
		return ref, nil
	}
	name := executionName(ref)
	if c == nil {
		return name, nil
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(ref)})
	if err != nil {
		return "", fmt.Errorf("describe execution: %w", Explain(err, ref))
	}
	var out struct {
		RunID string `json:"runId"`
	}
	if json.Unmarshal([]byte(aws.ToString(d.Output)), &out) == nil && out.RunID != "" {
		return out.RunID, nil
	}
	return name, nil
}

// ResolveExecution returns the execution ARN ref names: ref itself when it
// is an ARN; for a run id, the execution of that name in the simulate
// state machine, else the generate one. When the run was resumed or
// restarted (executions named RUN-r1, RUN-r2, ... by Redrive) it is the
// latest of them, the one still doing the run's work.
func ResolveExecution(ctx context.Context, c SFNAPI, outs StackOutputs, ref string) (string, error) {
	if IsExecutionArn(ref) {
		return ref, nil
	}
	if !workflow.ValidName(ref) {
		return "", fmt.Errorf("%q is neither a run id (1 to 80 characters from A-Z a-z 0-9 . _ -) nor an execution ARN", ref)
	}
	for _, machine := range []string{outs.SimulateStateMachineArn, outs.GenerateStateMachineArn} {
		arn, ok := executionArnOf(machine, ref)
		if !ok {
			continue
		}
		found, err := executionExists(ctx, c, arn)
		if err != nil {
			return "", err
		}
		if !found {
			continue
		}
		for n := 1; n < 100; n++ {
			next, _ := executionArnOf(machine, retryName(ref, n))
			more, err := executionExists(ctx, c, next)
			if err != nil {
				return "", err
			}
			if !more {
				break
			}
			arn = next
		}
		return arn, nil
	}
	return "", fmt.Errorf("%w named %s in the simulate or generate state machine: check the run id (montecarlo run prints it), and that the target (--stack-outputs or --local) and region are the ones it ran in", ErrNoExecution, ref)
}

// executionArnOf is the ARN of execution name of the state machine
// machineArn (arn:...:stateMachine:MACHINE).
func executionArnOf(machineArn, name string) (string, bool) {
	parts := strings.Split(machineArn, ":")
	if len(parts) != 7 || parts[5] != "stateMachine" {
		return "", false
	}
	parts[5] = "execution"
	return strings.Join(append(parts, name), ":"), true
}

func executionExists(ctx context.Context, c SFNAPI, arn string) (bool, error) {
	_, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err == nil {
		return true, nil
	}
	if err := Explain(err, arn); errors.Is(err, ErrNoExecution) {
		return false, nil
	} else {
		return false, fmt.Errorf("describe execution: %w", err)
	}
}

// DirObjects reads a local data directory's objects straight from its
// files (DIR/BUCKET/KEY), for reading the results of a finished
// `montecarlo local` when no local runtime serves them. It is an S3API.
type DirObjects struct{ Dir string }

func (d DirObjects) path(bucket, key *string) (string, error) {
	k := aws.ToString(key)
	for _, seg := range strings.Split(k, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", fmt.Errorf("key %q: not a plain path", k)
		}
	}
	return filepath.Join(d.Dir, aws.ToString(bucket), filepath.FromSlash(k)), nil
}

// GetObject opens the object's file; a missing file is S3's NoSuchKey.
func (d DirObjects) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	p, err := d.path(in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &s3types.NoSuchKey{Message: aws.String(p + " does not exist")}
	}
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(f), ContentLength: aws.Int64(fi.Size()), LastModified: aws.Time(fi.ModTime())}, nil
}

// HeadObject stats the object's file; a missing file is S3's NotFound.
func (d DirObjects) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	p, err := d.path(in.Bucket, in.Key)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, &s3types.NotFound{Message: aws.String(p + " does not exist")}
	}
	if err != nil {
		return nil, err
	}
	return &s3.HeadObjectOutput{ContentLength: aws.Int64(fi.Size()), LastModified: aws.Time(fi.ModTime())}, nil
}

// LocalRuntimeUp reports whether dir holds the endpoints file of a local
// runtime whose process is still alive. A runtime killed outright (SIGKILL,
// a closed pipe) leaves its file behind; its results are plain files then.
func LocalRuntimeUp(dir string) bool {
	e, err := ReadLocalEndpoints(dir)
	if err != nil {
		return false
	}
	if e.PID <= 0 {
		return true
	}
	p, err := os.FindProcess(e.PID)
	return err == nil && p.Signal(syscall.Signal(0)) == nil
}
