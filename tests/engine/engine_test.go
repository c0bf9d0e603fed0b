// The engine tests run the repository's real Pulumi program (package
// program, what main.go runs) under a real Pulumi engine: the CLI built by
// scripts/build-pulumi-cli.sh, the Automation API with the program inline
// (it is its own language host), a local file backend in a temporary
// directory, and the stand-in plugins pulumi-resource-aws (./provider) and
// pulumi-resource-awsx (./awsx).
// Nothing downloads a plugin (PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION)
// and nothing talks to a non-loopback address.
//
// Run them with scripts/engine-test.sh, which builds what they need and
// passes it in MONTECARLO_PULUMI (the CLI), MONTECARLO_AWS_PROVIDER and
// MONTECARLO_AWSX_PROVIDER (the plugin binaries). Without those the tests
// skip.
package engine

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/montecarlo-pipeline/montecarlo/program"
)

const (
	region  = "us-east-1"
	account = "123456789012" // the stand-in provider's caller identity
	// testImage is a prebuilt worker image (montecarlo:image).
	testImage = account + ".dkr.ecr." + region + ".amazonaws.com/montecarlo-worker@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

// env is one engine environment: a CLI, a PULUMI_HOME holding only the
// stand-in plugins, and a file backend, all under a temporary directory.
type env struct {
	root    string // repository root
	cli     string
	home    string
	vars    map[string]string
	command auto.PulumiCommand
}

var (
	shared     *env
	sharedErr  error
	sharedOnce sync.Once
)

// setup builds the shared environment once for the package's tests.
func setup(t *testing.T) *env {
	t.Helper()
	cli, prov, awsx := os.Getenv("MONTECARLO_PULUMI"), os.Getenv("MONTECARLO_AWS_PROVIDER"), os.Getenv("MONTECARLO_AWSX_PROVIDER")
	if cli == "" || prov == "" || awsx == "" {
		t.Skip("MONTECARLO_PULUMI, MONTECARLO_AWS_PROVIDER and MONTECARLO_AWSX_PROVIDER are unset: run scripts/engine-test.sh")
	}
	sharedOnce.Do(func() { shared, sharedErr = newEnv(cli, prov, awsx) })
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return shared
}

func newEnv(cli, prov, awsx string) (*env, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "montecarlo-engine-")
	if err != nil {
		return nil, err
	}
	home := filepath.Join(tmp, "pulumi-home")
	for _, d := range []string{home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	e := &env{root: root, cli: cli, home: home, vars: map[string]string{
		"PULUMI_HOME":                                 home,
		"PULUMI_CONFIG_PASSPHRASE":                    "engine-test",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true", // no pulumi-resource-* from PATH
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_SKIP_CONFIRMATIONS":                   "true",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
		"PULUMI_DIY_BACKEND_NO_LEGACY_WARNING":        "true",
		"NO_COLOR":                                    "1",
		// No AWS credentials reach the stand-in, and none are needed.
		"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_PROFILE": "",
	}}
	// The inline program runs in this process: give it the environment
	// the CLI has, and the repository root as its working directory, as
	// `pulumi up` in the repository would.
	for k, v := range e.vars {
		os.Setenv(k, v)
	}
	if err := os.Chdir(root); err != nil {
		return nil, err
	}
	if e.command, err = auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(filepath.Dir(cli))}); err != nil {
		return nil, err
	}
	for _, pl := range []struct{ name, sdk, dir, bin string }{
		{"aws", "github.com/pulumi/pulumi-aws/sdk/v6", "provider", prov},
		{"awsx", "github.com/pulumi/pulumi-awsx/sdk/v2", "awsx", awsx},
	} {
		version, err := pluginVersion(root, pl.sdk, pl.dir)
		if err != nil {
			return nil, err
		}
		if out, err := e.run("", nil, "plugin", "install", "resource", pl.name, "v"+version, "--file", pl.bin); err != nil {
			return nil, fmt.Errorf("install the stand-in %s plugin: %v\n%s", pl.name, err, out)
		}
	}
	return e, nil
}

