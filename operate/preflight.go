package operate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	"github.com/aws/aws-sdk-go-v2/service/ecr"
	ecrtypes "github.com/aws/aws-sdk-go-v2/service/ecr/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// The clients preflight uses, as the small interfaces the checks call (the
// SDK clients satisfy them; tests fake them in-process or serve the AWS
// protocols on loopback).
type (
	// PreflightSTS answers who the credentials are.
	PreflightSTS interface {
		GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	}
	// PreflightQuotas reads the Fargate vCPU quotas.
	PreflightQuotas interface {
		GetServiceQuota(context.Context, *servicequotas.GetServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetServiceQuotaOutput, error)
		GetAWSDefaultServiceQuota(context.Context, *servicequotas.GetAWSDefaultServiceQuotaInput, ...func(*servicequotas.Options)) (*servicequotas.GetAWSDefaultServiceQuotaOutput, error)
	}
	// PreflightIAM looks up the ECS service-linked role.
	PreflightIAM interface {
		GetRole(context.Context, *iam.GetRoleInput, ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	}
	// PreflightECR looks up the worker image.
	PreflightECR interface {
		DescribeImages(context.Context, *ecr.DescribeImagesInput, ...func(*ecr.Options)) (*ecr.DescribeImagesOutput, error)
	}
	// PreflightECS reads the workers' service and task definition.
	PreflightECS interface {
		DescribeServices(context.Context, *ecs.DescribeServicesInput, ...func(*ecs.Options)) (*ecs.DescribeServicesOutput, error)
		DescribeTaskDefinition(context.Context, *ecs.DescribeTaskDefinitionInput, ...func(*ecs.Options)) (*ecs.DescribeTaskDefinitionOutput, error)
	}
	// PreflightSFN looks up the state machines and the activity.
	PreflightSFN interface {
		DescribeStateMachine(context.Context, *sfn.DescribeStateMachineInput, ...func(*sfn.Options)) (*sfn.DescribeStateMachineOutput, error)
		DescribeActivity(context.Context, *sfn.DescribeActivityInput, ...func(*sfn.Options)) (*sfn.DescribeActivityOutput, error)
	}
	// PreflightS3 looks up the data bucket.
	PreflightS3 interface {
		HeadBucket(context.Context, *s3.HeadBucketInput, ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	}
)

// PreflightClients are the clients of one target. The local runtime has
// only SFN and S3; its other checks are skipped. Lambda (compute lambda)
// and AutoScaling (compute ec2-spot) are used by those variants only.
type PreflightClients struct {
	STS         PreflightSTS
	Quotas      PreflightQuotas
	IAM         PreflightIAM
	ECR         PreflightECR
	ECS         PreflightECS
	SFN         PreflightSFN
	S3          PreflightS3
	Lambda      PreflightLambda
	AutoScaling PreflightAutoScaling
}

// PreflightOutputs are the stack outputs preflight reads: those of
// StackOutputs plus the image and the cleanup state machine.
type PreflightOutputs struct {
	StackOutputs
	ImageURI               string `json:"imageUri,omitempty"`
	CleanupStateMachineArn string `json:"cleanupStateMachineArn,omitempty"`
}

// Check statuses.
const (
	CheckOK        = "ok"
	CheckProblem   = "problem"
	CheckUnchecked = "unchecked" // could not be checked (no access, not given); says how to check by hand
	CheckSkipped   = "skipped"   // does not apply to this target
)

// Preflight quota codes (service code "fargate"): the vCPUs of all the
// account's running Fargate Spot and on-demand tasks in a region, as
// Service Quotas lists them (ListServiceQuotas --service-code fargate).
const (
	FargateServiceCode       = "fargate"
	FargateSpotVCPUQuota     = "L-36FBB829" // Fargate Spot vCPU resource count
	FargateOnDemandVCPUQuota = "L-3032A538" // Fargate On-Demand vCPU resource count
	// EC2ServiceCode and EC2SpotVCPUQuota are the quota the instances of
	// compute ec2-spot count against (Service Quotas, service code "ec2").
	EC2ServiceCode   = "ec2"
	EC2SpotVCPUQuota = "L-34B43A08"
	EC2SpotQuotaName = "All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests"
)

// ECSServiceLinkedRole is the role ECS needs to create a service's network
// interfaces; a brand-new account has none until ECS or someone creates it,
// and the first `pulumi up` then fails with "Unable to assume the service
// linked role" (ECS developer guide, "Using service-linked roles for
// Amazon ECS").
const ECSServiceLinkedRole = "AWSServiceRoleForECS"

// CreateECSServiceLinkedRole is the command that creates it.
const CreateECSServiceLinkedRole = "aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com"

// Check is the result of one preflight check.
type Check struct {
	Name   string `json:"name"`
	Status string `json:"status"`
	// Detail is a sentence: what was found, or what is wrong.
	Detail string `json:"detail"`
	// Fix is the command that fixes a problem (or checks by hand).
	Fix string `json:"fix,omitempty"`
}

// PreflightReport is every check of one target, in order.
type PreflightReport struct {
	Target   string  `json:"target"` // "aws", "aws (no stack)" or "local"
	Region   string  `json:"region,omitempty"`
	Account  string  `json:"account,omitempty"`
	Checks   []Check `json:"checks"`
	Problems int     `json:"problems"`
}

// OK reports whether no check found a problem.
func (r PreflightReport) OK() bool { return r.Problems == 0 }

func (r *PreflightReport) add(c Check) {
	if c.Status == CheckProblem {
		r.Problems++
	}
	r.Checks = append(r.Checks, c)
}

// PreflightOptions say what to check and where.
type PreflightOptions struct {
	// StackOutputs (a file, or "-" for Stdin) or LocalDir, or neither: then
	// only the account checks run (credentials, region, service-linked
	// role, quota), e.g. before the first `pulumi up`.
	StackOutputs string
	LocalDir     string
	Stdin        io.Reader
	// Region overrides the region of the stack's state machines (required
	// without stack outputs unless the AWS configuration has one).
	Region string
	// WorkerCount and TaskCPU (CPU units, 1024 = 1 vCPU) size the quota
	// check; zero means "from the deployed stack" (the Simulate state
	// machine's scale-out and the service's task definition).
	WorkerCount int
	TaskCPU     int
	// EndpointURL sends every AWS call to one loopback URL (tests and
	// emulators). Anything but loopback is refused.
	EndpointURL string
	MaxAttempts int
	MaxBackoff  time.Duration
}

// PreflightTarget is a resolved target: its outputs, region and clients.
type PreflightTarget struct {
	Outputs PreflightOutputs
	// HasOutputs is false when no stack outputs were given.
	HasOutputs bool
	Local      bool
	Region     string
	// ConfiguredRegion is the AWS configuration's region before the
	// stack's region was applied ("" when none).
	ConfiguredRegion string
	Clients          PreflightClients
}

// ConnectPreflight resolves the target of a preflight and builds its
// clients: for a local runtime its loopback Step Functions and S3; for AWS
// the SDK's default credential chain in the region of the stack's state
// machines (or opts.Region).
func ConnectPreflight(ctx context.Context, o PreflightOptions) (*PreflightTarget, error) {
	if o.StackOutputs != "" && o.LocalDir != "" {
		return nil, errors.New("give either --stack-outputs or --local, not both")
	}
	if o.EndpointURL != "" && !isLoopbackURL(o.EndpointURL) {
		return nil, fmt.Errorf("--endpoint-url %q must be an http URL on a loopback address", o.EndpointURL)
	}
	if o.LocalDir != "" {
		t, err := Connect(ctx, TargetOptions{LocalDir: o.LocalDir, MaxAttempts: o.MaxAttempts, MaxBackoff: o.MaxBackoff})
		if err != nil {
			return nil, err
		}
		return &PreflightTarget{
			Outputs: PreflightOutputs{StackOutputs: t.Outputs}, HasOutputs: true, Local: true, Region: t.Region,
			Clients: PreflightClients{SFN: t.SFN, S3: t.S3},
		}, nil
	}
	pt := &PreflightTarget{}
	if o.StackOutputs != "" {
		outs, err := readPreflightOutputs(o.StackOutputs, o.Stdin)
		if err != nil {
			return nil, err
		}
		pt.Outputs, pt.HasOutputs = outs, true
	}
	retryer := func() aws.Retryer {
		return retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = max(o.MaxAttempts, 0)
			if so.MaxAttempts == 0 {
				so.MaxAttempts = 4
			}
			so.MaxBackoff = o.MaxBackoff
			if so.MaxBackoff <= 0 {
				so.MaxBackoff = 5 * time.Second
			}
		})
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryer(retryer))
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	pt.ConfiguredRegion = cfg.Region
	switch {
	case o.Region != "":
		cfg.Region = o.Region
	case pt.HasOutputs && arnRegion(pt.Outputs.SimulateStateMachineArn) != "":
		cfg.Region = arnRegion(pt.Outputs.SimulateStateMachineArn)
	}
	pt.Region = cfg.Region
	pt.Clients = NewPreflightClients(cfg, o.EndpointURL)
	return pt, nil
}

