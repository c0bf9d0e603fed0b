package workflow

import (
	"fmt"
	"strings"
)

// Statement is one IAM policy statement, with the policy language's field
// names, so a list of them marshals into a policy document's "Statement".
type Statement struct {
	Sid      string   `json:"Sid"`
	Effect   string   `json:"Effect"`
	Action   []string `json:"Action"`
	Resource []string `json:"Resource"`
	// Condition is the statement's condition block (operator -> key ->
	// value or values); nil for none.
	Condition map[string]map[string]any `json:"Condition,omitempty"`
}

// StateMachineStatements returns what the role of one workflow's state
// machine (WorkflowGenerate, WorkflowSimulate or WorkflowCleanup) must be allowed to do for
// the definition this package builds: no wildcard action, every resource
// scoped. It is derived from the same config as the definition, so the two
// cannot drift. Not included: CloudWatch Logs delivery and X-Ray, which
// depend on how the component configures logging; and buckets other than
// Config.DataBucket that an execution input names (inputBucket), which
// need their own grant.
//
// Sources: IAM policies for Distributed Map states (StartExecution on the
// machine itself, DescribeExecution and StopExecution on its child
// executions, s3:GetObject for ItemReader objects, s3:ListBucket for
// listObjectsV2, s3:PutObject and multipart calls for ResultWriter),
// https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html;
// RedriveExecution on the child executions, which a redriven parent
// redrives ("Redriving Map Runs", IAM permissions to redrive a Map Run).
// The Lambda flavour gets lambda:InvokeFunction on Config.FunctionArn
// instead of the ECS statement, and has no cleanup (ErrNoCleanup).
// Reads of Config.DataBucket stay under the prefixes the workers read
// (datasets/, runs/, scratch/): input elsewhere could not be simulated.
func (c Config) StateMachineStatements(workflow string) ([]Statement, error) {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return nil, err
	}
	allow := func(sid string, actions []string, resources ...string) Statement {
		return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: resources}
	}
	guard := allow("GuardListRunningExecutions", []string{"states:ListExecutions"},
		c.StateMachineArn(c.GenerateStateMachineName), c.StateMachineArn(c.SimulateStateMachineName))
	if workflow == WorkflowCleanup {
		if c.IsLambda() {
			return nil, ErrNoCleanup
		}
		// The cleanup lists both machines' runs and scales in; it neither
		// describes the service nor touches S3.
		return []Statement{guard, allow("ScaleInWorkerService", []string{"ecs:UpdateService"}, c.ServiceArn())}, nil
	}
	var own string
	var readRoots []string // where in the data bucket the ItemReader reads
	switch workflow {
	case WorkflowGenerate:
		own, readRoots = c.GenerateStateMachineName, []string{datasetsRoot}
	case WorkflowSimulate:
		own, readRoots = c.SimulateStateMachineName, workerReadRoots
	default:
		return nil, fmt.Errorf("workflow: statements for %q: want %q, %q or %q", workflow, WorkflowGenerate, WorkflowSimulate, WorkflowCleanup)
	}
	bucket := fmt.Sprintf("arn:%s:s3:::%s", c.Partition, c.DataBucket)
	// The ResultWriter writes under RunMapResultPrefix or
	// DatasetMapResultPrefix, both under ScratchPrefix.
	writePrefix := scratchRunsRoot
	if workflow == WorkflowGenerate {
		writePrefix = scratchDatasetsRoot
	}
	// The workers: the ECS service the machine scales, or the function
	// every task invokes. lambda:InvokeFunction on the function's ARN as
	// configured, and on its qualified forms (":*": versions and aliases)
	// only when the ARN is unqualified, as the Step Functions IAM examples
	// for the optimized Lambda integration grant it
	// (https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html).
	workers := allow("ScaleWorkerService", []string{"ecs:DescribeServices", "ecs:UpdateService"}, c.ServiceArn())
	if c.IsLambda() {
		fns := []string{c.FunctionArn}
		if strings.Count(c.FunctionArn, ":") == 6 {
			fns = append(fns, c.FunctionArn+":*")
		}
		workers = allow("InvokeWorkerFunction", []string{"lambda:InvokeFunction"}, fns...)
	}
	st := []Statement{
		guard,
		workers,
		allow("StartMapChildren", []string{"states:StartExecution"}, c.StateMachineArn(own)),
		allow("ManageMapChildren", []string{"states:DescribeExecution", "states:RedriveExecution", "states:StopExecution"},
			fmt.Sprintf("arn:%s:states:%s:%s:execution:%s/*", c.Partition, c.Region, c.AccountID, own)),
	}
	objects := make([]string, 0, len(readRoots))
	prefixes := make([]any, 0, len(readRoots))
	for _, r := range readRoots {
		objects = append(objects, bucket+"/"+r+"*")
		prefixes = append(prefixes, r+"*")
	}
	st = append(st, allow("ReadItems", []string{"s3:GetObject"}, objects...))
	if workflow == WorkflowSimulate {
		// listObjectsV2 sends the input prefix as s3:prefix.
		list := allow("ListItems", []string{"s3:ListBucket"}, bucket)
		list.Condition = map[string]map[string]any{"StringLike": {"s3:prefix": prefixes}}
		st = append(st, list)
	}
	st = append(st, allow("WriteMapResults",
		[]string{"s3:AbortMultipartUpload", "s3:GetObject", "s3:ListMultipartUploadParts", "s3:PutObject"},
		bucket+"/"+writePrefix+"*"))
	return st, nil
}

// workerReadRoots are the data bucket prefixes the workers may read (the
// component's task role): Simulate input in the data bucket must lie under
// one of them for its batches to be read, so the Simulate ItemReader needs
// no more of the data bucket than that.
var workerReadRoots = []string{datasetsRoot, runsRoot, ScratchPrefix}

// ServiceArn returns the ARN of the worker ECS service (the long ARN format,
// which names the cluster).
func (c Config) ServiceArn() string {
	p := c.Partition
	if p == "" {
		p = DefaultPartition
	}
	cluster := c.ClusterName
	if i := strings.LastIndex(cluster, "cluster/"); i >= 0 {
		cluster = cluster[i+len("cluster/"):]
	}
	return fmt.Sprintf("arn:%s:ecs:%s:%s:service/%s/%s", p, c.Region, c.AccountID, cluster, c.ServiceName)
}
