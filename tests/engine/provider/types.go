package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// autoname is how the real provider names a resource whose name property
// is unset (tfbridge.AutoName: name, "-", 7 random hex digits).
type autoname struct {
	prop       string
	prefixProp string // a *Prefix property that, when set, turns autonaming off
	maxLen     int
	lower      bool // S3 buckets and ECR repositories take lowercase only
}

// typeSpec is what the stand-in knows of one resource type.
type typeSpec struct {
	autoname  *autoname
	required  []string
	replaceOn []string // changing one of these replaces the resource; "*": every argument
	// replaceIf decides replacements the schema alone does not (the
	// provider's CustomizeDiff), given the changed properties.
	replaceIf func(olds, news resource.PropertyMap, changed []string) []string
	tagged    bool // the type has tags and a computed tagsAll
	defaults  map[string]any
	create    func(r *res)
}

// res is one Create: the inputs, and the outputs being filled in.
type res struct {
	env     env
	name    string // the resource's Pulumi name
	in      resource.PropertyMap
	out     resource.PropertyMap
	preview bool
	id      string
}

func (r *res) str(k string) string {
	v, ok := r.in[resource.PropertyKey(k)]
	if ok && v.IsSecret() {
		v = v.SecretValue().Element
	}
	if !ok || !v.IsString() {
		return ""
	}
	return v.StringValue()
}

// set records a computed output: unknown in preview, as AWS computes it.
func (r *res) set(k string, v any) {
	if r.preview {
		r.out[resource.PropertyKey(k)] = resource.MakeComputed(resource.NewProperty(""))
		return
	}
	r.out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
}

// setIn sets an output that is the input if given, else what AWS computes.
func (r *res) setIn(k string, v any) {
	if _, ok := r.in[resource.PropertyKey(k)]; ok {
		return
	}
	r.set(k, v)
}

// ec2ID is an EC2 resource ID: prefix, "-" and 17 hex digits.
func ec2ID(prefix string) string { return prefix + "-0" + randHex(16) }

func (r *res) ec2(prefix, arnType string) {
	r.id = ec2ID(prefix)
	r.set("arn", r.env.arn("ec2", r.env.region, accountID, arnType+"/"+r.id))
	r.set("ownerId", accountID)
}

// named is the resource's physical name: its name input (autonamed by
// Check), or a name prefix and Terraform's 26-digit unique suffix.
func (r *res) named(prefixProp string) string {
	if n := r.str("name"); n != "" {
		return n
	}
	if p := r.str(prefixProp); p != "" {
		n := p + uniqueSuffix()
		r.set("name", n)
		return n
	}
	return ""
}