// NewPreflightClients builds the SDK clients from cfg; a non-empty
// endpoint sends every call there (path-style for S3).
func NewPreflightClients(cfg aws.Config, endpoint string) PreflightClients {
	var ep *string
	if endpoint != "" {
		ep = aws.String(endpoint)
	}
	return PreflightClients{
		STS:    sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = ep }),
		Quotas: servicequotas.NewFromConfig(cfg, func(o *servicequotas.Options) { o.BaseEndpoint = ep }),
		IAM:    iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = ep }),
		ECR:    ecr.NewFromConfig(cfg, func(o *ecr.Options) { o.BaseEndpoint = ep }),
		ECS:    ecs.NewFromConfig(cfg, func(o *ecs.Options) { o.BaseEndpoint = ep }),
		SFN:    sfn.NewFromConfig(cfg, func(o *sfn.Options) { o.BaseEndpoint = ep }),
		S3: s3.NewFromConfig(cfg, func(o *s3.Options) {
			o.BaseEndpoint = ep
			o.UsePathStyle = ep != nil
		}),
		Lambda:      lambda.NewFromConfig(cfg, func(o *lambda.Options) { o.BaseEndpoint = ep }),
		AutoScaling: autoscaling.NewFromConfig(cfg, func(o *autoscaling.Options) { o.BaseEndpoint = ep }),
	}
}

