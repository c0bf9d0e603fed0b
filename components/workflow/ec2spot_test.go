package workflow

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

const testAutoScalingGroup = "montecarlo-spot"

// testEC2SpotConfig is testConfig on EC2 Spot instances: the same activity,
// cluster and service, and the Auto Scaling group behind them.
func testEC2SpotConfig() Config {
	c := testConfig()
	c.Compute = ComputeEC2Spot
	c.AutoScalingGroupName = testAutoScalingGroup
	return c
}

func TestEC2SpotDefinitionsMatchTheGoldenFiles(t *testing.T) {
	t.Parallel()
	for golden, data := range matchGoldenDefinitions(t, testEC2SpotConfig(), filepath.Join("testdata", ComputeEC2Spot)) {
		checkParsesBack(t, golden, data)
	}
}

// On EC2 Spot the workflows are fargate-spot's: scale the service out, wait
// for it, work through the activity, scale in. Only the cause of
// Workers.NotStarted differs, and it names the Auto Scaling group.
func TestEC2SpotDefinitionsAreFargateSpotsButNameTheAutoScalingGroupWhenWorkersNeverStart(t *testing.T) {
	t.Parallel()
	fargate, err := Definitions(testConfig())
	if err != nil {
		t.Fatal(err)
	}
	ec2, err := Definitions(testEC2SpotConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(fargate) != len(ec2) {
		t.Fatalf("%d definitions on ec2-spot, %d on fargate-spot", len(ec2), len(fargate))
	}
	for i := range ec2 {
		got, want := string(ec2[i].JSON), string(fargate[i].JSON)
		if !strings.Contains(got, StateWorkersNotStarted) {
			if got != want {
				t.Errorf("%s differs from fargate-spot's though it has no worker wait", ec2[i].Workflow)
			}
			continue
		}
		if !strings.Contains(got, "Auto Scaling group "+testAutoScalingGroup) {
			t.Errorf("%s: Workers.NotStarted does not name the Auto Scaling group %s", ec2[i].Workflow, testAutoScalingGroup)
		}
		if strings.Contains(want, testAutoScalingGroup) {
			t.Errorf("%s: fargate-spot's definition names an Auto Scaling group", fargate[i].Workflow)
		}
		// Apart from that one cause, the two are the same definition.
		m, err := asl.Parse(ec2[i].JSON)
		if err != nil {
			t.Fatal(err)
		}
		f, err := asl.Parse(fargate[i].JSON)
		if err != nil {
			t.Fatal(err)
		}
		m.States[StateWorkersNotStarted] = f.States[StateWorkersNotStarted]
		again, err := Render(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again, fargate[i].JSON) {
			t.Errorf("%s differs from fargate-spot's in more than the Workers.NotStarted cause", ec2[i].Workflow)
		}
	}
}

func TestEC2SpotNeedsItsAutoScalingGroup(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"", "a:b", strings.Repeat("a", 256)} {
		c := testEC2SpotConfig()
		c.AutoScalingGroupName = name
		err := c.WithDefaults().Validate()
		if err == nil || !strings.Contains(err.Error(), "AutoScalingGroupName") {
			t.Errorf("AutoScalingGroupName %q: err = %v, want one naming AutoScalingGroupName", name, err)
		}
	}
	if err := testEC2SpotConfig().WithDefaults().Validate(); err != nil {
		t.Errorf("valid ec2-spot config: %v", err)
	}
}
