package operate

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// ComputeEC2Spot is the EC2 Spot compute variant (CostInput.Compute).
const ComputeEC2Spot = workflow.ComputeEC2Spot

// EC2InstanceType is what the estimate knows of an instance type of the
// Auto Scaling group (compute ec2-spot).
type EC2InstanceType struct {
	VCPUs     int
	MemoryMiB int
	// ENIs is the type's network interface limit (EC2 user guide, "Maximum
	// IP addresses per network interface"): an awsvpc task takes one, the
	// instance's primary takes one, so ENIs - 1 tasks fit (no ENI trunking).
	ENIs int
}

// EC2InstanceTypes are the types the estimate can price: the stack's
// default group (components.DefaultEC2InstanceTypes, a test keeps them
// equal), each with a price "ec2-spot-<type>-hour" in DefaultPrices.
var EC2InstanceTypes = map[string]EC2InstanceType{
	"c6i.xlarge": {4, 8192, 4}, "c6a.xlarge": {4, 8192, 4}, "c5.xlarge": {4, 8192, 4}, "c5a.xlarge": {4, 8192, 4},
	"m6i.xlarge": {4, 16384, 4}, "m5.xlarge": {4, 16384, 4},
}

// DefaultEC2InstanceTypes is the stack's default group, in its order.
var DefaultEC2InstanceTypes = []string{"c6i.xlarge", "c6a.xlarge", "c5.xlarge", "c5a.xlarge", "m6i.xlarge", "m5.xlarge"}

// Figures of the EC2 Spot compute variant. Judgement (2026-12-06), not
// measured: no stack of this variant has run yet; replace them with a
// measured run's figures.
const (
	// EC2ScaleOutDelay is managed scaling's reaction to the service's new
	// tasks before any instance launches (the CapacityProviderReservation
	// metric at one-minute periods, its alarm, the group's launch): not
	// billed.
	EC2ScaleOutDelay = 2 * time.Minute
	// EC2InstanceBoot is launch to running workers: boot, the ECS agent's
	// registration, the image pull. Billed.
	EC2InstanceBoot = 2 * time.Minute
	// EC2ScaleInDelay is how long an empty instance lingers after the
	// service is scaled in: managed scaling's scale-in alarm waits for 15
	// one-minute periods of low reservation (ECS developer guide, "Managed
	// scaling behavior"). Billed.
	EC2ScaleInDelay = 15 * time.Minute
	// EC2RootVolumeGiB is each instance's encrypted gp3 root volume
	// (components rootVolumeGiB).
	EC2RootVolumeGiB = 30
	// EC2InterfaceEndpoints are the created VPC's interface endpoints with
	// ec2-spot: the four of fargate-spot plus ecs, ecs-agent and
	// ecs-telemetry.
	EC2InterfaceEndpoints = InterfaceEndpoints + 3
	// ec2UsableMemory is the share of an instance's memory ECS registers
	// (components usableMemoryFraction).
	ec2UsableMemory = 0.9
	ec2MinimumS     = 60 // EC2 Linux bills per second, at least a minute
	hoursPerMonth   = 730
)

// ec2SpotPriceKey is the price key of a type's Spot hour.
func ec2SpotPriceKey(instanceType string) string { return "ec2-spot-" + instanceType + "-hour" }

// TasksPerInstance is how many workers of taskCPU units and taskMiB one
// instance of the type holds: the least of its CPU, its usable memory and
// its network interfaces.
func (t EC2InstanceType) TasksPerInstance(taskCPU, taskMiB int) int {
	byCPU := t.VCPUs * 1024 / taskCPU
	byMemory := int(float64(t.MemoryMiB)*ec2UsableMemory) / taskMiB
	return min(byCPU, byMemory, t.ENIs-1)
}