var types = map[string]typeSpec{
	"pulumi:providers:aws": {},

	// Network.
	"aws:ec2/vpc:Vpc": {
		tagged:    true,
		replaceOn: []string{"cidrBlock", "instanceTenancy", "ipv4IpamPoolId", "ipv4NetmaskLength"},
		defaults:  map[string]any{"enableDnsSupport": true, "enableDnsHostnames": false, "instanceTenancy": "default", "assignGeneratedIpv6CidrBlock": false, "ipv6CidrBlock": "", "ipv6AssociationId": ""},
		create: func(r *res) {
			r.ec2("vpc", "vpc")
			r.set("mainRouteTableId", ec2ID("rtb"))
			r.set("defaultRouteTableId", ec2ID("rtb"))
			r.set("defaultNetworkAclId", ec2ID("acl"))
			r.set("defaultSecurityGroupId", ec2ID("sg"))
			r.set("dhcpOptionsId", ec2ID("dopt"))
		},
	},
	"aws:ec2/subnet:Subnet": {
		tagged:    true,
		required:  []string{"vpcId"},
		replaceOn: []string{"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "ipv6Native", "outpostArn"},
		defaults:  map[string]any{"mapPublicIpOnLaunch": false, "assignIpv6AddressOnCreation": false, "enableDns64": false, "ipv6Native": false, "privateDnsHostnameTypeOnLaunch": "ip-name", "ipv6CidrBlockAssociationId": ""},
		create: func(r *res) {
			r.ec2("subnet", "subnet")
			zones := regionZones[r.env.region]
			az := r.str("availabilityZone")
			if az == "" {
				az = zones[0].name
				r.set("availabilityZone", az)
			}
			for _, z := range zones {
				if z.name == az {
					r.set("availabilityZoneId", z.id)
				}
			}
		},
	},
	"aws:ec2/routeTable:RouteTable": {
		tagged:    true,
		required:  []string{"vpcId"},
		replaceOn: []string{"vpcId"},
		create: func(r *res) {
			r.ec2("rtb", "route-table")
			r.setIn("routes", []any{})
			r.setIn("propagatingVgws", []any{})
		},
	},
	"aws:ec2/routeTableAssociation:RouteTableAssociation": {
		required:  []string{"routeTableId"},
		replaceOn: []string{"subnetId", "gatewayId"},
		create:    func(r *res) { r.id = ec2ID("rtbassoc") },
	},
	"aws:ec2/securityGroup:SecurityGroup": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 255},
		tagged:    true,
		replaceOn: []string{"name", "namePrefix", "vpcId", "description"},
		defaults:  map[string]any{"description": "Managed by Pulumi", "revokeRulesOnDelete": false},
		create: func(r *res) {
			r.ec2("sg", "security-group")
			r.named("namePrefix")
			r.setIn("ingress", []any{})
			r.setIn("egress", []any{})
		},
	},
	"aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": {
		tagged:    true,
		required:  []string{"securityGroupId"},
		replaceOn: []string{"securityGroupId"},
		create: func(r *res) {
			r.id = ec2ID("sgr")
			r.set("arn", r.env.arn("ec2", r.env.region, accountID, "security-group-rule/"+r.id))
			r.set("securityGroupRuleId", r.id)
		},
	},
	"aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": {
		tagged:    true,
		required:  []string{"securityGroupId"},
		replaceOn: []string{"securityGroupId"},
		create: func(r *res) {
			r.id = ec2ID("sgr")
			r.set("arn", r.env.arn("ec2", r.env.region, accountID, "security-group-rule/"+r.id))
			r.set("securityGroupRuleId", r.id)
		},
	},
	"aws:ec2/vpcEndpoint:VpcEndpoint": {
		tagged:    true,
		required:  []string{"serviceName", "vpcId"},
		replaceOn: []string{"serviceName", "vpcId", "vpcEndpointType", "serviceRegion"},
		defaults:  map[string]any{"vpcEndpointType": "Gateway", "privateDnsEnabled": false, "ipAddressType": "ipv4", "autoAccept": false},
		create: func(r *res) {
			r.ec2("vpce", "vpc-endpoint")
			r.set("state", "available")
			r.set("requesterManaged", false)
			svc := r.str("serviceName")
			if t := r.str("vpcEndpointType"); t == "" || t == "Gateway" {
				r.set("prefixListId", gatewayPrefixList(r.env.region, svc))
				r.set("cidrBlocks", []any{"16.15.192.0/18", "18.34.0.0/19", "3.5.0.0/19", "52.216.0.0/15", "54.231.0.0/16"})
				r.setIn("policy", `{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}],"Version":"2008-10-17"}`)
				r.set("dnsEntries", []any{})
				r.set("networkInterfaceIds", []any{})
				return
			}
			short := strings.TrimPrefix(svc, "com.amazonaws."+r.env.region+".")
			r.set("prefixListId", "")
			r.set("cidrBlocks", []any{})
			r.set("dnsEntries", []any{
				map[string]any{"dnsName": r.id + "-" + randHex(8) + "." + short + "." + r.env.region + ".vpce.amazonaws.com", "hostedZoneId": "Z7HUB22UULQXV"},
			})
			var enis []any
			if s, ok := r.in["subnetIds"]; ok && s.IsArray() {
				for range s.ArrayValue() {
					enis = append(enis, ec2ID("eni"))
				}
			}
			r.set("networkInterfaceIds", enis)
		},
	},

	// Storage.
	"aws:s3/bucketV2:BucketV2": {
		autoname:  &autoname{prop: "bucket", prefixProp: "bucketPrefix", maxLen: 63, lower: true},
		tagged:    true,
		replaceOn: []string{"bucket", "bucketPrefix", "objectLockEnabled"},
		defaults:  map[string]any{"forceDestroy": false, "objectLockEnabled": false},
		create: func(r *res) {
			b := r.str("bucket")
			if b == "" {
				b = r.str("bucketPrefix") + uniqueSuffix()
				r.set("bucket", b)
			}
			r.id = b
			r.set("arn", "arn:aws:s3:::"+b)
			r.set("bucketDomainName", b+".s3.amazonaws.com")
			r.set("bucketRegionalDomainName", b+".s3."+r.env.region+".amazonaws.com")
			r.set("hostedZoneId", s3HostedZone[r.env.region])
			r.set("region", r.env.region)
			r.set("requestPayer", "BucketOwner")
		},
	},
	"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": {
		required: []string{"bucket"}, replaceOn: []string{"bucket"},
		defaults: map[string]any{"blockPublicAcls": false, "blockPublicPolicy": false, "ignorePublicAcls": false, "restrictPublicBuckets": false},
		create:   func(r *res) { r.id = r.str("bucket") },
	},
	"aws:s3/bucketOwnershipControls:BucketOwnershipControls": {
		required: []string{"bucket", "rule"}, replaceOn: []string{"bucket"},
		create: func(r *res) { r.id = r.str("bucket") },
	},
	"aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2": {
		required: []string{"bucket", "rules"}, replaceOn: []string{"bucket", "expectedBucketOwner"},
		create: func(r *res) { r.id = r.str("bucket") },
	},
	"aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2": {
		required: []string{"bucket"}, replaceOn: []string{"bucket", "expectedBucketOwner"},
		create: func(r *res) {
			r.id = r.str("bucket")
			r.setIn("transitionDefaultMinimumObjectSize", "all_storage_classes_128K")
		},
	},
	"aws:s3/bucketPolicy:BucketPolicy": {
		required: []string{"bucket", "policy"}, replaceOn: []string{"bucket"},
		create: func(r *res) { r.id = r.str("bucket") },
	},

	// Image.
	"aws:ecr/repository:Repository": {
		autoname:  &autoname{prop: "name", maxLen: 256, lower: true},
		tagged:    true,
		replaceOn: []string{"name", "encryptionConfigurations"},
		defaults:  map[string]any{"imageTagMutability": "MUTABLE", "forceDelete": false},
		create: func(r *res) {
			n := r.str("name")
			r.id = n
			r.set("arn", r.env.arn("ecr", r.env.region, accountID, "repository/"+n))
			r.set("registryId", accountID)
			r.set("repositoryUrl", accountID+".dkr.ecr."+r.env.region+".amazonaws.com/"+n)
		},
	},
	"aws:ecr/lifecyclePolicy:LifecyclePolicy": {
		required: []string{"repository", "policy"}, replaceOn: []string{"repository"},
		create: func(r *res) {
			r.id = r.str("repository")
			r.set("registryId", accountID)
		},
	},

	// Compute.
	"aws:cloudwatch/logGroup:LogGroup": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 512},
		tagged:    true,
		replaceOn: []string{"name", "namePrefix", "logGroupClass"},
		defaults:  map[string]any{"logGroupClass": "STANDARD", "skipDestroy": false, "retentionInDays": 0},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = n
			r.set("arn", r.env.arn("logs", r.env.region, accountID, "log-group:"+n))
		},
	},
	"aws:ecs/cluster:Cluster": {
		autoname:  &autoname{prop: "name", maxLen: 255},
		tagged:    true,
		replaceOn: []string{"name"},
		create: func(r *res) {
			arn := r.env.arn("ecs", r.env.region, accountID, "cluster/"+r.str("name"))
			r.id = arn
			r.set("arn", arn)
		},
	},
	"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": {
		required: []string{"clusterName"}, replaceOn: []string{"clusterName"},
		create: func(r *res) { r.id = r.str("clusterName") },
	},
	"aws:ecs/taskDefinition:TaskDefinition": {
		tagged:    true,
		required:  []string{"containerDefinitions", "family"},
		replaceOn: []string{"*"},
		defaults:  map[string]any{"skipDestroy": false, "trackLatest": false},
		create: func(r *res) {
			fam := r.str("family")
			r.id = fam
			arn := r.env.arn("ecs", r.env.region, accountID, "task-definition/"+fam)
			r.set("arn", arn+":1")
			r.set("arnWithoutRevision", arn)
			r.set("revision", 1)
		},
	},
	"aws:ecs/service:Service": {
		autoname:  &autoname{prop: "name", maxLen: 255},
		tagged:    true,
		replaceOn: []string{"name", "cluster", "launchType", "schedulingStrategy", "iamRole", "deploymentController"},
		// As aws_ecs_service's CustomizeDiff: a change of the capacity
		// provider strategy replaces the service, unless
		// forceNewDeployment is true and neither the old nor the new
		// strategy is empty.
		replaceIf: func(olds, news resource.PropertyMap, changed []string) []string {
			const k = "capacityProviderStrategies"
			if !slices.Contains(changed, k) {
				return nil
			}
			n := func(m resource.PropertyMap) int {
				if v := m[k]; v.IsArray() {
					return len(v.ArrayValue())
				}
				return 0
			}
			force := news["forceNewDeployment"]
			if force.IsBool() && force.BoolValue() && n(olds) > 0 && n(news) > 0 {
				return nil
			}
			return []string{k}
		},
		defaults: map[string]any{"schedulingStrategy": "REPLICA", "deploymentMaximumPercent": 200, "deploymentMinimumHealthyPercent": 100, "enableEcsManagedTags": false, "enableExecuteCommand": false, "waitForSteadyState": false, "availabilityZoneRebalancing": "DISABLED"},
		create: func(r *res) {
			cluster := r.str("cluster")
			if i := strings.LastIndex(cluster, "/"); i >= 0 {
				cluster = cluster[i+1:]
			}
			r.id = r.env.arn("ecs", r.env.region, accountID, "service/"+cluster+"/"+r.str("name"))
			r.set("platformVersion", "LATEST")
			r.set("triggers", map[string]any{})
			r.set("iamRole", "aws-service-role")
		},
	},

	// Compute ec2-spot: the container instances' launch template, their
	// Auto Scaling group, the capacity provider on it and the instance
	// profile.
	"aws:ec2/launchTemplate:LaunchTemplate": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 128},
		tagged:    true,
		replaceOn: []string{"name", "namePrefix"},
		create: func(r *res) {
			r.named("namePrefix")
			r.ec2("lt", "launch-template")
			r.set("latestVersion", 1)
			r.setIn("defaultVersion", 1)
		},
	},
	"aws:autoscaling/group:Group": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 255},
		required:  []string{"maxSize", "minSize"},
		replaceOn: []string{"name", "namePrefix"},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = n
			r.set("arn", r.env.arn("autoscaling", r.env.region, accountID, "autoScalingGroup:"+uuidLike()+":autoScalingGroupName/"+n))
			r.setIn("desiredCapacity", 0)
			r.set("predictedCapacity", 0)
		},
	},
	"aws:ecs/capacityProvider:CapacityProvider": {
		autoname:  &autoname{prop: "name", maxLen: 255},
		tagged:    true,
		required:  []string{"autoScalingGroupProvider"},
		replaceOn: []string{"name"},
		create: func(r *res) {
			arn := r.env.arn("ecs", r.env.region, accountID, "capacity-provider/"+r.str("name"))
			r.id = arn
			r.set("arn", arn)
		},
	},
	"aws:iam/instanceProfile:InstanceProfile": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 128},
		tagged:    true,
		replaceOn: []string{"name", "namePrefix", "path"},
		defaults:  map[string]any{"path": "/"},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = n
			r.set("arn", "arn:aws:iam::"+accountID+":instance-profile/"+n)
			r.set("uniqueId", "AIPA"+strings.ToUpper(randHex(17)))
			r.set("createDate", time.Now().UTC().Format(time.RFC3339))
		},
	},

	// Compute lambda: the worker function, and the repository policy that
	// lets Lambda pull its image.
	"aws:lambda/function:Function": {
		autoname:  &autoname{prop: "name", maxLen: 64},
		tagged:    true,
		required:  []string{"role"},
		replaceOn: []string{"name", "packageType"},
		defaults: map[string]any{"packageType": "Zip", "memorySize": 128, "timeout": 3,
			"reservedConcurrentExecutions": -1, "publish": false, "architectures": []any{"x86_64"}},
		create: func(r *res) {
			n := r.str("name")
			arn := r.env.arn("lambda", r.env.region, accountID, "function:"+n)
			r.id = n
			r.set("arn", arn)
			r.set("qualifiedArn", arn+":$LATEST")
			r.set("invokeArn", "arn:aws:apigateway:"+r.env.region+":lambda:path/2015-03-31/functions/"+arn+"/invocations")
			r.set("version", "$LATEST")
			r.set("lastModified", time.Now().UTC().Format(time.RFC3339))
			r.set("sourceCodeHash", "")
			r.set("sourceCodeSize", 0)
		},
	},
	"aws:ecr/repositoryPolicy:RepositoryPolicy": {
		required:  []string{"repository", "policy"},
		replaceOn: []string{"repository"},
		create: func(r *res) {
			r.id = r.str("repository")
			r.set("registryId", accountID)
		},
	},

	// IAM.
	"aws:iam/role:Role": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 64},
		tagged:    true,
		required:  []string{"assumeRolePolicy"},
		replaceOn: []string{"name", "namePrefix", "path"},
		defaults:  map[string]any{"path": "/", "maxSessionDuration": 3600, "forceDetachPolicies": false, "description": ""},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = n
			path := r.str("path")
			if path == "" {
				path = "/"
			}
			r.set("arn", "arn:aws:iam::"+accountID+":role"+path+n)
			r.set("uniqueId", "AROA"+strings.ToUpper(randHex(17)))
			r.set("createDate", time.Now().UTC().Format(time.RFC3339))
			r.setIn("managedPolicyArns", []any{})
		},
	},
	"aws:iam/rolePolicy:RolePolicy": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 128},
		required:  []string{"policy", "role"},
		replaceOn: []string{"name", "namePrefix", "role"},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = r.str("role") + ":" + n
		},
	},

	// Workflow.
	"aws:sfn/activity:Activity": {
		autoname:  &autoname{prop: "name", maxLen: 80},
		tagged:    true,
		replaceOn: []string{"name", "encryptionConfiguration"},
		create: func(r *res) {
			arn := r.env.arn("states", r.env.region, accountID, "activity:"+r.str("name"))
			r.id = arn
			r.set("arn", arn)
			r.set("creationDate", time.Now().UTC().Format(time.RFC3339))
		},
	},
	"aws:sfn/stateMachine:StateMachine": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 80},
		tagged:    true,
		required:  []string{"definition", "roleArn"},
		replaceOn: []string{"name", "namePrefix", "type"},
		defaults:  map[string]any{"type": "STANDARD", "publish": false},
		create: func(r *res) {
			n := r.named("namePrefix")
			arn := r.env.arn("states", r.env.region, accountID, "stateMachine:"+n)
			r.id = arn
			r.set("arn", arn)
			r.set("creationDate", time.Now().UTC().Format(time.RFC3339))
			r.set("status", "ACTIVE")
			r.set("revisionId", "")
			r.set("stateMachineVersionArn", "")
			r.set("description", "")
			r.set("versionDescription", "")
		},
	},
	"aws:cloudwatch/eventRule:EventRule": {
		autoname:  &autoname{prop: "name", prefixProp: "namePrefix", maxLen: 64},
		tagged:    true,
		replaceOn: []string{"name", "namePrefix", "eventBusName"},
		defaults:  map[string]any{"eventBusName": "default", "state": "ENABLED", "forceDestroy": false},
		create: func(r *res) {
			n := r.named("namePrefix")
			r.id = n
			r.set("arn", r.env.arn("events", r.env.region, accountID, "rule/"+n))
		},
	},
	"aws:cloudwatch/eventTarget:EventTarget": {
		required:  []string{"arn", "rule"},
		replaceOn: []string{"rule", "targetId", "eventBusName"},
		defaults:  map[string]any{"eventBusName": "default", "forceDestroy": false},
		create: func(r *res) {
			t := r.str("targetId")
			if t == "" {
				t = "terraform-" + uniqueSuffix()
				r.set("targetId", t)
			}
			r.id = r.str("rule") + "-" + t
		},
	},
	"aws:iam/serviceLinkedRole:ServiceLinkedRole": {
		tagged:    true,
		required:  []string{"awsServiceName"},
		replaceOn: []string{"awsServiceName", "customSuffix"},
		create: func(r *res) {
			svc := r.str("awsServiceName")
			n := "AWSServiceRoleFor" + serviceRoleSuffix(svc)
			arn := "arn:aws:iam::" + accountID + ":role/aws-service-role/" + svc + "/" + n
			r.id = arn
			r.set("arn", arn)
			r.set("name", n)
			r.set("path", "/aws-service-role/"+svc+"/")
			r.set("uniqueId", "AROA"+strings.ToUpper(randHex(17)))
			r.set("createDate", time.Now().UTC().Format(time.RFC3339))
		},
	},
}

