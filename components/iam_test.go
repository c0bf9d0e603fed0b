package components

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

const (
	testDataBucketArn = "arn:aws:s3:::mc-data-a1b2c3d"
	testActivityArn   = "arn:aws:states:eu-west-1:123456789012:activity:mc-worker-a1b2c3d"
	testServiceArn    = "arn:aws:ecs:eu-west-1:123456789012:service/mc-a1b2c3d/mc-workers-a1b2c3d"
	testGenerateArn   = "arn:aws:states:eu-west-1:123456789012:stateMachine:mc-generate"
	testSimulateArn   = "arn:aws:states:eu-west-1:123456789012:stateMachine:mc-simulate"
	testCleanupArn    = "arn:aws:states:eu-west-1:123456789012:stateMachine:mc-cleanup"
)

// allPolicies returns every IAM document the component registers: inline
// role policies, trust policies and the bucket policy.
func allPolicies(t *testing.T, m *mocks) map[string]policy {
	t.Helper()
	out := map[string]policy{}
	for _, rp := range m.byType("aws:iam/rolePolicy:RolePolicy") {
		var p policy
		rp.JSON(t, "policy", &p)
		out["role policy "+rp.Name] = p
	}
	for _, r := range m.byType("aws:iam/role:Role") {
		var p policy
		r.JSON(t, "assumeRolePolicy", &p)
		out["trust policy "+r.Name] = p
	}
	for _, bp := range m.byType("aws:s3/bucketPolicy:BucketPolicy") {
		var p policy
		bp.JSON(t, "policy", &p)
		out["bucket policy "+bp.Name] = p
	}
	for _, rp := range m.byType("aws:ecr/repositoryPolicy:RepositoryPolicy") {
		var p policy
		rp.JSON(t, "policy", &p)
		out["repository policy "+rp.Name] = p
	}
	if len(out) == 0 {
		t.Fatal("no policies recorded")
	}
	return out
}

// variants are deployments that change which statements exist.
func iamVariants() map[string]*MonteCarloPipelineArgs {
	kms := testArgs()
	kms.KmsKeyArn = pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/k")
	input := testArgs()
	input.InputBucketName = pulumi.String("bank-loans")
	noTrace := testArgs()
	noTrace.DisableTracing = true
	lambdaArgs := testArgs()
	lambdaArgs.Compute = "lambda"
	lambdaVpcKms := testArgs()
	lambdaVpcKms.Compute, lambdaVpcKms.LambdaVpc = "lambda", true
	lambdaVpcKms.KmsKeyArn = pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/k")
	lambdaVpcKms.InputBucketName = pulumi.String("bank-loans")
	ec2KmsInput := ec2Args()
	ec2KmsInput.KmsKeyArn = pulumi.String("arn:aws:kms:eu-west-1:123456789012:key/k")
	ec2KmsInput.InputBucketName = pulumi.String("bank-loans")
	return map[string]*MonteCarloPipelineArgs{
		"compute ec2-spot":                    ec2Args(),
		"compute ec2-spot, KMS, input":        ec2KmsInput,
		"compute lambda":                      lambdaArgs,
		"compute lambda in a VPC, KMS, input": lambdaVpcKms,
		"defaults":                            testArgs(),
		"with a KMS key":                      kms,
		"with input bucket":                   input,
		"without tracing":                     noTrace,
		"with a prebuilt im":                  {ImageURI: pulumi.String("123456789012.dkr.ecr.eu-west-1.amazonaws.com/w@" + testDigest)},
	}
}

func TestNoAllowStatementHasAWildcardAction(t *testing.T) {
	t.Parallel()
	for name, args := range iamVariants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			for doc, p := range allPolicies(t, m) {
				for _, st := range p.Statement {
					for _, a := range st.Action {
						if strings.Contains(a, "*") && st.Effect == "Allow" {
							t.Errorf("%s statement %q allows wildcard action %s", doc, st.Sid, a)
						}
						// The only Deny is the TLS guard, which must cover every action.
						if st.Effect == "Deny" && a != "s3:*" {
							t.Errorf("%s statement %q denies only %s; a TLS guard must deny s3:*", doc, st.Sid, a)
						}
					}
				}
			}
		})
	}
}

