package operate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// StackOutputs are the stack outputs the command line uses, as `pulumi stack
// output --json` prints them (main.go stackOutputs). Other keys are ignored.
type StackOutputs struct {
	GenerateStateMachineArn string `json:"generateStateMachineArn"`
	SimulateStateMachineArn string `json:"simulateStateMachineArn"`
	DataBucketName          string `json:"dataBucketName"`
	ActivityArn             string `json:"activityArn,omitempty"`
	ClusterName             string `json:"clusterName,omitempty"`
	ServiceName             string `json:"serviceName,omitempty"`
	// Compute is the stack's compute variant (workflow.Computes); older
	// stacks lack it (see ComputeVariant).
	Compute              string `json:"compute,omitempty"`
	FunctionName         string `json:"functionName,omitempty"`         // compute lambda
	FunctionArn          string `json:"functionArn,omitempty"`          // compute lambda
	AutoScalingGroupName string `json:"autoScalingGroupName,omitempty"` // compute ec2-spot
}

// ComputeVariant is the stack's compute variant: its compute output, else
// what the other outputs say (a function: lambda; an Auto Scaling group:
// ec2-spot), else fargate-spot, the component's default.
func (o StackOutputs) ComputeVariant() string {
	switch {
	case o.Compute != "":
		return o.Compute
	case o.FunctionName != "" || o.FunctionArn != "":
		return workflow.ComputeLambda
	case o.AutoScalingGroupName != "":
		return workflow.ComputeEC2Spot
	}
	return workflow.ComputeFargateSpot
}

// requiredOutputs are the keys every verb needs.
var requiredOutputs = []string{"generateStateMachineArn", "simulateStateMachineArn", "dataBucketName"}

// ParseStackOutputs reads the JSON object of `pulumi stack output --json`.
// It fails naming every required key that is missing, empty or not a
// string, and says what the file should hold.
func ParseStackOutputs(data []byte) (StackOutputs, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return StackOutputs{}, fmt.Errorf("stack outputs are not a JSON object (want the output of `pulumi stack output --json`): %w", err)
	}
	var missing []string
	for _, k := range requiredOutputs {
		var s string
		if v, ok := raw[k]; !ok || json.Unmarshal(v, &s) != nil || s == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return StackOutputs{}, fmt.Errorf("stack outputs lack %s (want the output of `pulumi stack output --json` of a MonteCarloPipeline stack)", strings.Join(missing, ", "))
	}
	var out StackOutputs
	if err := json.Unmarshal(data, &out); err != nil {
		return StackOutputs{}, fmt.Errorf("stack outputs: %w", err)
	}
	return out, nil
}

// ReadStackOutputs reads stack outputs from path, or from stdin when path
// is "-".
func ReadStackOutputs(path string, stdin io.Reader) (StackOutputs, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return StackOutputs{}, fmt.Errorf("read stack outputs: %w", err)
	}
	out, err := ParseStackOutputs(data)
	if err != nil {
		return StackOutputs{}, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	return out, nil
}

func displayPath(p string) string {
	if p == "-" {
		return "stdin"
	}
	return p
}

// EndpointsFile is where a running local runtime describes itself, relative
// to its data directory: `montecarlo local` writes it, `--local DIR` reads it.
const EndpointsFile = ".montecarlo/endpoints.json"

// LocalEndpoints is the content of EndpointsFile: the loopback endpoints of
// the local Step Functions and S3, and the same outputs a deployed stack
// has, so every verb works the same against both.
type LocalEndpoints struct {
	// StepFunctionsURL and S3URL are base URLs, e.g. http://127.0.0.1:8083.
	StepFunctionsURL string `json:"stepFunctionsUrl"`
	S3URL            string `json:"s3Url"`
	// Region is the region of the local ARNs.
	Region  string       `json:"region"`
	Outputs StackOutputs `json:"outputs"`
	// PID is the local runtime's process id, for messages only.
	PID int `json:"pid,omitempty"`
}

// WriteLocalEndpoints writes e to dir/EndpointsFile atomically (a reader
// never sees half a file).
func WriteLocalEndpoints(dir string, e LocalEndpoints) error {
	if err := e.validate(); err != nil {
		return fmt.Errorf("write local endpoints: %w", err)
	}
	path := filepath.Join(dir, EndpointsFile)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("write local endpoints: %w", err)
	}
	data, _ := json.MarshalIndent(e, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(path), ".endpoints-*.json")
	if err != nil {
		return fmt.Errorf("write local endpoints: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("write local endpoints: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write local endpoints: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write local endpoints: %w", err)
	}
	return nil
}

// RemoveLocalEndpoints deletes dir/EndpointsFile, as a local runtime does
// when it stops; a missing file is not an error.
func RemoveLocalEndpoints(dir string) error {
	err := os.Remove(filepath.Join(dir, EndpointsFile))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove local endpoints: %w", err)
	}
	return nil
}