// readPreflightOutputs reads `pulumi stack output --json` once (stdin can be
// read only once) and decodes both the common and the preflight outputs.
func readPreflightOutputs(path string, stdin io.Reader) (PreflightOutputs, error) {
	var data []byte
	var err error
	if path == "-" {
		if stdin == nil {
			stdin = os.Stdin
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return PreflightOutputs{}, fmt.Errorf("read stack outputs: %w", err)
	}
	common, err := ParseStackOutputs(data)
	if err != nil {
		return PreflightOutputs{}, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	var out PreflightOutputs
	if err := json.Unmarshal(data, &out); err != nil {
		return PreflightOutputs{}, fmt.Errorf("%s: %w", displayPath(path), err)
	}
	out.StackOutputs = common
	return out, nil
}

// Preflight runs every check that applies to t and returns the report; an
// error is returned only when the checks could not run at all (a cancelled
// context). Problems are in the report, each with the command that fixes it.
func Preflight(ctx context.Context, t *PreflightTarget, o PreflightOptions) (PreflightReport, error) {
	r := PreflightReport{Target: "aws", Region: t.Region}
	if t.Local {
		r.Target = "local"
	} else if !t.HasOutputs {
		r.Target = "aws (no stack)"
	}
	c := t.Clients
	outs := t.Outputs

	// Credentials and region.
	stackAccount, stackRegion := arnAccount(outs.SimulateStateMachineArn), arnRegion(outs.SimulateStateMachineArn)
	if t.Local {
		r.add(Check{Name: "credentials", Status: CheckOK, Detail: "local runtime: static credentials on loopback only"})
	} else if region := checkRegion(t, stackRegion); t.Region == "" {
		// Without a region no AWS call can be made (the SDK resolves every
		// endpoint, STS's too, from it).
		r.add(Check{Name: "credentials", Status: CheckUnchecked, Detail: "not checked: no AWS region to call STS in",
			Fix: "aws sts get-caller-identity --region REGION"})
		r.add(region)
		return r, ctx.Err()
	} else {
		r.add(checkCredentials(ctx, c.STS, stackAccount, &r))
		r.add(region)
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}

	// Account-level prerequisites of the first deployment, and the
	// workers. Without stack outputs the compute is unknown: the checks are
	// fargate-spot's, the component's default.
	compute := workflow.ComputeFargateSpot
	if t.HasOutputs {
		compute = outs.ComputeVariant()
	}
	switch {
	case t.Local:
		for _, name := range []string{"ecs-service-linked-role", "fargate-vcpu-quota", "image"} {
			r.add(Check{Name: name, Status: CheckSkipped, Detail: "the local runtime runs its workers as processes on this machine"})
		}
		if compute == workflow.ComputeLambda {
			preflightLambdaFunction(ctx, &r, t, o)
		}
	case compute == workflow.ComputeLambda:
		// The function runs the stack's image (imageUri).
		preflightLambdaFunction(ctx, &r, t, o)
		r.add(checkImage(ctx, c.ECR, outs.ImageURI, t.Region))
	default:
		r.add(checkServiceLinkedRole(ctx, c.IAM))
		svc := describeWorkerService(ctx, c.ECS, outs)
		if t.HasOutputs {
			r.add(svc.check)
		}
		var group workerGroup
		if compute == workflow.ComputeEC2Spot {
			group = describeWorkerGroup(ctx, c.AutoScaling, outs.AutoScalingGroupName, t.Region)
			r.add(group.check)
		}
		for _, q := range checkQuota(ctx, c, t, o, svc, group) {
			r.add(q)
		}
		if t.HasOutputs {
			r.add(checkImage(ctx, c.ECR, outs.ImageURI, t.Region))
		}
	}
	if err := ctx.Err(); err != nil {
		return r, err
	}

	// What the stack deployed.
	if t.HasOutputs {
		for _, sm := range []struct{ name, arn string }{
			{"generate", outs.GenerateStateMachineArn},
			{"simulate", outs.SimulateStateMachineArn},
			{"cleanup", outs.CleanupStateMachineArn},
		} {
			if sm.arn == "" {
				if sm.name == "cleanup" && !t.Local {
					r.add(Check{Name: "state-machine:cleanup", Status: CheckUnchecked,
						Detail: "the stack outputs have no cleanupStateMachineArn", Fix: "pulumi stack output --json > FILE (with a current stack)"})
				}
				continue
			}
			r.add(checkStateMachine(ctx, c.SFN, sm.name, sm.arn, t.Local))
		}
		if compute == workflow.ComputeLambda {
			r.add(Check{Name: "activity", Status: CheckSkipped, Detail: "compute lambda has no activity: the state machines invoke the function"})
		} else {
			r.add(checkActivity(ctx, c.SFN, outs.ActivityArn, t.Local))
		}
		r.add(checkBucket(ctx, c.S3, outs.DataBucketName, t.Local))
	}
	return r, ctx.Err()
}

// fixDeploy is the fix for anything the stack should have created.
func fixDeploy(local bool) string {
	if local {
		return "montecarlo local --serve --data-dir DIR (restart the local runtime), then run preflight again"
	}
	return "pulumi up (then refresh the outputs: pulumi stack output --json > FILE)"
}

func checkCredentials(ctx context.Context, api PreflightSTS, stackAccount string, r *PreflightReport) Check {
	out, err := api.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		detail := "no usable AWS credentials: " + shortError(err)
		fix := "aws sso login (or aws configure, or export AWS_PROFILE=<profile>)"
		if code := errorCode(err); expiredCodes[code] {
			detail = "the AWS credentials have expired (" + code + ")"
			fix = "aws sso login (or new session credentials in the environment)"
		}
		return Check{Name: "credentials", Status: CheckProblem, Detail: detail, Fix: fix}
	}
	r.Account = aws.ToString(out.Account)
	if stackAccount != "" && r.Account != stackAccount {
		return Check{Name: "credentials", Status: CheckProblem,
			Detail: fmt.Sprintf("the credentials are of account %s (%s) but the stack is in account %s", r.Account, aws.ToString(out.Arn), stackAccount),
			Fix:    "export AWS_PROFILE=<a profile of account " + stackAccount + "> (aws configure list-profiles lists them)"}
	}
	return Check{Name: "credentials", Status: CheckOK, Detail: fmt.Sprintf("account %s as %s", r.Account, aws.ToString(out.Arn))}
}

func checkRegion(t *PreflightTarget, stackRegion string) Check {
	switch {
	case t.Region == "":
		return Check{Name: "region", Status: CheckProblem, Detail: "no AWS region: none is configured and no stack outputs name one",
			Fix: "export AWS_REGION=<region> (or --region REGION, or aws configure set region REGION)"}
	case stackRegion != "" && t.Region != stackRegion:
		return Check{Name: "region", Status: CheckProblem,
			Detail: fmt.Sprintf("--region %s, but the stack's state machines are in %s", t.Region, stackRegion),
			Fix:    "drop --region, or give --region " + stackRegion}
	case stackRegion != "" && t.ConfiguredRegion != "" && t.ConfiguredRegion != stackRegion:
		return Check{Name: "region", Status: CheckOK,
			Detail: fmt.Sprintf("%s, the stack's region (the AWS configuration says %s; pulumi config get aws:region says which the stack uses)", t.Region, t.ConfiguredRegion)}
	}
	return Check{Name: "region", Status: CheckOK, Detail: t.Region}
}

// ecrImageRef matches <account>.dkr.ecr.<region>.<suffix>/<repo>@sha256:<hex>.
var ecrImageRef = regexp.MustCompile(`^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.]+/([a-z0-9._/-]+)@(sha256:[a-f0-9]{64})$`)

func checkImage(ctx context.Context, api PreflightECR, uri, region string) Check {
	const name = "image"
	if uri == "" {
		return Check{Name: name, Status: CheckUnchecked, Detail: "the stack outputs have no imageUri", Fix: "pulumi stack output --json > FILE (with a current stack)"}
	}
	m := ecrImageRef.FindStringSubmatch(uri)
	if m == nil {
		return Check{Name: name, Status: CheckProblem, Detail: "imageUri " + uri + " is not an ECR image pinned by digest", Fix: fixDeploy(false)}
	}
	registry, imageRegion, repo, digest := m[1], m[2], m[3], m[4]
	describe := fmt.Sprintf("aws ecr describe-images --registry-id %s --repository-name %s --image-ids imageDigest=%s --region %s", registry, repo, digest, imageRegion)
	if imageRegion != region {
		// The ECR client is the stack region's; the created VPC's endpoints
		// reach only that region's registry, too.
		return Check{Name: name, Status: CheckUnchecked,
			Detail: fmt.Sprintf("the image is in %s, not the stack's region %s: preflight looks only in %s, and workers in the created VPC reach only its region's ECR endpoints", imageRegion, region, region),
			Fix:    describe}
	}
	_, err := api.DescribeImages(ctx, &ecr.DescribeImagesInput{
		RegistryId: aws.String(registry), RepositoryName: aws.String(repo),
		ImageIds: []ecrtypes.ImageIdentifier{{ImageDigest: aws.String(digest)}},
	})
	switch {
	case err == nil:
		return Check{Name: name, Status: CheckOK, Detail: "image " + uri + " is in ECR"}
	case errorCode(err) == "ImageNotFoundException":
		return Check{Name: name, Status: CheckProblem,
			Detail: "the worker image " + digest + " is not in repository " + repo + ": the workers cannot start (CannotPullContainerError)",
			Fix:    "pulumi up (it rebuilds and pushes the image; with a prebuilt montecarlo:image, push that image first)"}
	case errorCode(err) == "RepositoryNotFoundException":
		return Check{Name: name, Status: CheckProblem, Detail: "ECR repository " + repo + " does not exist in account " + registry, Fix: fixDeploy(false)}
	case isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked, Detail: "these credentials may not describe images in " + repo + " (ecr:DescribeImages)", Fix: describe}
	}
	return Check{Name: name, Status: CheckUnchecked, Detail: "could not look up the image: " + shortError(err), Fix: describe}
}

