package workflow

import (
	"slices"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

// sdkAction turns an aws-sdk integration resource into its IAM action:
// "arn:aws:states:::aws-sdk:ecs:updateService" is "ecs:UpdateService",
// "arn:aws:states:::aws-sdk:sfn:listExecutions" "states:ListExecutions".
func sdkAction(resource string) (string, bool) {
	_, api, ok := strings.Cut(resource, ":states:::aws-sdk:")
	if !ok {
		return "", false
	}
	service, op, _ := strings.Cut(api, ":")
	if service == "sfn" { // the SDK's service name; IAM's prefix is "states"
		service = "states"
	}
	return service + ":" + strings.ToUpper(op[:1]) + op[1:], true
}

func TestStatementsCoverEveryCallTheDefinitionMakes(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	for _, b := range builders {
		m, err := b.build(c)
		if err != nil {
			t.Fatal(err)
		}
		st, err := c.StateMachineStatements(b.name)
		if err != nil {
			t.Fatal(err)
		}
		allowed := map[string][]string{}
		for _, s := range st {
			if s.Effect != "Allow" || len(s.Action) == 0 || len(s.Resource) == 0 {
				t.Errorf("%s: statement %+v", b.name, s)
			}
			for _, a := range s.Action {
				if strings.Contains(a, "*") {
					t.Errorf("%s: wildcard action %s", b.name, a)
				}
				allowed[a] = append(allowed[a], s.Resource...)
			}
			for _, r := range s.Resource {
				if r == "*" || strings.HasSuffix(r, ":*") {
					t.Errorf("%s: unscoped resource %s", b.name, r)
				}
			}
		}
		need := map[string]bool{}
		_ = asl.Walk(m, func(v asl.Visit) error {
			switch s := v.State.(type) {
			case *asl.TaskState:
				if a, ok := sdkAction(s.Resource); ok {
					need[a] = true
				}
			case *asl.MapState:
				need["states:StartExecution"] = true
				need["states:DescribeExecution"] = true
				need["states:RedriveExecution"] = true // a redriven parent redrives its Map Run
				need["s3:PutObject"] = s.ResultWriter != nil
				switch {
				case strings.HasSuffix(s.ItemReader.Resource, ":s3:getObject"):
					need["s3:GetObject"] = true
				case strings.HasSuffix(s.ItemReader.Resource, ":s3:listObjectsV2"):
					need["s3:ListBucket"] = true
				}
			}
			return nil
		})
		for a, needed := range need {
			if needed && len(allowed[a]) == 0 {
				t.Errorf("%s: the definition needs %s, which no statement allows", b.name, a)
			}
		}
		if !slices.Contains(allowed["states:ListExecutions"], c.StateMachineArn(c.GenerateStateMachineName)) ||
			!slices.Contains(allowed["states:ListExecutions"], c.StateMachineArn(c.SimulateStateMachineName)) {
			t.Errorf("%s: the guard cannot list both machines' executions: %v", b.name, allowed["states:ListExecutions"])
		}
		if got := allowed["ecs:UpdateService"]; !slices.Equal(got, []string{"arn:aws:ecs:us-east-1:123456789012:service/montecarlo/montecarlo-workers"}) {
			t.Errorf("%s: ecs:UpdateService on %v", b.name, got)
		}
	}
	if _, err := c.StateMachineStatements("report"); err == nil {
		t.Error("statements for an unknown workflow")
	}
}

func TestServiceArnTakesAClusterNameOrArn(t *testing.T) {
	t.Parallel()
	c := testConfig()
	want := "arn:aws:ecs:us-east-1:123456789012:service/montecarlo/montecarlo-workers"
	if got := c.ServiceArn(); got != want {
		t.Errorf("got %s", got)
	}
	c.ClusterName = "arn:aws:ecs:us-east-1:123456789012:cluster/montecarlo"
	if got := c.ServiceArn(); got != want {
		t.Errorf("with a cluster ARN: got %s", got)
	}
}

// allows reports whether an IAM resource pattern (a trailing "*" at most,
// as this package writes them) matches the ARN.
func allows(pattern, arn string) bool {
	if p, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(arn, p)
	}
	return pattern == arn
}