// ReadLocalEndpoints reads dir/EndpointsFile.
func ReadLocalEndpoints(dir string) (LocalEndpoints, error) {
	path := filepath.Join(dir, EndpointsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return LocalEndpoints{}, fmt.Errorf("no local runtime in %s: %s does not exist (start one with `montecarlo local --serve --data-dir %s`)", dir, path, dir)
	}
	if err != nil {
		return LocalEndpoints{}, fmt.Errorf("read local endpoints: %w", err)
	}
	var e LocalEndpoints
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&e); err != nil {
		return LocalEndpoints{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := e.validate(); err != nil {
		return LocalEndpoints{}, fmt.Errorf("%s: %w", path, err)
	}
	return e, nil
}

func (e LocalEndpoints) validate() error {
	var missing []string
	for k, v := range map[string]string{"stepFunctionsUrl": e.StepFunctionsURL, "s3Url": e.S3URL, "region": e.Region,
		"outputs.generateStateMachineArn": e.Outputs.GenerateStateMachineArn, "outputs.simulateStateMachineArn": e.Outputs.SimulateStateMachineArn,
		"outputs.dataBucketName": e.Outputs.DataBucketName} {
		if v == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("local endpoints lack %s", strings.Join(missing, ", "))
	}
	for _, u := range []struct{ key, url string }{{"stepFunctionsUrl", e.StepFunctionsURL}, {"s3Url", e.S3URL}} {
		if !isLoopbackURL(u.url) {
			return fmt.Errorf("local endpoints: %s %q must be an http URL on a loopback address (127.0.0.1, ::1 or localhost)", u.key, u.url)
		}
	}
	return nil
}

// isLoopbackURL reports whether raw is an http(s) URL whose host is a
// loopback address. A local target gets static credentials and path-style
// S3 requests: they must never leave the machine, whatever the file says.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// TargetOptions say where the pipeline is: exactly one of StackOutputs (a
// file or "-") and LocalDir.
type TargetOptions struct {
	StackOutputs string
	LocalDir     string
	Stdin        io.Reader
	// Region overrides the region read from the state machine ARNs.
	Region string
	// MaxAttempts bounds the SDK's attempts per call (throttling and
	// transient errors are retried with backoff); 0 means 8.
	MaxAttempts int
	// MaxBackoff caps the delay between attempts; 0 means 20 s.
	MaxBackoff time.Duration
}

// Target is a deployed or local pipeline and the clients to operate it.
type Target struct {
	Outputs StackOutputs
	Region  string
	Local   bool
	SFN     *sfn.Client
	S3      *s3.Client
}

// Connect resolves the target and builds its clients. Against AWS it uses
// the SDK's default chain (environment, shared config and SSO, the
// container or instance role) in the region of the state machines; against
// a local runtime, its loopback endpoints and static local credentials.
func Connect(ctx context.Context, o TargetOptions) (*Target, error) {
	switch {
	case o.StackOutputs != "" && o.LocalDir != "":
		return nil, errors.New("give either --stack-outputs or --local, not both")
	case o.StackOutputs == "" && o.LocalDir == "":
		return nil, errors.New("no target: give --stack-outputs FILE (`pulumi stack output --json > FILE`, or - for stdin) or --local DIR (a running `montecarlo local`)")
	}
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = o.MaxAttempts
			if so.MaxAttempts == 0 {
				so.MaxAttempts = 8
			}
			so.MaxBackoff = o.MaxBackoff
			if so.MaxBackoff == 0 {
				so.MaxBackoff = 20 * time.Second
			}
		})
	}
	if o.LocalDir != "" {
		e, err := ReadLocalEndpoints(o.LocalDir)
		if err != nil {
			return nil, err
		}
		cfg := aws.Config{
			Region:      e.Region,
			Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
			Retryer:     retryer,
		}
		return &Target{
			Outputs: e.Outputs, Region: e.Region, Local: true,
			SFN: sfn.NewFromConfig(cfg, func(so *sfn.Options) { so.BaseEndpoint = aws.String(e.StepFunctionsURL) }),
			S3: s3.NewFromConfig(cfg, func(so *s3.Options) {
				so.BaseEndpoint = aws.String(e.S3URL)
				so.UsePathStyle = true
			}),
		}, nil
	}
	outs, err := ReadStackOutputs(o.StackOutputs, o.Stdin)
	if err != nil {
		return nil, err
	}
	region := o.Region
	if region == "" {
		region = arnRegion(outs.SimulateStateMachineArn)
	}
	opts := []func(*config.LoadOptions) error{config.WithRetryer(retryer)}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &Target{Outputs: outs, Region: cfg.Region, SFN: sfn.NewFromConfig(cfg), S3: s3.NewFromConfig(cfg)}, nil
}

// arnRegion returns the region field of an ARN, or "".
func arnRegion(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[3]
}

// LocalEndpointsFor describes a local runtime that serves the workflows of
// cfg (with its ARNs) at the given loopback URLs: what the runtime passes
// to WriteLocalEndpoints.
func LocalEndpointsFor(cfg workflow.Config, stepFunctionsURL, s3URL string) LocalEndpoints {
	return LocalEndpoints{
		StepFunctionsURL: stepFunctionsURL, S3URL: s3URL, Region: cfg.Region, PID: os.Getpid(),
		Outputs: StackOutputs{
			GenerateStateMachineArn: cfg.StateMachineArn(cfg.GenerateStateMachineName),
			SimulateStateMachineArn: cfg.StateMachineArn(cfg.SimulateStateMachineName),
			DataBucketName:          cfg.DataBucket, ActivityArn: cfg.ActivityArn,
			ClusterName: cfg.ClusterName, ServiceName: cfg.ServiceName,
			Compute: cfg.Compute, FunctionArn: cfg.FunctionArn, FunctionName: functionName(cfg.FunctionArn),
		},
	}
}

// functionName is the name in a Lambda function ARN
// (arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]), or "".
func functionName(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) < 7 || parts[0] != "arn" || parts[5] != "function" {
		return ""
	}
	return parts[6]
}
