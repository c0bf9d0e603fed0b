package components

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

const (
	testFunctionName = "mc-worker"
	testFunctionArn  = "arn:aws:lambda:eu-west-1:123456789012:function:mc-worker"
)

// lambdaArgs are testArgs with compute lambda.
func lambdaArgs() *MonteCarloPipelineArgs {
	a := testArgs()
	a.Compute = workflow.ComputeLambda
	return a
}

func TestLambdaComputeDeploysTheBuiltImageAsAnX86ContainerFunction(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			m, p := mustDeploy(t, mode.dryRun, lambdaArgs())
			fn := m.one(t, "aws:lambda/function:Function")
			if fn.Str("name") != testFunctionName || fn.Str("packageType") != "Image" {
				t.Errorf("function %q packageType %q, want %s and Image", fn.Str("name"), fn.Str("packageType"), testFunctionName)
			}
			if got := toStrings(fn.Value("architectures")); !slices.Equal(got, []string{"x86_64"}) {
				t.Errorf("architectures = %v, want [x86_64] (the image is built for %s)", got, ImagePlatform)
			}
			if fn.Value("memorySize") != float64(DefaultLambdaMemoryMB) {
				t.Errorf("memorySize = %v, want %d", fn.Value("memorySize"), DefaultLambdaMemoryMB)
			}
			if fn.Value("timeout") != float64(workflow.DefaultFunctionTimeoutSeconds) {
				t.Errorf("timeout = %v, want %d", fn.Value("timeout"), workflow.DefaultFunctionTimeoutSeconds)
			}
			// MaxConcurrency (50 by default with lambda) batches plus one
			// control invocation.
			if want := float64(workflow.DefaultLambdaMaxConcurrency + 1); fn.Value("reservedConcurrentExecutions") != want {
				t.Errorf("reservedConcurrentExecutions = %v, want %v", fn.Value("reservedConcurrentExecutions"), want)
			}
			if fn.Has("vpcConfig") {
				t.Errorf("vpcConfig = %v: no VPC unless LambdaVpc", fn.Value("vpcConfig"))
			}
			for _, dep := range []struct{ typ, name string }{
				{"aws:iam/rolePolicy:RolePolicy", "mc-function"},
				{"aws:cloudwatch/logGroup:LogGroup", "mc-function"},
				{"aws:ecr/repositoryPolicy:RepositoryPolicy", "mc-worker-lambda-pull"},
			} {
				if !dependsOn(fn, dep.typ, dep.name) {
					t.Errorf("function must wait for %s %s; depends on %v", dep.typ, dep.name, fn.Dependencies)
				}
			}
			if mode.dryRun {
				return
			}
			image := awaitString(t, p.ImageURI)
			if fn.Str("imageUri") != image || !strings.HasSuffix(image, "@"+testDigest) {
				t.Errorf("imageUri = %q, want the built image pinned by digest %q", fn.Str("imageUri"), image)
			}
			env, _ := fn.Value("environment").(map[string]any)
			vars, _ := env["variables"].(map[string]any)
			if vars[EnvDataBucket] != "mc-data-a1b2c3d" || vars[EnvTaskRoleArn] != awaitString(t, p.FunctionRoleArn) || vars[EnvLogLevel] != DefaultWorkerLogLevel {
				t.Errorf("environment = %v, want the data bucket, the function's role and the log level", vars)
			}
			if got := awaitString(t, p.FunctionArn); got != testFunctionArn {
				t.Errorf("functionArn = %s, want %s", got, testFunctionArn)
			}
			if got := awaitString(t, p.Compute); got != workflow.ComputeLambda {
				t.Errorf("compute output = %s", got)
			}
		})
	}
}