func TestStatementsLetTheResultWriterWriteOnlyUnderScratch(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	bucket := "arn:aws:s3:::" + c.DataBucket + "/"
	for _, tc := range []struct {
		workflow, prefix, elsewhere string
	}{
		{WorkflowGenerate, DatasetMapResultPrefix("bank"), RunMapResultPrefix("run-1")},
		{WorkflowSimulate, RunMapResultPrefix("run-1"), DatasetMapResultPrefix("bank")},
	} {
		t.Run(tc.workflow+" writes its Map Run results and nothing else", func(t *testing.T) {
			t.Parallel()
			if !strings.HasPrefix(tc.prefix, ScratchPrefix) {
				t.Fatalf("result prefix %s is outside %s, which the lifecycle rule expires", tc.prefix, ScratchPrefix)
			}
			st, err := c.StateMachineStatements(tc.workflow)
			if err != nil {
				t.Fatal(err)
			}
			// Step Functions writes <prefix>/<map run id>/manifest.json and
			// the result files beside it.
			written := bucket + tc.prefix + "/0f1e2d3c/manifest.json"
			var may, mayElsewhere, mayOutsideScratch bool
			for _, s := range st {
				if !slices.Contains(s.Action, "s3:PutObject") {
					continue
				}
				for _, r := range s.Resource {
					may = may || allows(r, written)
					mayElsewhere = mayElsewhere || allows(r, bucket+tc.elsewhere+"/x/manifest.json")
					mayOutsideScratch = mayOutsideScratch || allows(r, bucket+RunManifestKey("run-1")) || allows(r, bucket+ManifestKey("bank"))
				}
			}
			if !may {
				t.Errorf("no statement lets the ResultWriter put %s", written)
			}
			if mayElsewhere {
				t.Errorf("the role may write the other workflow's Map Run results (%s)", tc.elsewhere)
			}
			if mayOutsideScratch {
				t.Error("the role may write run or dataset objects, which only the workers write")
			}
		})
	}
}

func TestStatementsReadTheDataBucketOnlyWhereTheWorkersRead(t *testing.T) {
	t.Parallel()
	c := testConfig().WithDefaults()
	bucket := "arn:aws:s3:::" + c.DataBucket
	for _, tc := range []struct {
		workflow        string
		readable        []string
		notReadable     []string
		listedPrefixes  []string
		refusedPrefixes []string
	}{
		{
			workflow:    WorkflowGenerate,
			readable:    []string{PlanKey("bank")},
			notReadable: []string{"runs/run-1/report.json", "private/secrets.csv", "inventory/manifest.json"},
		},
		{
			workflow:        WorkflowSimulate,
			readable:        []string{ManifestKey("bank"), RunManifestKey("run-1"), RunMapResultPrefix("run-1") + "/x/manifest.json"},
			notReadable:     []string{"private/secrets.csv", "inventory/manifest.json"},
			listedPrefixes:  []string{DatasetPrefix("bank"), "runs/run-1/", ScratchPrefix},
			refusedPrefixes: []string{"", "private/", "inventory/"},
		},
	} {
		t.Run(tc.workflow+" reads only under the worker prefixes", func(t *testing.T) {
			t.Parallel()
			st, err := c.StateMachineStatements(tc.workflow)
			if err != nil {
				t.Fatal(err)
			}
			mayGet := func(key string) bool {
				for _, s := range st {
					for _, r := range s.Resource {
						if slices.Contains(s.Action, "s3:GetObject") && allows(r, bucket+"/"+key) {
							return true
						}
					}
				}
				return false
			}
			for _, k := range tc.readable {
				if !mayGet(k) {
					t.Errorf("the role may not get %s", k)
				}
			}
			for _, k := range tc.notReadable {
				if mayGet(k) {
					t.Errorf("the role may get %s", k)
				}
			}
			mayList := func(prefix string) bool {
				for _, s := range st {
					if !slices.Contains(s.Action, "s3:ListBucket") || !slices.Contains(s.Resource, bucket) {
						continue
					}
					patterns, _ := s.Condition["StringLike"]["s3:prefix"].([]any)
					for _, p := range patterns {
						if allows(p.(string), prefix) {
							return true
						}
					}
				}
				return false
			}
			for _, p := range tc.listedPrefixes {
				if !mayList(p) {
					t.Errorf("the role may not list %q", p)
				}
			}
			for _, p := range tc.refusedPrefixes {
				if mayList(p) {
					t.Errorf("the role may list %q", p)
				}
			}
		})
	}
}