func serviceRoleSuffix(svc string) string {
	switch svc {
	case "ecs.amazonaws.com":
		return "ECS"
	default:
		head := strings.SplitN(svc, ".", 2)[0]
		return strings.ToUpper(head[:1]) + head[1:]
	}
}

type zone struct{ name, id string }

// regionZones are the availability zones the stand-in reports. Zone IDs
// map to names differently in each account; these are one account's.
var regionZones = map[string][]zone{
	"us-east-1": {{"us-east-1a", "use1-az6"}, {"us-east-1b", "use1-az1"}, {"us-east-1c", "use1-az2"}, {"us-east-1d", "use1-az4"}, {"us-east-1e", "use1-az3"}, {"us-east-1f", "use1-az5"}},
	"us-west-2": {{"us-west-2a", "usw2-az1"}, {"us-west-2b", "usw2-az2"}, {"us-west-2c", "usw2-az3"}, {"us-west-2d", "usw2-az4"}},
	"eu-west-1": {{"eu-west-1a", "euw1-az3"}, {"eu-west-1b", "euw1-az1"}, {"eu-west-1c", "euw1-az2"}},
}

// endpointlessZones: zone IDs where interface endpoint services are not
// offered (use1-az3, us-east-1e here, lacks many).
var endpointlessZones = map[string]bool{"use1-az3": true}

