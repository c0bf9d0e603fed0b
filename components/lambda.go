package components

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// FunctionArchitecture is the worker function's architecture: the image is
// built for ImagePlatform (linux/amd64) only.
const FunctionArchitecture = "x86_64"

// FunctionName is the fixed name of the worker function for a name prefix
// (compute lambda). It is fixed so that its log group, /aws/lambda/<name>,
// can be created, with a retention, before the function first runs: Lambda
// would otherwise create the group itself, never expiring.
func FunctionName(prefix string) string { return prefix + "-worker" }

// function is what the rest of the component needs from the worker
// function.
type function struct {
	name         pulumi.StringOutput
	arn          pulumi.StringOutput // unqualified
	roleArn      pulumi.StringOutput
	logGroupName pulumi.StringOutput
}

// newFunction deploys the worker image the component built (or was given)
// as a container-image Lambda function (compute lambda): x86_64, memory,
// timeout and reserved concurrency from the settings, its own role, its
// own log group with the stack's retention, and a VPC only when asked
// (then the private subnets and the workers' security group, which reach
// S3 through the gateway endpoint).
//
// The timeout is workflow.Config.FunctionTimeoutSeconds of the same
// deployment (workflowConfig), so the control tasks wait as long as the
// function may run and the batch tasks (sized by the workflow from the
// measured kernel) fit in it: resolveSettings refuses a timeout shorter
// than a batch task's.
func newFunction(ctx *pulumi.Context, name string, s settings, env environment, net *network, store *storage, img *image, parent pulumi.ResourceOrInvokeOption) (*function, error) {
	fnName := FunctionName(s.prefix)
	logs, err := cloudwatch.NewLogGroup(ctx, name+"-function", &cloudwatch.LogGroupArgs{
		Name:            pulumi.String("/aws/lambda/" + fnName),
		RetentionInDays: pulumi.Int(s.logRetentionDays),
		Tags:            tagMap(s),
	}, parent)
	if err != nil {
		return nil, err
	}

	access := bucketAccessOutput(env, store)
	policy := pulumi.All(logs.Arn, access).ApplyT(func(v []any) (string, error) {
		return functionRolePolicy(v[0].(string), v[1].(bucketAccess), s.lambdaVpc).JSON()
	}).(pulumi.StringOutput)
	role, rolePolicy, err := newRole(ctx, name+"-function", "lambda.amazonaws.com", env, s, policy, parent)
	if err != nil {
		return nil, err
	}

	args := &lambda.FunctionArgs{
		Name:          pulumi.String(fnName),
		Description:   pulumi.String("Monte Carlo worker (compute lambda): the state machines invoke it with one task's input"),
		PackageType:   pulumi.String("Image"),
		ImageUri:      img.uri, // pinned by digest (parseECRImage)
		Architectures: pulumi.StringArray{pulumi.String(FunctionArchitecture)},
		Role:          role.Arn,
		MemorySize:    pulumi.Int(s.lambdaMemoryMB),
		Timeout:       pulumi.Int(s.lambdaTimeout),
		// -1 removes a reservation (pulumi-aws: reservedConcurrentExecutions).
		ReservedConcurrentExecutions: pulumi.Int(s.lambdaReserved),
		Environment: lambda.FunctionEnvironmentArgs{Variables: pulumi.StringMap{
			EnvDataBucket: store.dataBucket,
			EnvLogLevel:   pulumi.String(s.workerLogLevel),
			// The worker names its role when S3 refuses a read.
			EnvTaskRoleArn: role.Arn,
		}},
		Tags: tagMap(s),
	}
	if s.lambdaVpc {
		args.VpcConfig = lambda.FunctionVpcConfigArgs{
			SubnetIds:        net.subnetIDs,
			SecurityGroupIds: pulumi.StringArray{net.workerSecurityGroupID},
		}
	}
	// Creation checks the role can write logs and, in a VPC, create its
	// network interfaces: wait for the policy, and for the group, so Lambda
	// never creates one without a retention.
	deps := []pulumi.Resource{rolePolicy, logs}
	if img.pull != nil {
		deps = append(deps, img.pull)
	}
	fn, err := lambda.NewFunction(ctx, name+"-worker", args, parent, pulumi.DependsOn(deps))
	if err != nil {
		return nil, err
	}
	return &function{name: fn.Name, arn: fn.Arn, roleArn: role.Arn, logGroupName: logs.Name}, nil
}

// functionRolePolicy is what the worker function may do: the task role's
// S3 (read its input and the data bucket's prefixes, write WritablePrefixes)
// and KMS, write its own log group, and, in a VPC, manage the network
// interfaces Lambda attaches (the AWSLambdaVPCAccessExecutionRole actions).
// There is no activity statement: the state machines invoke the function
// and take its response.
func functionRolePolicy(logGroupArn string, b bucketAccess, inVpc bool) PolicyDocument {
	st := []Statement{{
		Sid: "LogsWrite", Effect: "Allow",
		Action:   []string{"logs:CreateLogStream", "logs:PutLogEvents"},
		Resource: []string{logGroupArn + ":log-stream:*"},
	}}
	st = append(st, b.readStatements()...)
	st = append(st, b.writeStatements(WritablePrefixes)...)
	st = append(st, b.kmsStatements()...)
	if inVpc {
		st = append(st, wildcardStatement("VpcNetworkInterfaces",
			"ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
			"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"))
	}
	return PolicyDocument{Version: policyVersion, Statement: st}
}
