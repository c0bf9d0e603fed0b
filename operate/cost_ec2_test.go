package operate

import (
	"math"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

func TestEC2SpotEstimateMatchesTheHandComputedFigures(t *testing.T) {
	t.Parallel()
	in := small()
	in.Compute = ComputeEC2Spot
	in.Workers, in.TasksPerWorker = 4, 2
	in.EC2InstanceTypes = []string{"c6i.xlarge", "m5.xlarge"}
	e, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	if e.Compute != ComputeEC2Spot || e.Objects != 10 || e.Batches != 10 {
		t.Fatalf("compute %s objects %d batches %d, want ec2-spot, 10, 10", e.Compute, e.Objects, e.Batches)
	}
	// Each xlarge holds 3 tasks of 1 vCPU / 2 GiB (its 4 interfaces, one
	// the instance's), so 4 workers need 2 instances, 8 vCPUs, all used by
	// the 4 x 2 activity tasks' kernels.
	read := 10 * (0.030 + 28600.0/90e6)
	work := 0.01/8 + read/8 + 10*0.2/8
	billed := 120 + work + 30 + 900
	hours := 2 * billed / 3600
	near(t, "c6i.xlarge hours", e.Line(ItemEC2Spot+" c6i.xlarge").Quantity, hours/2)
	near(t, "c6i.xlarge USD", e.Line(ItemEC2Spot+" c6i.xlarge").USD, hours/2*0.085)
	near(t, "m5.xlarge USD", e.Line(ItemEC2Spot+" m5.xlarge").USD, hours/2*0.096)
	near(t, "EBS GB-months", e.Line(ItemEBS).Quantity, 2*30*billed/3600/730)
	duration := 240 + work + 30
	near(t, "duration", e.Duration.Seconds(), duration)
	// 16 polls of 15 s while managed scaling launches the instances.
	near(t, "transitions", e.Line(ItemTransitions).Quantity, 17+16*4+10*2)
	near(t, "endpoint hours", e.Line(ItemVPCEHours).Quantity, 7*duration/3600)
	if e.Line(ItemVCPU).Quantity != 0 || e.Line(ItemMemory).Quantity != 0 {
		t.Errorf("an EC2 estimate charges Fargate: %+v", e.Lines)
	}
	var sum float64
	for _, l := range e.Lines {
		sum += l.USD
	}
	near(t, "total", e.TotalUSD, sum)
}

func TestTasksPerInstanceIsTheLeastOfCPUMemoryAndInterfaces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		typ          string
		cpu, mib     int
		want         int
		limitingWhat string
	}{
		{"c5.xlarge", 1024, 2048, 3, "interfaces"},
		{"c5.xlarge", 2048, 4096, 1, "memory (7,372 MiB usable)"},
		{"m5.xlarge", 2048, 4096, 2, "CPU"},
		{"c6i.xlarge", 4096, 8192, 0, "memory"},
	} {
		if got := EC2InstanceTypes[tc.typ].TasksPerInstance(tc.cpu, tc.mib); got != tc.want {
			t.Errorf("%s with %d/%d: %d tasks, want %d (%s)", tc.typ, tc.cpu, tc.mib, got, tc.want, tc.limitingWhat)
		}
	}
}

func TestEC2SpotPricesAreDatedAndOverridable(t *testing.T) {
	t.Parallel()
	for _, typ := range DefaultEC2InstanceTypes {
		if _, ok := EC2InstanceTypes[typ]; !ok {
			t.Errorf("default type %s has no shape", typ)
		}
		found := false
		for _, p := range DefaultPrices {
			if p.Key == ec2SpotPriceKey(typ) {
				found = true
				if p.USD <= 0 || !strings.Contains(p.Source, "2026-12-06") {
					t.Errorf("%s: $%g from %q, want a positive, dated figure", p.Key, p.USD, p.Source)
				}
			}
		}
		if !found {
			t.Errorf("default type %s has no price", typ)
		}
	}
	in := CostInput{Loans: 100_000_000, Compute: ComputeEC2Spot}
	base, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	in.Prices = DefaultPrices
	for _, typ := range DefaultEC2InstanceTypes {
		if in.Prices, err = in.Prices.Set(ec2SpotPriceKey(typ) + "=0"); err != nil {
			t.Fatal(err)
		}
	}
	free, err := EstimateCost(in, workflow.LayoutSharded)
	if err != nil {
		t.Fatal(err)
	}
	var instances float64
	for _, l := range base.Lines {
		if strings.HasPrefix(l.Item, ItemEC2Spot+" ") {
			instances += l.USD
		}
	}
	if instances <= 0 || math.Abs(base.TotalUSD-free.TotalUSD-instances) > 1e-9 {
		t.Errorf("zero Spot prices took %g off %g; the instance lines were %g", base.TotalUSD-free.TotalUSD, base.TotalUSD, instances)
	}
}

func TestEC2SpotInputIsValidatedNamingTheFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		types    []string
		cpu, mib int
		want     string
	}{
		{[]string{"c7g.xlarge"}, 1024, 2048, `--ec2-types: "c7g.xlarge" has no price here`},
		{[]string{}, 1024, 2048, "--ec2-types: want at least one"},
		{[]string{"c6i.xlarge"}, 4096, 8192, "c6i.xlarge cannot hold a task of --task-cpu 4096 and --task-memory 8192"},
	} {
		in := small()
		in.Compute, in.EC2InstanceTypes, in.TaskCPU, in.TaskMemoryMiB = ComputeEC2Spot, tc.types, tc.cpu, tc.mib
		if _, err := EstimateCost(in, workflow.LayoutSharded); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.types, err, tc.want)
		}
	}
}