var s3HostedZone = map[string]string{"us-east-1": "Z3AQBSTGFYJSTF", "us-west-2": "Z3BJ6K6RIION7M", "eu-west-1": "Z1BKCTXD74EZPE"}

func knownRegions() []string {
	var rs []string
	for r := range regionZones {
		rs = append(rs, r)
	}
	sort.Strings(rs)
	return rs
}

func gatewayPrefixList(region, svc string) string {
	if strings.HasSuffix(svc, ".dynamodb") {
		return "pl-02cd2c6b"
	}
	return map[string]string{"us-east-1": "pl-63a5400a", "us-west-2": "pl-68a54001", "eu-west-1": "pl-6da54004"}[region]
}

// invoke answers the data sources the program reads.
func invoke(e env, tok string, args resource.PropertyMap) (map[string]any, error) {
	str := func(k string) string {
		if v, ok := args[resource.PropertyKey(k)]; ok && v.IsString() {
			return v.StringValue()
		}
		return ""
	}
	zones := regionZones[e.region]
	switch tok {
	case "aws:index/getRegion:getRegion":
		return map[string]any{"id": e.region, "name": e.region, "region": e.region, "endpoint": "ec2." + e.region + ".amazonaws.com", "description": regionDescription[e.region]}, nil
	case "aws:index/getCallerIdentity:getCallerIdentity":
		return map[string]any{"id": accountID, "accountId": accountID, "arn": "arn:aws:iam::" + accountID + ":user/deployer", "userId": userID}, nil
	case "aws:index/getPartition:getPartition":
		return map[string]any{"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com", "reverseDnsPrefix": "com.amazonaws"}, nil
	case "aws:index/getAvailabilityZones:getAvailabilityZones":
		if s := str("state"); s != "" && s != "available" {
			return map[string]any{"id": e.region, "names": []any{}, "zoneIds": []any{}, "groupNames": []any{}}, nil
		}
		var names, ids, groups []any
		for _, z := range zones {
			names = append(names, z.name)
			ids = append(ids, z.id)
			groups = append(groups, e.region)
		}
		return map[string]any{"id": e.region, "names": names, "zoneIds": ids, "groupNames": groups, "state": str("state")}, nil
	case "aws:ec2/getVpcEndpointService:getVpcEndpointService":
		svc := str("serviceName")
		if svc == "" {
			svc = "com.amazonaws." + e.region + "." + str("service")
		}
		typ := "Interface"
		if strings.HasSuffix(svc, ".s3") && str("serviceType") != "Interface" || strings.HasSuffix(svc, ".dynamodb") {
			typ = "Gateway"
		}
		var names, ids []any
		for _, z := range zones {
			if typ == "Interface" && endpointlessZones[z.id] {
				continue
			}
			names = append(names, z.name)
			ids = append(ids, z.id)
		}
		short := strings.TrimPrefix(svc, "com.amazonaws."+e.region+".")
		return map[string]any{
			"id": svc, "serviceName": svc, "serviceType": typ, "serviceId": "vpce-svc-0" + randHex(16),
			"availabilityZones": names, "serviceRegion": e.region, "owner": "amazon", "acceptanceRequired": false,
			"baseEndpointDnsNames": []any{short + "." + e.region + ".vpce.amazonaws.com"},
			"privateDnsName":       short + "." + e.region + ".amazonaws.com", "vpcEndpointPolicySupported": true,
			"managesVpcEndpoints": false, "supportedIpAddressTypes": []any{"ipv4"}, "arn": "", "tags": map[string]any{},
			"zoneIds": ids,
		}, nil
	}
	return nil, fmt.Errorf("the stand-in aws provider does not answer invoke %s (tests/engine/provider)", tok)
}

var regionDescription = map[string]string{"us-east-1": "US East (N. Virginia)", "us-west-2": "US West (Oregon)", "eu-west-1": "Europe (Ireland)"}

// uuidLike is a random identifier in the 8-4-4-4-12 form of an Auto
// Scaling group ARN's group ID.
func uuidLike() string {
	h := randHex(32)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
