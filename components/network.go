package components

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// InterfaceEndpointServices are the AWS services the workers reach through
// interface VPC endpoints (S3 uses a gateway endpoint): image pulls (ECR API
// and Docker registry), log delivery (CloudWatch Logs) and the activity
// protocol (Step Functions). With them the private subnets need no NAT.
var InterfaceEndpointServices = []string{"ecr.api", "ecr.dkr", "logs", "states"}

// EC2InterfaceEndpointServices are the extra interface endpoints of compute
// ec2-spot: the ECS agent on a container instance registers with ECS
// ("ecs"), takes its tasks over the agent channel ("ecs-agent") and sends
// metrics and health ("ecs-telemetry") (ECS developer guide, "Amazon ECS
// interface VPC endpoints"). Fargate and Lambda need none of them.
var EC2InterfaceEndpointServices = []string{"ecs", "ecs-agent", "ecs-telemetry"}

// interfaceEndpointServices are the interface endpoints the created VPC has
// for the compute variant.
func interfaceEndpointServices(s settings) []string {
	if s.ec2() {
		return append(slices.Clone(InterfaceEndpointServices), EC2InterfaceEndpointServices...)
	}
	return InterfaceEndpointServices
}

const httpsPort = 443

// network is what the rest of the component needs from the VPC.
type network struct {
	vpcID                 pulumi.StringOutput
	subnetIDs             pulumi.StringArrayOutput
	workerSecurityGroupID pulumi.StringOutput
}

// noNetwork is the network of a function outside any VPC (compute lambda
// without LambdaVpc): nothing is created and the outputs are empty.
func noNetwork() *network {
	return &network{
		vpcID:                 pulumi.String("").ToStringOutput(),
		subnetIDs:             pulumi.StringArray{}.ToStringArrayOutput(),
		workerSecurityGroupID: pulumi.String("").ToStringOutput(),
	}
}

