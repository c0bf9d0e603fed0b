package components

import (
	"fmt"
	"net/netip"

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

const httpsPort = 443

// network is what the rest of the component needs from the VPC.
type network struct {
	vpcID                 pulumi.StringOutput
	subnetIDs             pulumi.StringArrayOutput
	workerSecurityGroupID pulumi.StringOutput
}

func newNetwork(ctx *pulumi.Context, name string, s settings, env environment, parent pulumi.ResourceOrInvokeOption) (*network, error) {
	if s.byoVpc {
		return newBringYourOwnNetwork(ctx, name, s, parent)
	}

	zones := s.zones
	if len(zones) == 0 {
		azs, err := aws.GetAvailabilityZones(ctx, &aws.GetAvailabilityZonesArgs{State: pulumi.StringRef("available")}, parent)
		if err != nil {
			return nil, fmt.Errorf("look up availability zones: %w", err)
		}
		if len(azs.Names) < s.azCount {
			return nil, fmt.Errorf("AvailabilityZoneCount %d exceeds the %d zones available in %s", s.azCount, len(azs.Names), env.region)
		}
		zones = azs.Names[:s.azCount]
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
	for _, svc := range InterfaceEndpointServices {
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
