package component

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/program"
)

// The descriptions in the schema, and so in every generated SDK. They have
// one source each, and descriptions_test.go keeps the copies here equal to it:
//
//   - an input that is a stack config key: the key's description in
//     program.ConfigKeys (the one Pulumi.yaml and the README are generated
//     from), read at run time, unless InputDescriptions overrides it;
//   - the other inputs and the outputs: the Go doc comment of the field in
//     components/pipeline.go, its leading Go name replaced by the schema name.

// ComponentDescription describes the component resource.
const ComponentDescription = "The Monte Carlo loan-default simulation pipeline: a VPC (or yours), a data bucket, the worker image, Fargate Spot workers on ECS and the Generate, Simulate and cleanup Step Functions state machines. Every input is optional; unset means the documented default."

// InputDescriptions are the inputs that are not config keys (from the Go doc
// comments), and namePrefix, whose config default (montecarlo-<stack>) is
// the program's, not the component's.
var InputDescriptions = map[string]string{
	"namePrefix":   fmt.Sprintf("namePrefix names the deterministic physical resources: the state machines are \"<namePrefix>-generate\", \"<namePrefix>-simulate\" and \"<namePrefix>-cleanup\". Default: the component name. Lowercase letters, digits and hyphens, starting with a letter, at most %d characters (so every derived name is valid for S3, ECR, ECS, IAM and Step Functions).", components.MaxNamePrefixLength),
	"buildContext": "buildContext is the Docker build context. Default \".\", the repository root when `pulumi up` runs there.",
	"dockerfile":   "dockerfile is the Dockerfile path. Default \"<buildContext>/Dockerfile\".",
	"tags":         "tags are added to every taggable resource.",
	"retry":        "retry is the Retry of every activity task on a lost worker (States.Timeout, States.HeartbeatTimeout) and on S3 throttling or I/O (S3.SlowDown, S3.IO); unset fields take their defaults.",
}

// RetryDescriptions describe the RetryPolicy type ("") and its fields.
var RetryDescriptions = map[string]string{
	"":                "The Step Functions Retry of every activity task on a lost worker (States.Timeout, States.HeartbeatTimeout) and on S3 throttling or I/O (S3.SlowDown, S3.IO).",
	"maxAttempts":     "Retries after the first attempt. Default 3.",
	"intervalSeconds": "Seconds before the first retry. Default 10.",
	"backoffRate":     "Multiplier of the interval at each retry. Default 2.",
	"maxDelaySeconds": "Longest interval between retries. Default 120.",
}

// OutputDescriptions describe the component's outputs.
var OutputDescriptions = map[string]string{
	"generateStateMachineArn":     "generateStateMachineArn is the ARN of the Generate workflow.",
	"simulateStateMachineArn":     "simulateStateMachineArn is the ARN of the Simulate workflow.",
	"activityArn":                 "activityArn is the activity the workers poll.",
	"dataBucketName":              "dataBucketName holds loans, manifests and run results.",
	"inputBucketName":             "inputBucketName is where input loans are read from.",
	"clusterName":                 "clusterName is the ECS cluster of the workers.",
	"serviceName":                 "serviceName is the ECS service the workflows scale out and in.",
	"imageUri":                    "imageUri is the worker image, pinned by digest.",
	"repositoryUrl":               "repositoryUrl is the ECR repository (empty with a prebuilt image).",
	"logGroupName":                "logGroupName is the workers' log group.",
	"stateMachineLogGroupName":    "stateMachineLogGroupName is the state machines' log group.",
	"vpcId":                       "vpcId is the VPC the workers run in.",
	"subnetIds":                   "subnetIds are the private subnets of the workers.",
	"workerSecurityGroupId":       "workerSecurityGroupId is the workers' security group.",
	"taskRoleArn":                 "taskRoleArn is the role the worker code runs as.",
	"executionRoleArn":            "executionRoleArn is the role ECS uses to pull the image and write logs.",
	"stateMachineRoleArn":         "stateMachineRoleArn is the role the Simulate state machine runs as (the output's name predates one role per state machine, when both workflows shared it).",
	"generateStateMachineRoleArn": "generateStateMachineRoleArn is the role the Generate state machine runs as. Each state machine has its own role, which may start, stop and redrive only its own executions.",
	"compute":                     "compute is the compute variant: \"fargate-spot\", \"lambda\" or \"ec2-spot\". The outputs of the other variants are empty strings (with lambda: activityArn, clusterName, serviceName, logGroupName, taskRoleArn, executionRoleArn, cleanupStateMachineArn, and the network's without LambdaVpc; without ec2-spot: autoScalingGroupName, capacityProviderName, instanceRoleArn).",
	"functionName":                "functionName is the worker function's name (lambda).",
	"functionArn":                 "functionArn is the worker function's ARN (lambda).",
	"functionRoleArn":             "functionRoleArn is the role the worker function runs as (lambda).",
	"functionLogGroupName":        "functionLogGroupName is the function's log group (lambda), /aws/lambda/<functionName>.",
	"autoScalingGroupName":        "autoScalingGroupName is the group of Spot instances the workers run on (ec2-spot); Workers.NotStarted names it.",
	"capacityProviderName":        "capacityProviderName is the ECS capacity provider on that group (ec2-spot).",
	"instanceRoleArn":             "instanceRoleArn is the role of the container instances, what the ECS agent needs (ec2-spot).",
	"cleanupStateMachineArn":      "cleanupStateMachineArn is the ARN of the cleanup state machine, which an EventBridge rule starts when a run ends ABORTED, TIMED_OUT or FAILED: it scales the workers in unless another run is in progress. Start it by hand (input {}) to stop workers left running.",
}

// InputDescription is the description of the input named name.
func InputDescription(name string) string {
	if d, ok := InputDescriptions[name]; ok {
		return d
	}
	for _, k := range program.ConfigKeys {
		if k.Name == name {
			return k.Description
		}
	}
	panic("component: input " + name + " has no description")
}