// serviceWide matches a resource that names no resource at all: "*", or an
// ARN whose region, account or resource part is a wildcard.
var serviceWide = regexp.MustCompile(`^\*$|^arn:[^:]+:[^:]+:[^:]*\*|^arn:[^:]+:[^:]+:[^:]*:[^:]*\*|^arn:[^:]+:[^:]+:[^:]*:[^:]*:\*|^arn:aws:s3:::\*`)

func TestServiceWideResourcePatternSeparatesNamedResources(t *testing.T) {
	t.Parallel()
	for r, want := range map[string]bool{
		"*":              true,
		"arn:aws:s3:::*": true,
		"arn:aws:states:*:123456789012:activity:a":                      true,
		"arn:aws:states:eu-west-1:*:activity:a":                         true,
		"arn:aws:logs:eu-west-1:123456789012:*":                         true,
		"arn:aws:s3:::mc-data/runs/*":                                   false,
		"arn:aws:logs:eu-west-1:123456789012:log-group:g:log-stream:*":  false,
		"arn:aws:states:eu-west-1:123456789012:execution:mc-simulate/*": false,
	} {
		if got := serviceWide.MatchString(r); got != want {
			t.Errorf("serviceWide(%s) = %v, want %v", r, got, want)
		}
	}
}

func TestEveryWildcardResourceIsOnTheAllowList(t *testing.T) {
	t.Parallel()
	for name, args := range iamVariants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			for doc, p := range allPolicies(t, m) {
				for _, st := range p.Statement {
					if st.Effect != "Allow" {
						continue
					}
					for _, r := range st.Resource {
						if !serviceWide.MatchString(r) {
							continue
						}
						if r != "*" {
							t.Errorf("%s statement %q grants on %s: name the resource or use an allow-listed \"*\"", doc, st.Sid, r)
							continue
						}
						for _, a := range st.Action {
							if WildcardResourceActions[a] == "" {
								t.Errorf("%s statement %q grants %s on \"*\", which is not on WildcardResourceActions", doc, st.Sid, a)
							}
						}
					}
				}
			}
		})
	}
}

func TestWildcardResourceAllowListGivesAReasonForEveryAction(t *testing.T) {
	t.Parallel()
	for action, reason := range WildcardResourceActions {
		if strings.Contains(action, "*") || !strings.Contains(action, ":") {
			t.Errorf("allow-list entry %q is not a single action", action)
		}
		if len(reason) < 10 {
			t.Errorf("allow-list entry %s has no reason", action)
		}
	}
}

func TestRolesTrustOnlyTheirServiceOnBehalfOfThisAccount(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	want := map[string]string{
		"mc-task": "ecs-tasks.amazonaws.com", "mc-execution": "ecs-tasks.amazonaws.com",
		"mc-generate-states": "states.amazonaws.com", "mc-simulate-states": "states.amazonaws.com",
		"mc-cleanup": "states.amazonaws.com", "mc-cleanup-trigger": "events.amazonaws.com",
	}
	roles := m.byType("aws:iam/role:Role")
	if len(roles) != len(want) {
		t.Fatalf("got %d roles, want %d", len(roles), len(want))
	}
	for _, r := range roles {
		var p policy
		r.JSON(t, "assumeRolePolicy", &p)
		if len(p.Statement) != 1 {
			t.Fatalf("role %s trust has %d statements", r.Name, len(p.Statement))
		}
		st := p.Statement[0]
		principal, _ := st.Principal.(map[string]any)
		if principal["Service"] != want[r.Name] || !slices.Equal(st.Action, stringList{"sts:AssumeRole"}) {
			t.Errorf("role %s trusts %v for %v, want %s", r.Name, st.Principal, st.Action, want[r.Name])
		}
		if st.Condition["StringEquals"]["aws:SourceAccount"] != testAccount {
			t.Errorf("role %s trust lacks the aws:SourceAccount condition: %v", r.Name, st.Condition)
		}
	}
}