// pluginVersion is the version of a provider the main module's SDK asks
// the engine for; the stand-in must report the same.
func pluginVersion(root, sdkModule, standIn string) (string, error) {
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(sdkModule) + ` v(\S+)`).FindSubmatch(mod)
	if m == nil {
		return "", fmt.Errorf("go.mod does not require %s", sdkModule)
	}
	src, err := os.ReadFile(filepath.Join(root, "tests/engine", standIn, "main.go"))
	if err != nil {
		return "", err
	}
	p := regexp.MustCompile(`(?m)^const Version = "(\S+)"`).FindSubmatch(src)
	if p == nil || string(p[1]) != string(m[1]) {
		return "", fmt.Errorf("the stand-in in tests/engine/%s reports version %q, the program's %s asks for %s: update it", standIn, p, sdkModule, m[1])
	}
	return string(m[1]), nil
}

// run runs the CLI in dir with the environment's variables and vars.
func (e *env) run(dir string, vars map[string]string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.cli, args...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for _, m := range []map[string]string{e.vars, vars} {
		for k, v := range m {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// project is a copy of the repository's Pulumi.yaml and Pulumi.dev.yaml in
// a directory of its own, with a file backend of its own, where stacks are
// made the way the README says.
type project struct {
	e    *env
	dir  string
	vars map[string]string
}

func newProject(t *testing.T) *project {
	e := setup(t)
	dir := t.TempDir()
	for _, f := range []string{"Pulumi.yaml", "Pulumi.dev.yaml"} {
		b, err := os.ReadFile(filepath.Join(e.root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := maps.Clone(e.vars)
	vars["PULUMI_BACKEND_URL"] = "file://" + t.TempDir()
	return &project{e: e, dir: dir, vars: vars}
}

// pulumi runs one CLI command in the project and fails the test if it fails.
func (p *project) pulumi(t *testing.T, args ...string) string {
	t.Helper()
	out, err := p.e.run(p.dir, p.vars, args...)
	if err != nil {
		t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// initStack is `pulumi stack init <name>` and `pulumi config set` of each
// key (in the project's namespace unless it has one), as the README says:
// arrays with --path, one element at a time.
func (p *project) initStack(t *testing.T, name string, config map[string]any) auto.Stack {
	t.Helper()
	p.pulumi(t, "stack", "init", name)
	for _, k := range slices.Sorted(maps.Keys(config)) {
		p.configSet(t, name, k, config[k])
	}
	s, err := auto.SelectStackInlineSource(context.Background(), name, program.Namespace, program.Run,
		auto.WorkDir(p.dir), auto.Pulumi(p.e.command), auto.PulumiHome(p.e.home), auto.EnvVars(p.vars))
	if err != nil {
		t.Fatalf("select stack %s: %v", name, err)
	}
	return s
}

func qualify(key string) string {
	if strings.Contains(key, ":") {
		return key
	}
	return program.Namespace + ":" + key
}

// configSet is `pulumi config set`; "--" ends the flags, so that a value
// such as -1 is not read as one.
func (p *project) configSet(t *testing.T, stack, key string, v any) {
	t.Helper()
	switch v := v.(type) {
	case []string:
		for i, item := range v {
			p.pulumi(t, "config", "set", "--stack", stack, "--path", "--", fmt.Sprintf("%s[%d]", qualify(key), i), item)
		}
	default:
		p.pulumi(t, "config", "set", "--stack", stack, "--", qualify(key), fmt.Sprint(v))
	}
}

// lifecycle runs preview, up, a second preview that must change nothing,
// and destroy, and returns up's outputs.
func lifecycle(t *testing.T, s auto.Stack) auto.OutputMap {
	t.Helper()
	ctx := context.Background()
	pre, err := s.Preview(ctx, optpreview.ErrorProgressStreams(io.Discard))
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	creates := pre.ChangeSummary[apitype.OpCreate]
	t.Logf("preview: %v", pre.ChangeSummary)
	if creates == 0 || len(pre.ChangeSummary) != 1 {
		t.Fatalf("first preview: want only creates, got %v", pre.ChangeSummary)
	}
	up, err := s.Up(ctx, optup.ErrorProgressStreams(io.Discard))
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	if got := (*up.Summary.ResourceChanges)[string(apitype.OpCreate)]; got != creates {
		t.Errorf("up created %d resources, preview said %d", got, creates)
	}
	again, err := s.Preview(ctx, optpreview.ExpectNoChanges(), optpreview.Diff())
	if err != nil {
		t.Fatalf("second preview: %v", err)
	}
	for op, n := range again.ChangeSummary {
		if op != apitype.OpSame && n > 0 {
			t.Errorf("second preview wants to %s %d resources; it must change nothing:\n%s", op, n, again.StdOut)
		}
	}
	if again.ChangeSummary[apitype.OpSame] != creates {
		t.Errorf("second preview: %d resources unchanged, want %d", again.ChangeSummary[apitype.OpSame], creates)
	}
	t.Logf("second preview: %v", again.ChangeSummary)
	outputs := up.Outputs
	for _, k := range slices.Sorted(maps.Keys(outputs)) {
		t.Logf("output %s = %v", k, outputs[k].Value)
	}
	des, err := s.Destroy(ctx, optdestroy.ErrorProgressStreams(io.Discard))
	if err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if got := (*des.Summary.ResourceChanges)[string(apitype.OpDelete)]; got != creates {
		t.Errorf("destroy deleted %d resources, want %d", got, creates)
	}
	if st, err := s.Export(ctx); err != nil {
		t.Errorf("export: %v", err)
	} else if n := strings.Count(string(st.Deployment), `"urn"`); n != 0 {
		t.Errorf("after destroy the state still holds %d resources", n)
	}
	return outputs
}

func str(t *testing.T, outs auto.OutputMap, key string) string {
	t.Helper()
	v, ok := outs[key]
	if !ok {
		t.Errorf("stack output %s is missing", key)
		return ""
	}
	s, ok := v.Value.(string)
	if !ok {
		t.Errorf("stack output %s = %#v, want a string", key, v.Value)
	}
	return s
}

func match(t *testing.T, outs auto.OutputMap, key, pattern string) {
	t.Helper()
	if got := str(t, outs, key); !regexp.MustCompile(`^` + pattern + `$`).MatchString(got) {
		t.Errorf("stack output %s = %q, want %s", key, got, pattern)
	}
}

const hex7 = `[0-9a-f]{7}`

// TestDevStack is the README's deploy path on a fresh clone, and the
// issue's reproduction: Pulumi.dev.yaml, `pulumi stack init dev && pulumi
// config set aws:region us-east-1`, and nothing else. The CLI used to
// refuse it (every optional key "missing"). Now every optional key is
// absent: the stack creates its VPC, builds its image (the stand-in awsx),
// tagged with the hash of the build context, and names its state machines
// after the stack.
func TestDevStack(t *testing.T) {
	p := newProject(t)
	s := p.initStack(t, "dev", map[string]any{"aws:region": region})
	outs := lifecycle(t, s)

	arn := func(service string) string { return `arn:aws:` + service + `:` + region + `:` + account + `:` }
	match(t, outs, "generateStateMachineArn", arn("states")+`stateMachine:montecarlo-dev-generate`)
	match(t, outs, "simulateStateMachineArn", arn("states")+`stateMachine:montecarlo-dev-simulate`)
	match(t, outs, "cleanupStateMachineArn", arn("states")+`stateMachine:montecarlo-dev-cleanup`)
	match(t, outs, "activityArn", arn("states")+`activity:montecarlo-worker-`+hex7)
	match(t, outs, "dataBucketName", `montecarlo-data-`+hex7)
	match(t, outs, "inputBucketName", str(t, outs, "dataBucketName"))
	match(t, outs, "clusterName", `montecarlo-`+hex7)
	match(t, outs, "serviceName", `montecarlo-workers-`+hex7)
	match(t, outs, "repositoryUrl", account+`\.dkr\.ecr\.`+region+`\.amazonaws\.com/montecarlo-worker-`+hex7)
	match(t, outs, "imageUri", regexp.QuoteMeta(str(t, outs, "repositoryUrl"))+`@sha256:[0-9a-f]{64}`)
	match(t, outs, "vpcId", `vpc-[0-9a-f]{17}`)
	match(t, outs, "workerSecurityGroupId", `sg-[0-9a-f]{17}`)
	match(t, outs, "taskRoleArn", `arn:aws:iam::`+account+`:role/[a-z0-9-]+-`+hex7)
	match(t, outs, "executionRoleArn", `arn:aws:iam::`+account+`:role/[a-z0-9-]+-`+hex7)
	match(t, outs, "stateMachineRoleArn", `arn:aws:iam::`+account+`:role/[a-z0-9-]+-`+hex7)
	match(t, outs, "generateStateMachineRoleArn", `arn:aws:iam::`+account+`:role/[a-z0-9-]+-`+hex7)
	match(t, outs, "logGroupName", `montecarlo-workers-`+hex7)
	match(t, outs, "stateMachineLogGroupName", `/aws/vendedlogs/states/montecarlo-dev-[0-9]{18}[0-9a-f]{8}`)
	if subnets, ok := outs["subnetIds"].Value.([]any); !ok || len(subnets) != 2 {
		t.Errorf("subnetIds = %#v, want the two subnets of the created VPC", outs["subnetIds"].Value)
	} else {
		for _, sn := range subnets {
			if !regexp.MustCompile(`^subnet-[0-9a-f]{17}$`).MatchString(fmt.Sprint(sn)) {
				t.Errorf("subnet ID %v", sn)
			}
		}
	}
}

// common sets every key that is not about the network to a valid value
// other than its default.
var common = map[string]any{
	"aws:region":              region,
	"scratchExpirationDays":   9,
	"forceDestroy":            true,
	"image":                   testImage,
	"imageRetentionCount":     3,
	"kmsKeyArn":               "arn:aws:kms:" + region + ":" + account + ":key/1234abcd-12ab-34cd-56ef-1234567890ab",
	"inputBucket":             "loans-in-example",
	"workerCount":             3,
	"tasksPerWorker":          3,
	"taskCpu":                 2048,
	"taskMemory":              4096,
	"containerInsights":       true,
	"workerLogLevel":          "debug",
	"logRetentionDays":        14,
	"stateMachineLogLevel":    "ALL",
	"tracing":                 false,
	"batchSize":               500,
	"shardSize":               5000,
	"maxConcurrency":          4,
	"toleratedFailurePercent": "2.5",
	"taskTimeoutSeconds":      3600,
	"heartbeatSeconds":        90,
	"workerWaitSeconds":       10,
	"workerWaitMaxPolls":      30,
	"dataset":                 "bank",
	"loanCount":               20000,
	"layout":                  "per-loan",
	"scenarios":               300,
	"targetRate":              "0.07",
	"horizonMonths":           24,
	"seed":                    9,
}

func without(base map[string]any, keys ...string) map[string]any {
	m := maps.Clone(base)
	for _, k := range keys {
		delete(m, k)
	}
	return m
}

func with(base map[string]any, extra map[string]any) map[string]any {
	m := maps.Clone(base)
	maps.Copy(m, extra)
	return m
}

// Four stacks set every key between them (a created VPC and a brought one
// exclude each other, and so do a Spot strategy and onDemandOnly; the
// Lambda keys need compute lambda, which refuses the ECS workers' keys; the
// instance types need compute ec2-spot, which refuses the Fargate strategy).
var (
	createdNetwork = with(without(common, "image"), map[string]any{
		"imageTag":              "engine-test-1",
		"namePrefix":            "mc-every",
		"availabilityZoneCount": 3,
		"availabilityZones":     []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		"vpcCidr":               "10.1.0.0/16",
		"onDemandOnly":          false,
		"spotWeight":            3,
		"onDemandBase":          1,
		"onDemandWeight":        1,
	})
	broughtNetwork = with(common, map[string]any{
		"namePrefix":   "mc-byo",
		"vpcId":        "vpc-0a1b2c3d4e5f60718",
		"subnetIds":    []string{"subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"},
		"onDemandOnly": true,
	})
	lambdaStack = with(without(common, "workerCount", "tasksPerWorker", "taskCpu", "taskMemory", "containerInsights",
		"heartbeatSeconds", "workerWaitSeconds", "workerWaitMaxPolls", "taskTimeoutSeconds"), map[string]any{
		"namePrefix":                "mc-fn",
		"compute":                   "lambda",
		"lambdaMemoryMb":            3008,
		"lambdaTimeoutSeconds":      600,
		"lambdaReservedConcurrency": 8,
		"lambdaVpc":                 true,
		"vpcId":                     "vpc-0a1b2c3d4e5f60718",
		"subnetIds":                 []string{"subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"},
	})
	// ec2Stack: compute ec2-spot in a created VPC, with its instance types
	// (the Fargate strategy keys are refused with it).
	ec2Stack = with(without(common, "image", "onDemandOnly", "spotWeight", "onDemandBase", "onDemandWeight"), map[string]any{
		"imageTag":         "engine-test-ec2",
		"namePrefix":       "mc-ec2",
		"compute":          "ec2-spot",
		"ec2InstanceTypes": []string{"m6i.xlarge", "m5.xlarge", "c6i.xlarge"},
	})
)

func TestEveryKeySetTheREADMEWay(t *testing.T) {
	for _, k := range program.ConfigKeys {
		_, a := createdNetwork[k.Name]
		_, b := broughtNetwork[k.Name]
		_, c := lambdaStack[k.Name]
		_, d := ec2Stack[k.Name]
		if !a && !b && !c && !d {
			t.Errorf("config key %s is set by no engine test stack", k.Name)
		}
	}
	t.Run("created network", func(t *testing.T) {
		p := newProject(t)
		outs := lifecycle(t, p.initStack(t, "every", createdNetwork))
		match(t, outs, "generateStateMachineArn", `arn:aws:states:`+region+`:`+account+`:stateMachine:mc-every-generate`)
		match(t, outs, "inputBucketName", `loans-in-example`)
		if subnets, _ := outs["subnetIds"].Value.([]any); len(subnets) != 3 {
			t.Errorf("subnetIds = %v, want 3 (availabilityZoneCount)", outs["subnetIds"].Value)
		}
	})
	t.Run("brought network", func(t *testing.T) {
		p := newProject(t)
		outs := lifecycle(t, p.initStack(t, "byo", broughtNetwork))
		match(t, outs, "vpcId", `vpc-0a1b2c3d4e5f60718`)
		match(t, outs, "imageUri", regexp.QuoteMeta(testImage))
		match(t, outs, "repositoryUrl", ``)
		if got := fmt.Sprint(outs["subnetIds"].Value); got != "[subnet-0a1b2c3d4e5f60718 subnet-0b2c3d4e5f6071829]" {
			t.Errorf("subnetIds = %s, want the brought subnets", got)
		}
		match(t, outs, "simulateStateMachineArn", `arn:aws:states:`+region+`:`+account+`:stateMachine:mc-byo-simulate`)
	})
	t.Run("compute lambda in a brought VPC", func(t *testing.T) {
		p := newProject(t)
		outs := lifecycle(t, p.initStack(t, "fn", lambdaStack))
		match(t, outs, "functionArn", `arn:aws:lambda:`+region+`:`+account+`:function:mc-fn-worker`)
		match(t, outs, "vpcId", `vpc-0a1b2c3d4e5f60718`)
		match(t, outs, "serviceName", ``)
	})
	t.Run("compute ec2-spot", func(t *testing.T) {
		p := newProject(t)
		outs := lifecycle(t, p.initStack(t, "ec2", ec2Stack))
		match(t, outs, "compute", "ec2-spot")
		match(t, outs, "autoScalingGroupName", `montecarlo-spot-`+hex7)
		match(t, outs, "capacityProviderName", `montecarlo-spot-`+hex7)
	})
}

// TestInvalidValuesFailPreviewNamingTheKey sets each bad value with
// `pulumi config set` on an otherwise valid stack; `pulumi preview` must
// fail and name the key (the CLI names the keys whose declared type a value
// breaks; the program names the others).
func TestInvalidValuesFailPreviewNamingTheKey(t *testing.T) {
	p := newProject(t)
	base := map[string]any{"aws:region": region, "image": testImage}
	s := p.initStack(t, "invalid", base)
	cases := []struct {
		key   string
		value any // nil: unset the key
		want  string
	}{
		{"workerCount", "many", "must be of type 'integer'"},
		{"workerCount", 1001, "WorkerCount = 1001: want 1 to 1000"},
		{"tasksPerWorker", "0.5", "must be of type 'integer'"},
		{"batchSize", -1, "BatchSize = -1"},
		{"maxConcurrency", 20000, "MaxConcurrency = 20000: want 1 to 10000"},
		{"taskCpu", 3000, "TaskCPU 3000 must be one of"},
		{"taskMemory", 1024, "TaskMemory 1024 is not allowed with TaskCPU 1024"},
		{"spotWeight", -1, "SpotWeight -1 is out of range 0..1000"},
		{"onDemandBase", -2, "OnDemandBase -2 is out of range"},
		{"onDemandOnly", "maybe", "must be of type 'boolean'"},
		{"loanCount", -5, "Defaults.Loans = -5"},
		{"scenarios", -1, "Defaults.Scenarios = -1"},
		{"targetRate", "8%", `"8%" is not a number`},
		{"targetRate", 8, "Defaults.TargetRate = 8"},
		{"horizonMonths", 1000, "Defaults.HorizonMonths = 1000"},
		{"seed", -3, "Defaults.Seed = -3"},
		{"logRetentionDays", 10, "LogRetentionDays 10 must be one of CloudWatch's values"},
		{"heartbeatSeconds", 5, "HeartbeatSeconds = 5"},
		{"layout", "parquet", `Defaults.Layout = "parquet"`},
		{"namePrefix", "Has_Caps", "NamePrefix"},
		{"image", "busybox:latest", "pinned by digest"},
		{"image", "", "is set but empty"},
		{"imageTag", "v1", "ImageTag apply only when the component builds the image"},
		{"availabilityZones", "us-east-1a", "is not a JSON array of strings"},
		{"availabilityZoneCount", 7, "AvailabilityZoneCount 7 is out of range 1..6"},
		{"vpcCidr", "10.0.0.0/8", "must be a /16 to /24 block"},
		{"vpcId", "", "is set but empty"},
		{"subnetIds", []string{"subnet-0a1b2c3d4e5f60718"}, "SubnetIDs needs VpcID"},
		{"kmsKeyArn", "", "is set but empty"},
		{"inputBucket", "", "is set but empty"},
		{"ec2InstanceTypes", []string{"c6i.xlarge"}, `EC2InstanceTypes: only for Compute "ec2-spot"`},
		{"compute", "ec2", `Compute "ec2" must be one of fargate-spot, lambda, ec2-spot`},
		{"aws:region", nil, "aws:region"},
	}
	ctx := context.Background()
	for _, tc := range cases {
		name := fmt.Sprintf("%s=%v", tc.key, tc.value)
		t.Run(name, func(t *testing.T) {
			if tc.value == nil {
				p.pulumi(t, "config", "rm", "--stack", "invalid", qualify(tc.key))
			} else {
				p.configSet(t, "invalid", tc.key, tc.value)
			}
			defer func() {
				if v, ok := base[tc.key]; ok {
					p.configSet(t, "invalid", tc.key, v)
				} else {
					p.pulumi(t, "config", "rm", "--stack", "invalid", qualify(tc.key))
				}
			}()
			_, err := s.Preview(ctx, optpreview.ErrorProgressStreams(io.Discard))
			if err == nil {
				t.Fatalf("preview passed")
			}
			msg := err.Error()
			named := strings.Contains(msg, qualify(tc.key)) || strings.Contains(msg, "'"+tc.key+"'")
			if !named || !strings.Contains(msg, tc.want) {
				t.Errorf("preview failed without naming %s or saying %q:\n%s", tc.key, tc.want, msg)
			}
			for _, line := range strings.Split(msg, "\n") {
				if strings.Contains(line, tc.want) {
					t.Logf("%s", strings.TrimSpace(line))
					break
				}
			}
		})
	}
}

// TestStackWithOnlyARegion: no Pulumi.dev.yaml, only aws:region: every
// key at its default or absent.
func TestStackWithOnlyARegion(t *testing.T) {
	p := newProject(t)
	if err := os.Remove(filepath.Join(p.dir, "Pulumi.dev.yaml")); err != nil {
		t.Fatal(err)
	}
	outs := lifecycle(t, p.initStack(t, "prod", map[string]any{"aws:region": region}))
	match(t, outs, "generateStateMachineArn", `arn:aws:states:`+region+`:`+account+`:stateMachine:montecarlo-prod-generate`)
	match(t, outs, "imageUri", account+`\.dkr\.ecr\.`+region+`\.amazonaws\.com/montecarlo-worker-`+hex7+`@sha256:[0-9a-f]{64}`)
	if subnets, _ := outs["subnetIds"].Value.([]any); len(subnets) != 2 {
		t.Errorf("subnetIds = %v, want 2 (the default availabilityZoneCount)", outs["subnetIds"].Value)
	}
}

// TestLambdaComputeStack: compute lambda through the real engine: preview,
// up and a preview that changes nothing, with the function, its role and
// log group and no ECS service or VPC.
func TestLambdaComputeStack(t *testing.T) {
	p := newProject(t)
	if err := os.Remove(filepath.Join(p.dir, "Pulumi.dev.yaml")); err != nil {
		t.Fatal(err)
	}
	outs := lifecycle(t, p.initStack(t, "fn", map[string]any{"aws:region": region, "montecarlo:compute": "lambda"}))
	match(t, outs, "compute", "lambda")
	match(t, outs, "functionArn", `arn:aws:lambda:`+region+`:`+account+`:function:montecarlo-fn-worker`)
	match(t, outs, "functionLogGroupName", `/aws/lambda/montecarlo-fn-worker`)
	match(t, outs, "serviceName", "")
	match(t, outs, "vpcId", "")
	match(t, outs, "cleanupStateMachineArn", "")
}

// TestEC2SpotComputeStack: compute ec2-spot through the real engine, as
// TestLambdaComputeStack: preview, up and a preview that changes nothing,
// with the launch template, the Auto Scaling group, the capacity provider,
// the instance profile and the ECS endpoints; the Lambda outputs empty.
func TestEC2SpotComputeStack(t *testing.T) {
	p := newProject(t)
	if err := os.Remove(filepath.Join(p.dir, "Pulumi.dev.yaml")); err != nil {
		t.Fatal(err)
	}
	outs := lifecycle(t, p.initStack(t, "spot", map[string]any{"aws:region": region, "montecarlo:compute": "ec2-spot"}))
	match(t, outs, "compute", "ec2-spot")
	match(t, outs, "autoScalingGroupName", `montecarlo-spot-`+hex7)
	match(t, outs, "capacityProviderName", `montecarlo-spot-`+hex7)
	match(t, outs, "instanceRoleArn", `arn:aws:iam::`+account+`:role/montecarlo-instance-`+hex7)
	match(t, outs, "serviceName", `montecarlo-workers-`+hex7)
	match(t, outs, "functionArn", "")
}

// TestChangingKeysOnADeployedStack: a key changed on a deployed stack
// with `pulumi config set` updates what it controls in place, and the
// next preview sees no change.
func TestChangingKeysOnADeployedStack(t *testing.T) {
	p := newProject(t)
	s := p.initStack(t, "dev", map[string]any{"aws:region": region, "image": testImage})
	ctx := context.Background()
	if _, err := s.Up(ctx, optup.ErrorProgressStreams(io.Discard)); err != nil {
		t.Fatalf("up: %v", err)
	}
	defer func() {
		if _, err := s.Destroy(ctx, optdestroy.ErrorProgressStreams(io.Discard)); err != nil {
			t.Errorf("destroy: %v", err)
		}
	}()

	change := func(key string, value any) map[apitype.OpType]int {
		t.Helper()
		p.configSet(t, "dev", key, value)
		pre, err := s.Preview(ctx, optpreview.ErrorProgressStreams(io.Discard), optpreview.Diff())
		if err != nil {
			t.Fatalf("preview after %s=%v: %v", key, value, err)
		}
		t.Logf("%s=%v: preview %v", key, value, pre.ChangeSummary)
		return pre.ChangeSummary
	}
	apply := func() {
		t.Helper()
		if _, err := s.Up(ctx, optup.ErrorProgressStreams(io.Discard)); err != nil {
			t.Fatalf("up: %v", err)
		}
		again, err := s.Preview(ctx, optpreview.ExpectNoChanges())
		if err != nil {
			t.Fatalf("preview after up: %v", err)
		}
		if n := len(again.ChangeSummary); n != 1 {
			t.Errorf("preview after up: %v, want no change", again.ChangeSummary)
		}
	}

	// workerCount is in the state machines' definitions (scale-out): two
	// in-place updates, nothing replaced.
	if ops := change("workerCount", 3); ops[apitype.OpUpdate] < 2 || ops[apitype.OpReplace] != 0 || ops[apitype.OpCreate] != 0 || ops[apitype.OpDelete] != 0 {
		t.Errorf("workerCount 2 -> 3: %v, want in-place updates only", ops)
	}
	apply()

	// tasksPerWorker is in the container definitions: the task definition
	// is replaced (every argument of one forces a new revision), the
	// service and the simulate state machine follow in place.
	ops := change("tasksPerWorker", 3)
	if ops[apitype.OpReplace] != 1 || ops[apitype.OpUpdate] < 2 || ops[apitype.OpCreate] != 0 || ops[apitype.OpDelete] != 0 {
		t.Errorf("tasksPerWorker 2 -> 3: %v, want the task definition replaced and the rest updated in place", ops)
	}
	apply()
}
