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