func TestLambdaSettingsReachTheFunction(t *testing.T) {
	t.Parallel()
	args := lambdaArgs()
	args.LambdaMemoryMB, args.LambdaTimeoutSeconds, args.LambdaReservedConcurrency = 3008, 300, 80
	m, _ := mustDeploy(t, false, args)
	fn := m.one(t, "aws:lambda/function:Function")
	if fn.Value("memorySize") != 3008.0 || fn.Value("timeout") != 300.0 || fn.Value("reservedConcurrentExecutions") != 80.0 {
		t.Errorf("memory %v timeout %v reserved %v, want 3008, 300, 80", fn.Value("memorySize"), fn.Value("timeout"), fn.Value("reservedConcurrentExecutions"))
	}
	// The control tasks wait for the function's timeout (plus the invoke's
	// overhead), so the definition changes with it.
	sim := m.named(t, "aws:sfn/stateMachine:StateMachine", "mc-simulate").Str("definition")
	if !strings.Contains(sim, `"TimeoutSeconds": 330`) {
		t.Errorf("simulate definition has no control task waiting 300 + 30 s:\n%s", sim)
	}

	args = lambdaArgs()
	args.LambdaReservedConcurrency = UnreservedConcurrency
	m, _ = mustDeploy(t, true, args)
	if got := m.one(t, "aws:lambda/function:Function").Value("reservedConcurrentExecutions"); got != -1.0 {
		t.Errorf("reservedConcurrentExecutions = %v, want -1 (unreserved)", got)
	}
}

func TestLambdaFunctionLogsToItsOwnGroupWithTheRetention(t *testing.T) {
	t.Parallel()
	args := lambdaArgs()
	args.LogRetentionDays = 14
	m, _ := mustDeploy(t, false, args)
	g := m.named(t, "aws:cloudwatch/logGroup:LogGroup", "mc-function")
	if g.Str("name") != "/aws/lambda/"+testFunctionName || g.Value("retentionInDays") != 14.0 {
		t.Errorf("function log group %q retention %v, want /aws/lambda/%s and 14", g.Str("name"), g.Value("retentionInDays"), testFunctionName)
	}
	for _, g := range m.byType("aws:cloudwatch/logGroup:LogGroup") {
		if g.Value("retentionInDays") != 14.0 {
			t.Errorf("log group %s retention = %v, want 14", g.Name, g.Value("retentionInDays"))
		}
	}
	pol := rolePolicy(t, m, "mc-function")
	st := pol.statement(t, "LogsWrite")
	want := "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/mc-worker:log-stream:*"
	if !slices.Equal(st.Resource, stringList{want}) || !slices.Equal(st.Action, stringList{"logs:CreateLogStream", "logs:PutLogEvents"}) {
		t.Errorf("LogsWrite = %v on %v, want streams of its own group %s", st.Action, st.Resource, want)
	}
}

func TestLambdaFunctionRoleIsLeastPrivilege(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:kms:eu-west-1:123456789012:key/k"
	for _, tc := range []struct {
		name string
		args func(*MonteCarloPipelineArgs)
	}{
		{"outside a VPC", func(*MonteCarloPipelineArgs) {}},
		{"in a VPC with a KMS key", func(a *MonteCarloPipelineArgs) { a.LambdaVpc = true; a.KmsKeyArn = pulumi.String(key) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := lambdaArgs()
			tc.args(args)
			m, _ := mustDeploy(t, false, args)
			var trust policy
			m.named(t, "aws:iam/role:Role", "mc-function").JSON(t, "assumeRolePolicy", &trust)
			if principal, _ := trust.Statement[0].Principal.(map[string]any); principal["Service"] != "lambda.amazonaws.com" {
				t.Errorf("function role trusts %v, want lambda.amazonaws.com", trust.Statement[0].Principal)
			}
			pol := rolePolicy(t, m, "mc-function")
			for _, st := range pol.Statement {
				for _, a := range st.Action {
					if strings.Contains(a, "*") {
						t.Errorf("statement %s allows wildcard action %s", st.Sid, a)
					}
					if strings.HasPrefix(a, "states:") || strings.HasPrefix(a, "ecs:") || strings.HasPrefix(a, "lambda:") {
						t.Errorf("statement %s allows %s: the function neither polls, scales nor invokes", st.Sid, a)
					}
				}
				for _, r := range st.Resource {
					if r == "*" {
						for _, a := range st.Action {
							if WildcardResourceActions[a] == "" {
								t.Errorf("statement %s grants %s on \"*\", not on WildcardResourceActions", st.Sid, a)
							}
						}
						continue
					}
					if strings.HasPrefix(r, testDataBucketArn+"/") {
						prefix := strings.TrimSuffix(strings.TrimPrefix(r, testDataBucketArn+"/"), "*")
						if !slices.Contains(WritablePrefixes, prefix) {
							t.Errorf("statement %s reaches %s, outside the workers' prefixes %v", st.Sid, r, WritablePrefixes)
						}
					}
				}
			}
			write := pol.statement(t, "WriteData")
			if !slices.Equal(sorted(write.Resource), sorted(objectArns(testDataBucketArn, WritablePrefixes))) {
				t.Errorf("WriteData on %v, want only %v", write.Resource, WritablePrefixes)
			}
			_, vpc := tc.args, args.LambdaVpc
			hasEC2 := slices.ContainsFunc(pol.Statement, func(st policyStatement) bool { return st.Sid == "VpcNetworkInterfaces" })
			if hasEC2 != vpc {
				t.Errorf("VpcNetworkInterfaces present = %v, want %v (only in a VPC)", hasEC2, vpc)
			}
			got := pol.allowedOn(key)
			if kms := args.KmsKeyArn != nil; kms != hasAll(got, "kms:Decrypt", "kms:GenerateDataKey") || (!kms && len(got) > 0) {
				t.Errorf("function may %v on the key (KMS configured: %v)", got, kms)
			}
		})
	}
}