func TestTaskRoleMayWorkItsActivityReadInputAndWriteOnlyItsPrefixes(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	p := rolePolicy(t, m, "mc-task")
	act := p.statement(t, "ActivityWorker")
	if !slices.Equal(act.Resource, stringList{testActivityArn}) {
		t.Errorf("activity statement on %v, want only %s", act.Resource, testActivityArn)
	}
	if !hasAll(act.Action, "states:GetActivityTask", "states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat") {
		t.Errorf("activity actions %v", act.Action)
	}
	for _, st := range p.Statement {
		for _, a := range st.Action {
			if strings.HasPrefix(a, "states:") && st.Sid != "ActivityWorker" {
				t.Errorf("statement %s grants %s outside the activity", st.Sid, a)
			}
			if a == "s3:DeleteObject" || a == "s3:PutBucketPolicy" || strings.HasPrefix(a, "iam:") || strings.HasPrefix(a, "ecs:") {
				t.Errorf("task role grants %s", a)
			}
		}
	}
	write := p.statement(t, "WriteData")
	for _, r := range write.Resource {
		ok := false
		for _, prefix := range WritablePrefixes {
			ok = ok || r == testDataBucketArn+"/"+prefix+"*"
		}
		if !ok {
			t.Errorf("task role writes %s, outside %v", r, WritablePrefixes)
		}
	}
}

// S3 answers a GetObject or HeadObject of a missing key with 404 only to a
// caller allowed s3:ListBucket; such a request carries no s3:prefix, so a
// ListBucket conditioned on s3:prefix turns every "not found" the workers
// rely on (generate, prepare's resume, readPartial, aggregate) into 403.
func TestTaskRoleListsTheDataBucketWithoutAPrefixConditionSoMissingKeysAre404(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	p := rolePolicy(t, m, "mc-task")
	list := p.statement(t, "ListData")
	if list.Effect != "Allow" || !slices.Equal(list.Action, stringList{"s3:ListBucket"}) || !slices.Equal(list.Resource, stringList{testDataBucketArn}) {
		t.Errorf("ListData = %+v, want Allow s3:ListBucket on %s", list, testDataBucketArn)
	}
	if len(list.Condition) != 0 {
		t.Errorf("ListData has condition %v: GetObject/HeadObject carry no s3:prefix, so S3 would answer 403 for a missing key", list.Condition)
	}
	for _, st := range p.Statement {
		if st.Effect == "Deny" && hasAll(st.Action, "s3:ListBucket") {
			t.Errorf("statement %s denies s3:ListBucket", st.Sid)
		}
	}
	// Reading objects stays limited to the writable prefixes.
	if read := p.statement(t, "ReadData"); len(read.Resource) != len(WritablePrefixes) {
		t.Errorf("ReadData on %v, want only %v", read.Resource, WritablePrefixes)
	}
}

func TestInputBucketIsReadOnly(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.InputBucketName = pulumi.String("bank-loans")
	m, p := mustDeploy(t, false, args)
	if got := awaitString(t, p.InputBucketName); got != "bank-loans" {
		t.Errorf("inputBucketName = %s", got)
	}
	for _, role := range []string{"mc-task", "mc-simulate-states"} {
		pol := rolePolicy(t, m, role)
		if got := pol.allowedOn("arn:aws:s3:::bank-loans/*"); !slices.Equal(got, []string{"s3:GetObject"}) {
			t.Errorf("%s may %v on input objects, want only s3:GetObject", role, got)
		}
		if got := pol.allowedOn("arn:aws:s3:::bank-loans"); !slices.Equal(got, []string{"s3:ListBucket"}) {
			t.Errorf("%s may %v on the input bucket, want only s3:ListBucket", role, got)
		}
	}
	// Generate writes synthetic datasets and reads no input loans.
	for _, role := range []string{"mc-generate-states", "mc-cleanup"} {
		pol := rolePolicy(t, m, role)
		for _, st := range pol.Statement {
			for _, r := range st.Resource {
				if strings.Contains(r, "bank-loans") {
					t.Errorf("%s statement %s grants %v on %s, the input bucket it never reads", role, st.Sid, st.Action, r)
				}
			}
		}
	}
}

