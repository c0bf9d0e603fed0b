package components

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

const policyVersion = "2012-10-17"

// PolicyDocument is an IAM policy, built as a Go value and marshalled with
// encoding/json so no policy is ever assembled by string concatenation.
type PolicyDocument struct {
	Version   string      `json:"Version"`
	Statement []Statement `json:"Statement"`
}

// Statement is one IAM policy statement.
type Statement struct {
	Sid       string         `json:"Sid,omitempty"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    []string       `json:"Action"`
	Resource  []string       `json:"Resource,omitempty"`
	Condition Condition      `json:"Condition,omitempty"`
}

// Condition is an IAM condition block: operator -> key -> value(s).
type Condition map[string]map[string]any

// JSON marshals the document.
func (d PolicyDocument) JSON() (string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return "", fmt.Errorf("marshal policy: %w", err)
	}
	return string(b), nil
}

// WildcardResourceActions are the only actions granted on Resource "*",
// each with the reason AWS leaves no narrower resource. Tests assert that
// every Allow on "*" uses only these actions.
var WildcardResourceActions = map[string]string{
	// ECR: GetAuthorizationToken returns a registry-wide token and supports
	// no resource-level permissions (Service Authorization Reference,
	// Amazon ECR; ECS "task execution IAM role").
	"ecr:GetAuthorizationToken": "registry-wide token; no resource-level permissions",
	// Step Functions logging goes through CloudWatch Logs vended-log
	// delivery, whose APIs support only "*" (Step Functions developer guide,
	// "Logging using CloudWatch Logs", IAM policies for logging).
	"logs:CreateLogDelivery":        "vended log delivery API; resource \"*\" only",
	"logs:GetLogDelivery":           "vended log delivery API; resource \"*\" only",
	"logs:UpdateLogDelivery":        "vended log delivery API; resource \"*\" only",
	"logs:DeleteLogDelivery":        "vended log delivery API; resource \"*\" only",
	"logs:ListLogDeliveries":        "vended log delivery API; resource \"*\" only",
	"logs:PutResourcePolicy":        "vended log delivery writes the log group resource policy; resource \"*\" only",
	"logs:DescribeResourcePolicies": "vended log delivery reads resource policies; resource \"*\" only",
	"logs:DescribeLogGroups":        "vended log delivery checks the destination; resource \"*\" only",
	"xray:PutTraceSegments":         "X-Ray has no resource-level permissions (Step Functions guide, X-Ray IAM policies)",
	"xray:PutTelemetryRecords":      "X-Ray has no resource-level permissions",
	"xray:GetSamplingRules":         "X-Ray has no resource-level permissions",
	"xray:GetSamplingTargets":       "X-Ray has no resource-level permissions",
	// A worker function in a VPC (compute lambda with LambdaVpc): Lambda
	// creates and deletes the function's network interfaces as its role,
	// with the actions of AWSLambdaVPCAccessExecutionRole, which grants them
	// on "*" (Lambda developer guide, "Giving Lambda functions access to
	// resources in an Amazon VPC": DescribeNetworkInterfaces only works on
	// all resources, and the interfaces' IDs are Lambda's, unknown before).
	"ec2:CreateNetworkInterface":     "Lambda VPC networking: the interface is created by Lambda with an ID unknown in advance (AWSLambdaVPCAccessExecutionRole)",
	"ec2:DescribeNetworkInterfaces":  "Lambda VPC networking: only works on resource \"*\" (Lambda developer guide)",
	"ec2:DescribeSubnets":            "Lambda VPC networking: Describe* actions support no resource-level permissions",
	"ec2:DeleteNetworkInterface":     "Lambda VPC networking: interfaces created by Lambda, IDs unknown in advance (AWSLambdaVPCAccessExecutionRole)",
	"ec2:AssignPrivateIpAddresses":   "Lambda VPC networking: on Lambda's own interfaces (AWSLambdaVPCAccessExecutionRole)",
	"ec2:UnassignPrivateIpAddresses": "Lambda VPC networking: on Lambda's own interfaces (AWSLambdaVPCAccessExecutionRole)",
	// The ECS agent on a container instance (compute ec2-spot) asks where
	// to poll before it has a container instance ARN; the action supports
	// no resource-level permissions (Service Authorization Reference,
	// Amazon ECS: DiscoverPollEndpoint has no resource type).
	"ecs:DiscoverPollEndpoint": "ECS agent: finds its poll endpoint before registering; no resource-level permissions",
}

// wildcardStatement builds an Allow on "*" for allow-listed actions only.
func wildcardStatement(sid string, actions ...string) Statement {
	for _, a := range actions {
		if WildcardResourceActions[a] == "" {
			panic(fmt.Sprintf("components: action %s is not on WildcardResourceActions", a))
		}
	}
	return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: []string{"*"}}
}

// assumeRolePolicy lets an AWS service assume a role, only on behalf of this
// account (confused-deputy protection with aws:SourceAccount).
func assumeRolePolicy(service, accountID string) PolicyDocument {
	return PolicyDocument{
		Version: policyVersion,
		Statement: []Statement{{
			Effect:    "Allow",
			Principal: map[string]any{"Service": service},
			Action:    []string{"sts:AssumeRole"},
			Condition: Condition{"StringEquals": {"aws:SourceAccount": accountID}},
		}},
	}
}

// objectArns returns bucket/prefix* ARNs for each prefix.
func objectArns(bucketArn string, prefixes []string) []string {
	out := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		out = append(out, bucketArn+"/"+p+"*")
	}
	return out
}

// prefixPatterns returns the s3:prefix condition values for prefixes.
func prefixPatterns(prefixes []string) []string {
	out := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		out = append(out, p+"*")
	}
	return out
}

// bucketAccess describes the S3 a role may touch.
type bucketAccess struct {
	dataBucketArn  string
	inputBucketArn string // equal to dataBucketArn unless an input bucket was brought
	kmsKeyArn      string // empty with SSE-S3
}

func (b bucketAccess) separateInput() bool { return b.inputBucketArn != b.dataBucketArn }

// readStatements grants reading loans and run objects: the whole brought
// input bucket (it is the user's dataset) and the data bucket's prefixes.
//
// ListBucket on the data bucket carries no s3:prefix condition, on purpose.
// S3 answers a GetObject or HeadObject of a missing key with 404 NoSuchKey
// only to a caller allowed s3:ListBucket on the bucket, and with 403
// AccessDenied to any other (S3 API Reference, GetObject and HeadObject,
// "Permissions"). A GetObject or HeadObject request carries no s3:prefix,
// so a ListBucket conditioned on s3:prefix never counts for it: the
// workers would see 403 where generate, prepare's resume, readPartial and
// aggregate expect "not found". Listing reveals only key names, and every
// key the workers could name is under a prefix they may already read; the
// objects themselves stay readable only under WritablePrefixes (ReadData).
func (b bucketAccess) readStatements() []Statement {
	st := []Statement{
		{Sid: "ReadData", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: objectArns(b.dataBucketArn, WritablePrefixes)},
		{Sid: "ListData", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{b.dataBucketArn}},
	}
	if b.separateInput() {
		st = append(st,
			Statement{Sid: "ReadInput", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{b.inputBucketArn + "/*"}},
			Statement{Sid: "ListInput", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{b.inputBucketArn}},
		)
	}
	return st
}

// writeStatements grants writing (and aborting multipart uploads of) the
// given prefixes of the data bucket.
func (b bucketAccess) writeStatements(prefixes []string) []Statement {
	return []Statement{{
		Sid: "WriteData", Effect: "Allow",
		Action:   []string{"s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
		Resource: objectArns(b.dataBucketArn, prefixes),
	}}
}

func (b bucketAccess) kmsStatements() []Statement {
	if b.kmsKeyArn == "" {
		return nil
	}
	return []Statement{{
		Sid: "UseDataKey", Effect: "Allow",
		Action:   []string{"kms:Decrypt", "kms:GenerateDataKey"},
		Resource: []string{b.kmsKeyArn},
	}}
}

// taskRolePolicy is what the worker code may do: take and answer tasks of
// its one activity, read its input, write its prefixes.
func taskRolePolicy(activityArn string, b bucketAccess) PolicyDocument {
	st := []Statement{{
		Sid:    "ActivityWorker",
		Effect: "Allow",
		Action: []string{
			"states:GetActivityTask",
			"states:SendTaskSuccess",
			"states:SendTaskFailure",
			"states:SendTaskHeartbeat",
		},
		Resource: []string{activityArn},
	}}
	st = append(st, b.readStatements()...)
	st = append(st, b.writeStatements(WritablePrefixes)...)
	st = append(st, b.kmsStatements()...)
	return PolicyDocument{Version: policyVersion, Statement: st}
}

// executionRolePolicy is what ECS itself needs to start a worker: pull the
// image from its one repository and write to the workers' log group.
func executionRolePolicy(repositoryArn, logGroupArn string) PolicyDocument {
	st := []Statement{
		wildcardStatement("EcrLogin", "ecr:GetAuthorizationToken"),
		{
			Sid: "LogsWrite", Effect: "Allow",
			Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
			Resource: []string{logGroupArn + ":log-stream:*"},
		},
	}
	if repositoryArn != "" {
		st = append(st, Statement{
			Sid: "EcrPull", Effect: "Allow",
			Action:   []string{"ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"},
			Resource: []string{repositoryArn},
		})
	}
	return PolicyDocument{Version: policyVersion, Statement: st}
}

// stateMachineArns are the two state machines' ARNs, built from their fixed
// names so each policy can name both before either exists.
type stateMachineArns struct {
	generate, simulate string
}

func (a stateMachineArns) all() []string { return []string{a.generate, a.simulate} }

// stateMachineRolePolicy is what the state machine of one workflow
// (workflow.WorkflowGenerate, WorkflowSimulate or WorkflowCleanup) may do.
// Each state machine has its own role, so Generate cannot start, stop or
// redrive Simulate's executions and the reverse (DESIGN.md: the state
// machine role may update its one service and start its own child
// executions). The grants its definition needs come from
// workflow.Config.StateMachineStatements, derived from the same config as
// the definition, so the two cannot drift. Added here is only what the
// component knows: CloudWatch Logs vended delivery and X-Ray (how logging
// and tracing are configured), the bucket's KMS key for the ItemReader and
// ResultWriter of Generate and Simulate, and read access to a brought input
// bucket for Simulate, the only workflow that reads input loans.
func stateMachineRolePolicy(cfg workflow.Config, flow string, b bucketAccess, tracing bool) (PolicyDocument, error) {
	derived, err := cfg.StateMachineStatements(flow)
	if err != nil {
		return PolicyDocument{}, fmt.Errorf("%s state machine role: %w", flow, err)
	}
	st := make([]Statement, 0, len(derived)+5)
	for _, d := range derived {
		st = append(st, Statement{
			Sid: d.Sid, Effect: d.Effect, Action: d.Action, Resource: d.Resource,
			Condition: Condition(d.Condition),
		})
	}
	if flow != workflow.WorkflowCleanup {
		// The Map Run's ItemReader and ResultWriter read and write
		// SSE-KMS objects as this role.
		st = append(st, b.kmsStatements()...)
	}
	if flow == workflow.WorkflowSimulate && b.separateInput() {
		// The Simulate ItemReader reads the manifest or lists the prefix
		// an execution input names in the brought bucket (RunInput.InputBucket).
		st = append(st,
			Statement{Sid: "ReadInput", Effect: "Allow", Action: []string{"s3:GetObject"}, Resource: []string{b.inputBucketArn + "/*"}},
			Statement{Sid: "ListInput", Effect: "Allow", Action: []string{"s3:ListBucket"}, Resource: []string{b.inputBucketArn}},
		)
	}
	st = append(st, stateMachineObservability(tracing)...)
	return PolicyDocument{Version: policyVersion, Statement: st}, nil
}

// stateMachineObservability lets a state machine deliver its logs to
// CloudWatch Logs and, with tracing, its traces to X-Ray.
func stateMachineObservability(tracing bool) []Statement {
	st := []Statement{wildcardStatement("LogDelivery",
		"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
		"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups")}
	if tracing {
		st = append(st, wildcardStatement("XRay",
			"xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"))
	}
	return st
}

// cleanupTriggerPolicy is what EventBridge may do with the rule's role:
// start executions of the cleanup state machine and nothing else
// (EventBridge user guide, "Step Functions state machine target": the role
// needs states:StartExecution on the state machine).
func cleanupTriggerPolicy(cleanupArn string) PolicyDocument {
	return PolicyDocument{Version: policyVersion, Statement: []Statement{{
		Sid: "StartCleanup", Effect: "Allow",
		Action:   []string{"states:StartExecution"},
		Resource: []string{cleanupArn},
	}}}
}

// newRole creates a role the given service assumes, with one inline policy.
// The returned resource is the policy, so dependants can wait for the
// permissions, not just the role. opts (e.g. aliases) apply to both.
func newRole(ctx *pulumi.Context, name, service string, env environment, s settings, policy pulumi.StringInput, parent pulumi.ResourceOrInvokeOption, opts ...pulumi.ResourceOption) (*iam.Role, *iam.RolePolicy, error) {
	opts = append([]pulumi.ResourceOption{parent}, opts...)
	trust, err := assumeRolePolicy(service, env.accountID).JSON()
	if err != nil {
		return nil, nil, err
	}
	role, err := iam.NewRole(ctx, name, &iam.RoleArgs{
		AssumeRolePolicy: pulumi.String(trust),
		Tags:             tagMap(s),
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	rp, err := iam.NewRolePolicy(ctx, name, &iam.RolePolicyArgs{
		Role:   role.ID(),
		Policy: policy,
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	return role, rp, nil
}