func TestLambdaStateMachineRolesInvokeThisFunctionOnly(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, lambdaArgs())
	for _, role := range []string{"mc-generate-states", "mc-simulate-states"} {
		pol := rolePolicy(t, m, role)
		var invoke []string
		for _, st := range pol.Statement {
			for _, a := range st.Action {
				if strings.HasPrefix(a, "lambda:") {
					if a != "lambda:InvokeFunction" {
						t.Errorf("%s statement %s allows %s", role, st.Sid, a)
					}
					invoke = append(invoke, st.Resource...)
				}
				if strings.HasPrefix(a, "ecs:") || a == "states:SendTaskSuccess" {
					t.Errorf("%s statement %s allows %s: compute lambda has no ECS service or activity", role, st.Sid, a)
				}
			}
		}
		if want := []string{testFunctionArn, testFunctionArn + ":*"}; !slices.Equal(sorted(invoke), want) {
			t.Errorf("%s may invoke %v, want exactly %v", role, invoke, want)
		}
	}
	// The definitions invoke that function.
	for _, sm := range m.byType("aws:sfn/stateMachine:StateMachine") {
		def := sm.Str("definition")
		if !strings.Contains(def, workflow.ResourceLambdaInvoke) || !strings.Contains(def, `"FunctionName": "`+testFunctionArn+`"`) {
			t.Errorf("%s definition does not invoke %s", sm.Name, testFunctionArn)
		}
		var d struct{ States map[string]any }
		if err := json.Unmarshal([]byte(def), &d); err != nil {
			t.Fatalf("%s definition: %v", sm.Name, err)
		}
	}
	// The repository lets Lambda pull for this function only.
	var repo policy
	m.one(t, "aws:ecr/repositoryPolicy:RepositoryPolicy").JSON(t, "policy", &repo)
	st := repo.Statement[0]
	if p, _ := st.Principal.(map[string]any); p["Service"] != "lambda.amazonaws.com" || st.Condition["ArnLike"]["aws:SourceArn"] != testFunctionArn {
		t.Errorf("repository policy %+v, want lambda.amazonaws.com for %s", st, testFunctionArn)
	}
}