func TestExecutionRolePullsFromItsRepositoryAndWritesItsLogGroup(t *testing.T) {
	t.Parallel()
	m, p := mustDeploy(t, false, testArgs())
	pol := rolePolicy(t, m, "mc-execution")
	repoArn := "arn:aws:ecr:eu-west-1:123456789012:repository/mc-worker-a1b2c3d"
	if got := pol.allowedOn(repoArn); !hasAll(got, "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability") {
		t.Errorf("execution role may %v on its repository", got)
	}
	group := awaitString(t, p.LogGroupName)
	logs := pol.statement(t, "LogsWrite")
	want := "arn:aws:logs:eu-west-1:123456789012:log-group:" + group + ":log-stream:*"
	if !slices.Equal(logs.Resource, stringList{want}) {
		t.Errorf("log write on %v, want %s", logs.Resource, want)
	}
	login := pol.statement(t, "EcrLogin")
	if !slices.Equal(login.Action, stringList{"ecr:GetAuthorizationToken"}) {
		t.Errorf("the \"*\" statement of the execution role grants %v", login.Action)
	}
}

func TestStateMachineRolesOmitXRayWhenTracingIsOff(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.DisableTracing = true
	m, _ := mustDeploy(t, false, args)
	for _, role := range []string{"mc-generate-states", "mc-simulate-states", "mc-cleanup"} {
		for _, st := range rolePolicy(t, m, role).Statement {
			for _, a := range st.Action {
				if strings.HasPrefix(a, "xray:") {
					t.Errorf("tracing off but %s grants %s", role, a)
				}
			}
		}
	}
}

func TestPolicyDocumentsMarshalWithIAMFieldNames(t *testing.T) {
	t.Parallel()
	got, err := taskRolePolicy(testActivityArn, bucketAccess{dataBucketArn: testDataBucketArn, inputBucketArn: testDataBucketArn}).JSON()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Version":"2012-10-17"`, `"Statement":[`, `"Effect":"Allow"`, `"Action":[`, `"Resource":[`} {
		if !strings.Contains(got, want) {
			t.Errorf("policy JSON lacks %s: %s", want, got)
		}
	}
}

func TestWildcardStatementRefusesActionsOffTheAllowList(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("wildcardStatement accepted s3:GetObject on \"*\"")
		}
	}()
	wildcardStatement("Bad", "s3:GetObject")
}

func envOf(container map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range container["environment"].([]any) {
		kv := e.(map[string]any)
		out[kv["name"].(string)] = kv["value"].(string)
	}
	return out
}

func TestStateMachineRolesWriteOnlyTheMapRunResultsUnderScratch(t *testing.T) {
	t.Parallel()
	for name, args := range iamVariants() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, false, args)
			roles := []string{"mc-generate-states", "mc-simulate-states", "mc-cleanup"}
			if args.Compute == "lambda" {
				roles = roles[:2] // no cleanup machine
			}
			for _, role := range roles {
				p := rolePolicy(t, m, role)
				// The workers write datasets and runs; the state machines'
				// only writer is the ResultWriter, under scratch/.
				for _, key := range []string{"datasets/default/manifest.csv", "datasets/default/loans/shard-00000000.jsonl", "runs/run-1/report.json"} {
					object := testDataBucketArn + "/" + key
					for _, st := range p.Statement {
						for _, r := range st.Resource {
							if st.Effect != "Allow" || !matches(r, object) {
								continue
							}
							for _, a := range st.Action {
								if a == "s3:PutObject" || a == "s3:AbortMultipartUpload" || a == "s3:DeleteObject" {
									t.Errorf("%s statement %s lets the state machine %s %s", role, st.Sid, a, object)
								}
							}
						}
					}
				}
			}
		})
	}
}

// matches reports whether an IAM resource pattern (a trailing "*" at most)
// covers the ARN.
func matches(pattern, arn string) bool {
	if prefix, wild := strings.CutSuffix(pattern, "*"); wild {
		return strings.HasPrefix(arn, prefix)
	}
	return pattern == arn
}

// mayOn returns the actions a policy allows on an ARN, through exact and
// trailing-"*" resources alike.
func (p policy) mayOn(arn string) []string {
	var out []string
	for _, st := range p.Statement {
		if st.Effect != "Allow" {
			continue
		}
		for _, r := range st.Resource {
			if matches(r, arn) {
				out = append(out, st.Action...)
			}
		}
	}
	return out
}