func checkStateMachine(ctx context.Context, api PreflightSFN, which, arn string, local bool) Check {
	name := "state-machine:" + which
	out, err := api.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String(arn)})
	switch {
	case err == nil && out.Status == "ACTIVE":
		return Check{Name: name, Status: CheckOK, Detail: arn + " is active"}
	case err == nil:
		return Check{Name: name, Status: CheckProblem, Detail: fmt.Sprintf("%s is %s", arn, strings.ToLower(string(out.Status))), Fix: fixDeploy(local)}
	case errorCode(err) == "StateMachineDoesNotExist":
		return Check{Name: name, Status: CheckProblem, Detail: "no state machine " + arn, Fix: fixDeploy(local)}
	case isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked, Detail: "these credentials may not describe " + arn + " (states:DescribeStateMachine)",
			Fix: "aws stepfunctions describe-state-machine --state-machine-arn " + arn}
	}
	return Check{Name: name, Status: CheckUnchecked, Detail: "could not describe " + arn + ": " + shortError(err),
		Fix: "aws stepfunctions describe-state-machine --state-machine-arn " + arn}
}

func checkActivity(ctx context.Context, api PreflightSFN, arn string, local bool) Check {
	const name = "activity"
	if arn == "" {
		return Check{Name: name, Status: CheckUnchecked, Detail: "the stack outputs have no activityArn", Fix: "pulumi stack output --json > FILE (with a current stack)"}
	}
	_, err := api.DescribeActivity(ctx, &sfn.DescribeActivityInput{ActivityArn: aws.String(arn)})
	switch {
	case err == nil:
		return Check{Name: name, Status: CheckOK, Detail: arn + " exists"}
	case errorCode(err) == "ActivityDoesNotExist":
		return Check{Name: name, Status: CheckProblem, Detail: "no activity " + arn + ": the workers have nothing to poll", Fix: fixDeploy(local)}
	}
	return Check{Name: name, Status: CheckUnchecked, Detail: "could not describe " + arn + ": " + shortError(err),
		Fix: "aws stepfunctions describe-activity --activity-arn " + arn}
}