func TestLambdaComputeCreatesNoFargateResources(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			m, p := mustDeploy(t, mode.dryRun, lambdaArgs())
			for _, typ := range []string{
				"aws:ecs/cluster:Cluster", "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders",
				"aws:ecs/service:Service", "aws:ecs/taskDefinition:TaskDefinition", "aws:sfn/activity:Activity",
				"aws:cloudwatch/eventRule:EventRule", "aws:cloudwatch/eventTarget:EventTarget",
				"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:ec2/vpcEndpoint:VpcEndpoint", "aws:ec2/securityGroup:SecurityGroup",
			} {
				if n := len(m.byType(typ)); n != 0 {
					t.Errorf("found %d %s under compute lambda, want none", n, typ)
				}
			}
			sms := m.byType("aws:sfn/stateMachine:StateMachine")
			if len(sms) != 2 {
				t.Errorf("got %d state machines, want generate and simulate (no cleanup)", len(sms))
			}
			for _, sm := range sms {
				if def := sm.Str("definition"); strings.Contains(def, "ecs:updateService") || strings.Contains(def, "activity:") {
					t.Errorf("%s definition scales a service or runs an activity", sm.Name)
				}
			}
			for _, r := range m.byType("aws:iam/role:Role") {
				if r.Name == "mc-task" || r.Name == "mc-execution" || strings.HasPrefix(r.Name, "mc-cleanup") {
					t.Errorf("role %s exists under compute lambda", r.Name)
				}
			}
			if mode.dryRun {
				return
			}
			for name, o := range map[string]pulumi.StringOutput{"clusterName": p.ClusterName, "serviceName": p.ServiceName, "activityArn": p.ActivityArn, "cleanupStateMachineArn": p.CleanupStateMachineArn, "vpcId": p.VpcID} {
				if v := awaitString(t, o); v != "" {
					t.Errorf("output %s = %q under compute lambda, want empty", name, v)
				}
			}
		})
	}
}

func TestLambdaVpcRunsTheFunctionInThePrivateSubnets(t *testing.T) {
	t.Parallel()
	args := lambdaArgs()
	args.LambdaVpc = true
	m, _ := mustDeploy(t, false, args)
	vc, _ := m.one(t, "aws:lambda/function:Function").Value("vpcConfig").(map[string]any)
	if got := sorted(toStrings(vc["subnetIds"])); !slices.Equal(got, []string{"mc-private-0-id", "mc-private-1-id"}) {
		t.Errorf("function subnets = %v, want the private subnets", got)
	}
	if got := toStrings(vc["securityGroupIds"]); !slices.Equal(got, []string{"mc-workers-id"}) {
		t.Errorf("function security groups = %v, want the workers' group", got)
	}
	if len(m.byType("aws:ec2/vpcEndpoint:VpcEndpoint")) == 0 {
		t.Errorf("no VPC endpoints: a function in the private subnets reaches S3 through the gateway endpoint")
	}
	if n := len(m.byType("aws:ecs/cluster:Cluster")); n != 0 {
		t.Errorf("%d ECS clusters with LambdaVpc", n)
	}
}

func TestComputeSettingsAreValidatedNamingTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args func(*MonteCarloPipelineArgs)
		want string
	}{
		{"an unknown compute", func(a *MonteCarloPipelineArgs) { a.Compute = "ec2-ondemand" }, `Compute "ec2-ondemand" must be one of fargate-spot, lambda, ec2-spot`},
		{"Fargate fields with lambda", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.TaskCPU = 2048; a.WorkerCount = 3 },
			`TaskCPU and WorkerCount: only for Compute "fargate-spot"`},
		{"Lambda fields with fargate-spot", func(a *MonteCarloPipelineArgs) { a.LambdaMemoryMB = 2048 }, `LambdaMemoryMB: only for Compute "lambda"`},
		{"a VPC without LambdaVpc", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.VpcCidr = "10.1.0.0/16" }, "VpcCidr: unused"},
		{"too little memory", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.LambdaMemoryMB = 512 }, "LambdaMemoryMB 512 is out of range 885..10240"},
		{"a timeout above Lambda's", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.LambdaTimeoutSeconds = 901 }, "LambdaTimeoutSeconds 901 is out of range 1..900"},
		{"a timeout shorter than a batch", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.LambdaTimeoutSeconds = 60 },
			"LambdaTimeoutSeconds 60 is shorter than TaskTimeoutSeconds (90 s)"},
		{"reserved concurrency below the Map's", func(a *MonteCarloPipelineArgs) { a.Compute = "lambda"; a.LambdaReservedConcurrency = 10 },
			"LambdaReservedConcurrency 10 is below MaxConcurrency + 1 = 51"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := testArgs()
			tc.args(args)
			_, _, err := deploy(t, true, args)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
			if err != nil && strings.Count(err.Error(), "FunctionTimeoutSeconds") > 0 {
				t.Errorf("err = %v: names the workflow's field, not the component's", err)
			}
		})
	}
}
