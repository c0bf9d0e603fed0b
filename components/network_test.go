package components

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// subnetZones returns the zones of the created subnets, in the order of
// their index.
func subnetZones(m *mocks) []string {
	// The SDK registers resources from goroutines, so the mocks see them in
	// any order: order the subnets by their index (<name>-private-<i>).
	subnets := m.byType("aws:ec2/subnet:Subnet")
	index := func(r recorded) int {
		i, err := strconv.Atoi(r.Name[strings.LastIndex(r.Name, "-")+1:])
		if err != nil {
			panic(fmt.Sprintf("subnet %q: no index", r.Name))
		}
		return i
	}
	slices.SortFunc(subnets, func(a, b recorded) int { return index(a) - index(b) })
	var zones []string
	for _, sn := range subnets {
		zones = append(zones, sn.Str("availabilityZone"))
	}
	return zones
}

// endpointService is the full name of an interface endpoint service in the
// test region.
func endpointService(svc string) string { return "com.amazonaws." + testRegion + "." + svc }

func TestZonesAreChosenByZoneIDNotByName(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			// euw1-az1 is eu-west-1b and euw1-az2 is eu-west-1c in the test
			// account; the first two zones by name would be a and b.
			if got := subnetZones(m); !slices.Equal(got, []string{"eu-west-1b", "eu-west-1c"}) {
				t.Errorf("subnet zones %v, want eu-west-1b (euw1-az1), eu-west-1c (euw1-az2)", got)
			}
			var looked []string
			for _, inv := range m.invokes {
				if strings.Contains(inv, "getVpcEndpointService") {
					looked = append(looked, inv)
				}
			}
			if len(looked) != len(InterfaceEndpointServices) {
				t.Errorf("looked up %d endpoint services, want %d (%v)", len(looked), len(InterfaceEndpointServices), InterfaceEndpointServices)
			}
		})
	}
}

func TestZonesWithoutAnEndpointServiceAreSkipped(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			// Step Functions is not offered in euw1-az1 (eu-west-1b).
			m := &mocks{dryRun: mode.dryRun, endpointZones: map[string][]string{
				endpointService("states"): {"eu-west-1a", "eu-west-1c"},
			}}
			_, _, err := deployWith(t, m, testArgs())
			if err != nil {
				t.Fatalf("deploy: %v", err)
			}
			if got := subnetZones(m); !slices.Equal(got, []string{"eu-west-1c", "eu-west-1a"}) {
				t.Errorf("subnet zones %v, want eu-west-1c (euw1-az2), eu-west-1a (euw1-az3): eu-west-1b lacks states", got)
			}
			// Every interface endpoint is placed in the chosen subnets only.
			for _, ep := range m.byType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				if ep.Str("vpcEndpointType") == "Interface" && ep.Has("subnetIds") && !mode.dryRun {
					if n := len(toStrings(ep.Value("subnetIds"))); n != 2 {
						t.Errorf("endpoint %s in %d subnets, want 2", ep.Name, n)
					}
				}
			}
		})
	}
}

func TestTooFewZonesOfferingEveryEndpointFailPreviewNamingTheZonesAndServices(t *testing.T) {
	t.Parallel()
	m := &mocks{dryRun: true, endpointZones: map[string][]string{
		endpointService("ecr.dkr"): {"eu-west-1a"},
	}}
	_, _, err := deployWith(t, m, testArgs())
	if err == nil {
		t.Fatal("want an error: only eu-west-1a offers ecr.dkr, two zones are needed")
	}
	for _, want := range []string{"AvailabilityZoneCount 2", "eu-west-1b (euw1-az1) lacks ecr.dkr", "eu-west-1c (euw1-az2) lacks ecr.dkr"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestPinnedZonesByNameOrZoneIDAreKeptInOrderAndChecked(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.AvailabilityZones = []string{"eu-west-1c", "euw1-az3"} // a name and a zone ID (eu-west-1a)
	m, _ := mustDeploy(t, true, args)
	if got := subnetZones(m); !slices.Equal(got, []string{"eu-west-1c", "eu-west-1a"}) {
		t.Errorf("subnet zones %v, want eu-west-1c, eu-west-1a", got)
	}

	// A pinned zone that lacks an endpoint service fails preview.
	m = &mocks{dryRun: true, endpointZones: map[string][]string{endpointService("logs"): {"eu-west-1a", "eu-west-1b"}}}
	args = testArgs()
	args.AvailabilityZones = []string{"eu-west-1a", "eu-west-1c"}
	if _, _, err := deployWith(t, m, args); err == nil || !strings.Contains(err.Error(), "eu-west-1c (euw1-az2) does not offer the VPC endpoint services logs") {
		t.Errorf("err = %v, want eu-west-1c refused for lacking logs", err)
	}

	// Unknown zones and the same zone twice (by name and by ID) fail.
	for _, pinned := range [][]string{{"eu-west-1z"}, {"euw1-az9"}, {"eu-west-1b", "euw1-az1"}} {
		args := testArgs()
		args.AvailabilityZones = pinned
		if _, _, err := deploy(t, true, args); err == nil || !strings.Contains(err.Error(), "AvailabilityZones") {
			t.Errorf("%v: err = %v, want an AvailabilityZones error", pinned, err)
		}
	}
}

func TestZoneIDOrderIsNumeric(t *testing.T) {
	t.Parallel()
	ids := []string{"use1-az10", "use1-az2", "use1-az1"}
	slices.SortFunc(ids, zoneIDCompare)
	if !slices.Equal(ids, []string{"use1-az1", "use1-az2", "use1-az10"}) {
		t.Errorf("order %v", ids)
	}
	if !zoneIDPattern.MatchString("use1-az1") || zoneIDPattern.MatchString("us-east-1a") {
		t.Error("zoneIDPattern")
	}
}