// checkEC2 adds the problems of the EC2 fields.
func (in CostInput) checkEC2(bad func(string, ...any)) {
	if len(in.EC2InstanceTypes) == 0 {
		bad("--ec2-types: want at least one instance type")
	}
	for _, t := range in.EC2InstanceTypes {
		shape, ok := EC2InstanceTypes[t]
		if !ok {
			known := slices.Sorted(func(yield func(string) bool) {
				for k := range EC2InstanceTypes {
					if !yield(k) {
						return
					}
				}
			})
			bad("--ec2-types: %q has no price here; want some of %s", t, strings.Join(known, ", "))
			continue
		}
		if shape.TasksPerInstance(in.TaskCPU, in.TaskMemoryMiB) < 1 {
			bad("--ec2-types: %s cannot hold a task of --task-cpu %d and --task-memory %d", t, in.TaskCPU, in.TaskMemoryMiB)
		}
	}
}

// ec2Fleet is the instances a run uses: how many, and their vCPUs (the
// types are of one size class, so one type's vCPUs stand for all).
type ec2Fleet struct {
	instances int
	vcpus     float64 // all instances'
}

func newEC2Fleet(in CostInput) ec2Fleet {
	f := ec2Fleet{instances: math.MaxInt}
	var vcpu int
	for _, t := range in.EC2InstanceTypes {
		shape := EC2InstanceTypes[t]
		// The fewest tasks any type holds decides the count, as managed
		// scaling may get that type.
		f.instances = min(f.instances, int(ceilDiv(int64(in.Workers), int64(shape.TasksPerInstance(in.TaskCPU, in.TaskMemoryMiB)))))
		vcpu = shape.VCPUs
	}
	f.vcpus = float64(f.instances * vcpu)
	return f
}

// ec2WorkVCPUs is the vCPUs the kernel runs on: a task's CPU is a share
// (cgroup cpu.shares) on EC2, not a cap, so the workers' kernel goroutines
// (one per activity task) use the instances' idle vCPUs too, up to one
// vCPU per goroutine.
func ec2WorkVCPUs(in CostInput, f ec2Fleet) float64 {
	return math.Min(f.vcpus, float64(in.Workers*in.TasksPerWorker))
}

// ec2Lines adds the instances' Spot hours and root volumes for a run of
// durationS seconds from the first running worker's launch: the instances
// run EC2InstanceBoot + work + WorkerShutdown + EC2ScaleInDelay.
func ec2Lines(in CostInput, f ec2Fleet, workS float64, add func(item string, qty float64, key string)) {
	billedS := math.Max(EC2InstanceBoot.Seconds()+workS+WorkerShutdown.Seconds()+EC2ScaleInDelay.Seconds(), ec2MinimumS)
	hours := float64(f.instances) * billedS * hoursPerSecond
	// One line per type, each at an equal share of the hours:
	// capacity-optimized allocation picks the deepest Spot pools, not the
	// cheapest, so no type is likelier than another.
	for _, t := range in.EC2InstanceTypes {
		add(fmt.Sprintf("%s %s", ItemEC2Spot, t), hours/float64(len(in.EC2InstanceTypes)), ec2SpotPriceKey(t))
	}
	add(ItemEBS, float64(f.instances*EC2RootVolumeGiB)*billedS*hoursPerSecond/hoursPerMonth, "ebs-gp3-gb-month")
}

// Line items of the EC2 Spot variant.
const (
	ItemEC2Spot = "EC2 Spot"
	ItemEBS     = "EBS gp3 root volumes"
)

// StandingEndpointUSDPerMonthFor is StandingEndpointUSDPerMonth for a
// compute variant: ec2-spot's created VPC has EC2InterfaceEndpoints.
func StandingEndpointUSDPerMonthFor(compute string, azCount int, p Prices) float64 {
	return float64(interfaceEndpoints(compute)*azCount) * hoursPerMonth * p.Get("vpce-hour")
}

func interfaceEndpoints(compute string) int {
	if compute == ComputeEC2Spot {
		return EC2InterfaceEndpoints
	}
	return InterfaceEndpoints
}