func newNetwork(ctx *pulumi.Context, name string, s settings, env environment, parent pulumi.ResourceOrInvokeOption) (*network, error) {
	if s.byoVpc {
		return newBringYourOwnNetwork(ctx, name, s, parent)
	}

	chosen, err := lookupZones(ctx, s, env, parent)
	if err != nil {
		return nil, err
	}
	zones := make([]string, len(chosen))
	for i, z := range chosen {
		zones[i] = z.name
	}
	subnetCidrs, err := splitCidr(s.vpcCidr, 4, len(zones))
	if err != nil {
		return nil, fmt.Errorf("VpcCidr %s: %w", s.vpcCidr, err)
	}

	v, err := ec2.NewVpc(ctx, name+"-vpc", &ec2.VpcArgs{
		CidrBlock: pulumi.String(s.vpcCidr.String()),
		// Private DNS of the interface endpoints needs both.
		EnableDnsHostnames: pulumi.Bool(true),
		EnableDnsSupport:   pulumi.Bool(true),
		Tags:               tagsWithName(s, name+"-vpc"),
	}, parent)
	if err != nil {
		return nil, err
	}

	var subnetIDs pulumi.StringArray
	var routeTableIDs pulumi.StringArray
	for i, zone := range zones {
		sn, err := ec2.NewSubnet(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.SubnetArgs{
			VpcId:               v.ID(),
			CidrBlock:           pulumi.String(subnetCidrs[i].String()),
			AvailabilityZone:    pulumi.String(zone),
			MapPublicIpOnLaunch: pulumi.Bool(false),
			Tags:                tagsWithName(s, fmt.Sprintf("%s-private-%s", name, zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		// A route table with only the local route (and the S3 gateway
		// endpoint's prefix-list route): no internet gateway, no NAT.
		rt, err := ec2.NewRouteTable(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.RouteTableArgs{
			VpcId: v.ID(),
			Tags:  tagsWithName(s, fmt.Sprintf("%s-private-%s", name, zone)),
		}, parent)
		if err != nil {
			return nil, err
		}
		if _, err := ec2.NewRouteTableAssociation(ctx, fmt.Sprintf("%s-private-%d", name, i), &ec2.RouteTableAssociationArgs{
			SubnetId:     sn.ID(),
			RouteTableId: rt.ID(),
		}, parent); err != nil {
			return nil, err
		}
		subnetIDs = append(subnetIDs, sn.ID().ToStringOutput())
		routeTableIDs = append(routeTableIDs, rt.ID().ToStringOutput())
	}

	workers, err := ec2.NewSecurityGroup(ctx, name+"-workers", &ec2.SecurityGroupArgs{
		VpcId:       v.ID(),
		Description: pulumi.String("Monte Carlo workers: HTTPS egress to the VPC endpoints and S3 only"),
		Tags:        tagsWithName(s, name+"-workers"),
	}, parent)
	if err != nil {
		return nil, err
	}
	endpoints, err := ec2.NewSecurityGroup(ctx, name+"-endpoints", &ec2.SecurityGroupArgs{
		VpcId:       v.ID(),
		Description: pulumi.String("Monte Carlo VPC interface endpoints: HTTPS from the workers only"),
		Tags:        tagsWithName(s, name+"-endpoints"),
	}, parent)
	if err != nil {
		return nil, err
	}

	s3Endpoint, err := ec2.NewVpcEndpoint(ctx, name+"-s3", &ec2.VpcEndpointArgs{
		VpcId:           v.ID(),
		ServiceName:     pulumi.String(env.serviceName("s3")),
		VpcEndpointType: pulumi.String("Gateway"),
		RouteTableIds:   routeTableIDs,
		Tags:            tagsWithName(s, name+"-s3"),
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, svc := range interfaceEndpointServices(s) {
		if _, err := ec2.NewVpcEndpoint(ctx, name+"-"+svc, &ec2.VpcEndpointArgs{
			VpcId:             v.ID(),
			ServiceName:       pulumi.String(env.serviceName(svc)),
			VpcEndpointType:   pulumi.String("Interface"),
			PrivateDnsEnabled: pulumi.Bool(true),
			SubnetIds:         subnetIDs,
			SecurityGroupIds:  pulumi.StringArray{endpoints.ID()},
			Tags:              tagsWithName(s, name+"-"+svc),
		}, parent); err != nil {
			return nil, err
		}
	}

	// Security group rules as separate resources: the two groups refer to
	// each other, and separate rules break the cycle.
	if _, err := vpc.NewSecurityGroupIngressRule(ctx, name+"-endpoints-https-from-workers", &vpc.SecurityGroupIngressRuleArgs{
		SecurityGroupId:           endpoints.ID(),
		ReferencedSecurityGroupId: workers.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(httpsPort),
		ToPort:                    pulumi.Int(httpsPort),
		Description:               pulumi.String("HTTPS from the workers"),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-workers-https-to-endpoints", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId:           workers.ID(),
		ReferencedSecurityGroupId: endpoints.ID(),
		IpProtocol:                pulumi.String("tcp"),
		FromPort:                  pulumi.Int(httpsPort),
		ToPort:                    pulumi.Int(httpsPort),
		Description:               pulumi.String("HTTPS to the interface endpoints"),
	}, parent); err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-workers-https-to-s3", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: workers.ID(),
		PrefixListId:    s3Endpoint.PrefixListId,
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(httpsPort),
		ToPort:          pulumi.Int(httpsPort),
		Description:     pulumi.String("HTTPS to S3 through the gateway endpoint"),
	}, parent); err != nil {
		return nil, err
	}

	return &network{
		vpcID:                 v.ID().ToStringOutput(),
		subnetIDs:             subnetIDs.ToStringArrayOutput(),
		workerSecurityGroupID: workers.ID().ToStringOutput(),
	}, nil
}

// zone is an availability zone by its account-specific name (us-east-1a)
// and its zone ID (use1-az1), which names the same physical zone in every
// account (EC2 user guide, "AZ IDs").
type zone struct{ name, id string }

// zoneIDPattern matches an AZ ID such as use1-az1 or apne1-az4; a zone name
// ends in a letter (us-east-1a).
var zoneIDPattern = regexp.MustCompile(`^[a-z]{2,5}[0-9]+-az[0-9]+$`)

// lookupZones asks the provider for the region's available zones and, for
// each interface endpoint service, the zones it is offered in, then picks
// the subnets' zones with chooseZones. Invokes run in preview too, so a
// region where too few zones offer every endpoint fails `pulumi preview`.
func lookupZones(ctx *pulumi.Context, s settings, env environment, parent pulumi.ResourceOrInvokeOption) ([]zone, error) {
	// The default (allAvailabilityZones unset) leaves out Local Zones and
	// Wavelength Zones, which offer neither Fargate nor these endpoints.
	azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")}, parent)
	if err != nil {
		return nil, fmt.Errorf("look up availability zones: %w", err)
	}
	// names and zoneIds are parallel: the provider sorts the zones by name
	// and appends each zone's name and ID together.
	if len(azs.Names) != len(azs.ZoneIds) {
		return nil, fmt.Errorf("look up availability zones: %d names but %d zone IDs", len(azs.Names), len(azs.ZoneIds))
	}
	available := make([]zone, len(azs.Names))
	for i := range azs.Names {
		available[i] = zone{name: azs.Names[i], id: azs.ZoneIds[i]}
	}
	services := interfaceEndpointServices(s)
	offered := make(map[string][]string, len(services))
	for _, svc := range services {
		// aws.ec2.getVpcEndpointService returns the zones (by name, in
		// this account) where the endpoint service can have a network
		// interface (DescribeVpcEndpointServices AvailabilityZones).
		es, err := ec2.LookupVpcEndpointService(ctx, &ec2.LookupVpcEndpointServiceArgs{
			ServiceName: pulumi.StringRef(env.serviceName(svc)),
			ServiceType: pulumi.StringRef("Interface"),
		}, parent)
		if err != nil {
			return nil, fmt.Errorf("look up VPC endpoint service %s: %w", env.serviceName(svc), err)
		}
		offered[svc] = es.AvailabilityZones
	}
	return chooseZones(available, offered, services, s.zones, s.azCount, env.region)
}

// chooseZones picks count zones where every interface endpoint service is
// offered. Pinned zones (AvailabilityZones, by name or by zone ID) are
// checked and kept in the given order; otherwise the eligible zones are
// taken in zone ID order, so every account of an organisation lands in the
// same physical zones whatever its name mapping. An endpoint service not
// offered in a zone would leave the workers there without ECR, Logs or
// Step Functions (the endpoint's interface exists only in offered zones),
// so such a zone is skipped, or refused when pinned.
func chooseZones(available []zone, offered map[string][]string, services, pinned []string, count int, region string) ([]zone, error) {
	missing := func(z zone) []string {
		var out []string
		for _, svc := range services {
			if !slices.Contains(offered[svc], z.name) {
				out = append(out, svc)
			}
		}
		return out
	}
	if len(pinned) > 0 {
		out := make([]zone, 0, len(pinned))
		seen := map[string]bool{}
		for _, p := range pinned {
			i := slices.IndexFunc(available, func(z zone) bool { return z.name == p || z.id == p })
			if i < 0 {
				kind := "name"
				if zoneIDPattern.MatchString(p) {
					kind = "zone ID"
				}
				return nil, fmt.Errorf("AvailabilityZones: %s is not the %s of an available zone in %s (available: %s)", p, kind, region, describeZones(available))
			}
			z := available[i]
			if seen[z.id] {
				return nil, fmt.Errorf("AvailabilityZones: %s names zone %s (%s) twice", p, z.name, z.id)
			}
			seen[z.id] = true
			if m := missing(z); len(m) > 0 {
				return nil, fmt.Errorf("AvailabilityZones: zone %s (%s) does not offer the VPC endpoint services %s; choose another zone", z.name, z.id, strings.Join(m, ", "))
			}
			out = append(out, z)
		}
		return out, nil
	}
	byID := slices.Clone(available)
	slices.SortFunc(byID, func(a, b zone) int { return zoneIDCompare(a.id, b.id) })
	var out []zone
	var skipped []string
	for _, z := range byID {
		if m := missing(z); len(m) > 0 {
			skipped = append(skipped, fmt.Sprintf("%s (%s) lacks %s", z.name, z.id, strings.Join(m, ", ")))
			continue
		}
		if len(out) < count {
			out = append(out, z)
		}
	}
	if len(out) < count {
		msg := fmt.Sprintf("AvailabilityZoneCount %d exceeds the %d zones of %s that are available and offer every VPC endpoint service (%s)",
			count, len(out), region, strings.Join(services, ", "))
		if len(skipped) > 0 {
			msg += "; skipped: " + strings.Join(skipped, "; ")
		}
		return nil, errors.New(msg)
	}
	return out, nil
}

// zoneIDCompare orders zone IDs by region prefix, then numerically by the
// number after "-az" (use1-az2 before use1-az10).
func zoneIDCompare(a, b string) int {
	pa, na, _ := strings.Cut(a, "-az")
	pb, nb, _ := strings.Cut(b, "-az")
	if c := strings.Compare(pa, pb); c != 0 {
		return c
	}
	ia, errA := strconv.Atoi(na)
	ib, errB := strconv.Atoi(nb)
	if errA == nil && errB == nil && ia != ib {
		return ia - ib
	}
	return strings.Compare(a, b)
}

func describeZones(zs []zone) string {
	parts := make([]string, len(zs))
	for i, z := range zs {
		parts[i] = z.name + "=" + z.id
	}
	return strings.Join(parts, ", ")
}

// newBringYourOwnNetwork creates only the workers' security group in the
// given VPC. Where the endpoints live is unknown, so HTTPS egress is open.
func newBringYourOwnNetwork(ctx *pulumi.Context, name string, s settings, parent pulumi.ResourceOrInvokeOption) (*network, error) {
	workers, err := ec2.NewSecurityGroup(ctx, name+"-workers", &ec2.SecurityGroupArgs{
		VpcId:       s.vpcID,
		Description: pulumi.String("Monte Carlo workers: HTTPS egress only"),
		Tags:        tagsWithName(s, name+"-workers"),
	}, parent)
	if err != nil {
		return nil, err
	}
	if _, err := vpc.NewSecurityGroupEgressRule(ctx, name+"-workers-https", &vpc.SecurityGroupEgressRuleArgs{
		SecurityGroupId: workers.ID(),
		CidrIpv4:        pulumi.String("0.0.0.0/0"),
		IpProtocol:      pulumi.String("tcp"),
		FromPort:        pulumi.Int(httpsPort),
		ToPort:          pulumi.Int(httpsPort),
		Description:     pulumi.String("HTTPS to the VPC's endpoints or NAT"),
	}, parent); err != nil {
		return nil, err
	}
	return &network{
		vpcID:                 s.vpcID.ToStringOutput(),
		subnetIDs:             s.subnetIDs.ToStringArrayOutput(),
		workerSecurityGroupID: workers.ID().ToStringOutput(),
	}, nil
}

// splitCidr returns the first n blocks of block that are extraBits longer.
func splitCidr(block netip.Prefix, extraBits, n int) ([]netip.Prefix, error) {
	bits := block.Bits() + extraBits
	if bits > 32 || n > 1<<extraBits {
		return nil, fmt.Errorf("cannot split into %d /%d subnets", n, bits)
	}
	out := make([]netip.Prefix, 0, n)
	base := block.Masked().Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	size := uint32(1) << (32 - bits)
	for i := range n {
		a := start + uint32(i)*size
		addr := netip.AddrFrom4([4]byte{byte(a >> 24), byte(a >> 16), byte(a >> 8), byte(a)})
		out = append(out, netip.PrefixFrom(addr, bits))
	}
	return out, nil
}

// tagsWithName returns the user's tags plus a Name tag.
func tagsWithName(s settings, name string) pulumi.StringMap {
	m := tagMap(s)
	m["Name"] = pulumi.String(name)
	return m
}

// tagMap returns the user's tags as a Pulumi map (never nil).
func tagMap(s settings) pulumi.StringMap {
	m := pulumi.StringMap{}
	for k, v := range s.tags {
		m[k] = pulumi.String(v)
	}
	return m
}