func checkBucket(ctx context.Context, api PreflightS3, bucket string, local bool) Check {
	const name = "data-bucket"
	_, err := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	switch {
	case err == nil:
		return Check{Name: name, Status: CheckOK, Detail: "s3://" + bucket + " exists"}
	case httpStatus(err) == http.StatusNotFound || errorCode(err) == "NotFound" || errorCode(err) == "NoSuchBucket":
		return Check{Name: name, Status: CheckProblem, Detail: "no bucket " + bucket, Fix: fixDeploy(local)}
	case isAccessDenied(err):
		return Check{Name: name, Status: CheckUnchecked, Detail: "these credentials may not list s3://" + bucket + " (s3:ListBucket), which `montecarlo run` and `report` need",
			Fix: "aws s3api head-bucket --bucket " + bucket}
	}
	return Check{Name: name, Status: CheckUnchecked, Detail: "could not look up s3://" + bucket + ": " + shortError(err), Fix: "aws s3api head-bucket --bucket " + bucket}
}

// errorCode is the AWS error code of err, or "".
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpStatus(err error) int {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isAccessDenied(err error) bool {
	switch errorCode(err) {
	case "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden":
		return true
	}
	return httpStatus(err) == http.StatusForbidden
}

// shortError is the API's message when there is one, else the error.
func shortError(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if msg := ae.ErrorMessage(); msg != "" {
			return ae.ErrorCode() + ": " + msg
		}
		return ae.ErrorCode()
	}
	return err.Error()
}

// arnAccount returns the account field of an ARN, or "".
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 || parts[0] != "arn" {
		return ""
	}
	return parts[4]
}
