package components

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
)

// Each test here asserts one security default of DESIGN.md on the resource
// graph the mocks recorded, in preview and in update.

func TestWorkersGetNoPublicIP(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			svc := m.one(t, "aws:ecs/service:Service")
			nc, _ := svc.Value("networkConfiguration").(map[string]any)
			if nc["assignPublicIp"] != false {
				t.Errorf("service assignPublicIp = %v, want false", nc["assignPublicIp"])
			}
			for _, sn := range m.byType("aws:ec2/subnet:Subnet") {
				if sn.Value("mapPublicIpOnLaunch") != false {
					t.Errorf("subnet %s mapPublicIpOnLaunch = %v, want false", sn.Name, sn.Value("mapPublicIpOnLaunch"))
				}
			}
		})
	}
}

func TestNetworkHasPrivateSubnetsOnlyAndNoNATOrInternetGateway(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, p := mustDeploy(t, mode.dryRun, testArgs())
			for _, typ := range []string{
				"aws:ec2/natGateway:NatGateway",
				"aws:ec2/internetGateway:InternetGateway",
				"aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
				"aws:ec2/eip:Eip",
				"aws:ec2/route:Route",
			} {
				if n := len(m.byType(typ)); n != 0 {
					t.Errorf("found %d %s, want none", n, typ)
				}
			}
			for _, rt := range m.byType("aws:ec2/routeTable:RouteTable") {
				if routes, _ := rt.Value("routes").([]any); len(routes) != 0 {
					t.Errorf("route table %s has routes %v; want only the local route", rt.Name, routes)
				}
			}
			subnets := m.byType("aws:ec2/subnet:Subnet")
			if len(subnets) != DefaultAvailabilityZoneCount {
				t.Fatalf("got %d subnets, want %d", len(subnets), DefaultAvailabilityZoneCount)
			}
			zones := map[string]bool{}
			for _, sn := range subnets {
				zones[sn.Str("availabilityZone")] = true
			}
			if len(zones) != DefaultAvailabilityZoneCount {
				t.Errorf("subnets span zones %v, want %d distinct", zones, DefaultAvailabilityZoneCount)
			}
			if len(m.byType("aws:ec2/routeTableAssociation:RouteTableAssociation")) != len(subnets) {
				t.Errorf("every subnet needs its private route table association")
			}
			if !mode.dryRun {
				// The service runs in exactly the created private subnets.
				svc := m.one(t, "aws:ecs/service:Service")
				nc := svc.Value("networkConfiguration").(map[string]any)
				got := toStrings(nc["subnets"])
				want := []string{"mc-private-0-id", "mc-private-1-id"}
				if !slices.Equal(sorted(got), want) {
					t.Errorf("service subnets = %v, want %v", got, want)
				}
				out, _ := await(t, p.SubnetIDs)
				if !slices.Equal(sorted(toStrings(out)), want) {
					t.Errorf("subnetIds output = %v, want %v", out, want)
				}
			}
		})
	}
}

func TestVPCEndpointsArePresentAndAttached(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			vpc := m.one(t, "aws:ec2/vpc:Vpc")
			if vpc.Value("enableDnsHostnames") != true || vpc.Value("enableDnsSupport") != true {
				t.Errorf("VPC needs DNS hostnames and support for private DNS endpoints")
			}
			endpoints := map[string]recorded{}
			for _, e := range m.byType("aws:ec2/vpcEndpoint:VpcEndpoint") {
				endpoints[e.Str("serviceName")] = e
			}
			s3 := endpoints["com.amazonaws."+testRegion+".s3"]
			if s3.Str("vpcEndpointType") != "Gateway" {
				t.Fatalf("S3 gateway endpoint missing: %v", keys(endpoints))
			}
			for _, svc := range InterfaceEndpointServices {
				e, ok := endpoints["com.amazonaws."+testRegion+"."+svc]
				if !ok {
					t.Errorf("no interface endpoint for %s", svc)
					continue
				}
				if e.Str("vpcEndpointType") != "Interface" || e.Value("privateDnsEnabled") != true {
					t.Errorf("%s endpoint: type %q privateDns %v, want Interface with private DNS", svc, e.Str("vpcEndpointType"), e.Value("privateDnsEnabled"))
				}
				if mode.dryRun {
					if !e.Has("subnetIds") || !e.Has("securityGroupIds") {
						t.Errorf("%s endpoint is not attached to subnets and a security group", svc)
					}
					continue
				}
				if got := sorted(toStrings(e.Value("subnetIds"))); !slices.Equal(got, []string{"mc-private-0-id", "mc-private-1-id"}) {
					t.Errorf("%s endpoint subnets = %v", svc, got)
				}
				if got := toStrings(e.Value("securityGroupIds")); !slices.Equal(got, []string{"mc-endpoints-id"}) {
					t.Errorf("%s endpoint security groups = %v, want the endpoint group", svc, got)
				}
			}
			if len(endpoints) != 1+len(InterfaceEndpointServices) {
				t.Errorf("endpoints %v, want S3 plus %v", keys(endpoints), InterfaceEndpointServices)
			}
			if !mode.dryRun {
				if got := sorted(toStrings(s3.Value("routeTableIds"))); !slices.Equal(got, []string{"mc-private-0-id", "mc-private-1-id"}) {
					t.Errorf("S3 gateway endpoint route tables = %v, want both private route tables", got)
				}
			}
		})
	}
}

func TestEndpointSecurityGroupAdmitsHTTPSFromWorkersOnly(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	for _, sg := range m.byType("aws:ec2/securityGroup:SecurityGroup") {
		if sg.Has("ingress") || sg.Has("egress") {
			if in, _ := sg.Value("ingress").([]any); len(in) > 0 {
				t.Errorf("security group %s has inline ingress %v", sg.Name, in)
			}
			if eg, _ := sg.Value("egress").([]any); len(eg) > 0 {
				t.Errorf("security group %s has inline egress %v", sg.Name, eg)
			}
		}
	}
	ingress := m.byType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
	if len(ingress) != 1 {
		t.Fatalf("got %d ingress rules, want 1 (endpoints from workers)", len(ingress))
	}
	in := ingress[0]
	if in.Str("securityGroupId") != "mc-endpoints-id" || in.Str("referencedSecurityGroupId") != "mc-workers-id" ||
		in.Str("ipProtocol") != "tcp" || in.Value("fromPort") != 443.0 || in.Value("toPort") != 443.0 || in.Has("cidrIpv4") {
		t.Errorf("ingress rule = %v, want tcp 443 to the endpoint group from the worker group only", in.Inputs)
	}
	egress := m.byType("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
	if len(egress) != 2 {
		t.Fatalf("got %d egress rules, want 2", len(egress))
	}
	targets := map[string]bool{}
	for _, e := range egress {
		if e.Str("securityGroupId") != "mc-workers-id" || e.Str("ipProtocol") != "tcp" || e.Value("fromPort") != 443.0 || e.Value("toPort") != 443.0 {
			t.Errorf("egress rule %s = %v, want tcp 443 from the worker group", e.Name, e.Inputs)
		}
		if e.Has("cidrIpv4") || e.Has("cidrIpv6") {
			t.Errorf("egress rule %s opens a CIDR: %v", e.Name, e.Inputs)
		}
		targets[e.Str("referencedSecurityGroupId")+e.Str("prefixListId")] = true
	}
	if !targets["mc-endpoints-id"] || !targets["pl-6da54004"] {
		t.Errorf("worker egress goes to %v, want the endpoint group and the S3 prefix list", targets)
	}
}

func TestDataBucketBlocksPublicAccessEncryptsAndEnforcesOwnership(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			pab := m.one(t, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
			for _, k := range []string{"blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"} {
				if pab.Value(k) != true {
					t.Errorf("public access block %s = %v, want true", k, pab.Value(k))
				}
			}
			own := m.one(t, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
			if rule, _ := own.Value("rule").(map[string]any); rule["objectOwnership"] != "BucketOwnerEnforced" {
				t.Errorf("object ownership = %v, want BucketOwnerEnforced", rule)
			}
			sse := m.one(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
			rules := sse.Value("rules").([]any)
			def := rules[0].(map[string]any)["applyServerSideEncryptionByDefault"].(map[string]any)
			if def["sseAlgorithm"] != "AES256" {
				t.Errorf("default encryption = %v, want AES256", def)
			}
		})
	}
}

func TestDataBucketWithKMSKeyUsesSSEKMSAndGrantsTheKey(t *testing.T) {
	t.Parallel()
	const key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	args := testArgs()
	args.KmsKeyArn = pulumi.String(key)
	m, _ := mustDeploy(t, false, args)
	sse := m.one(t, "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2")
	rule := sse.Value("rules").([]any)[0].(map[string]any)
	def := rule["applyServerSideEncryptionByDefault"].(map[string]any)
	if def["sseAlgorithm"] != "aws:kms" || def["kmsMasterKeyId"] != key || rule["bucketKeyEnabled"] != true {
		t.Errorf("encryption rule = %v, want aws:kms with the key and a bucket key", rule)
	}
	for _, role := range []string{"mc-task", "mc-generate-states", "mc-simulate-states"} {
		p := rolePolicy(t, m, role)
		if got := p.allowedOn(key); !hasAll(got, "kms:Decrypt", "kms:GenerateDataKey") {
			t.Errorf("%s may %v on the key, want Decrypt and GenerateDataKey", role, got)
		}
	}
	// The cleanup touches no object.
	if got := rolePolicy(t, m, "mc-cleanup").allowedOn(key); len(got) > 0 {
		t.Errorf("mc-cleanup may %v on the key, which it never uses", got)
	}
}

func TestDataBucketPolicyDeniesRequestsWithoutTLS(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	bp := m.one(t, "aws:s3/bucketPolicy:BucketPolicy")
	var p policy
	bp.JSON(t, "policy", &p)
	st := p.statement(t, "DenyInsecureTransport")
	if st.Effect != "Deny" || st.Condition["Bool"]["aws:SecureTransport"] != "false" {
		t.Errorf("TLS statement = %+v, want Deny when aws:SecureTransport is false", st)
	}
	want := []string{"arn:aws:s3:::mc-data-a1b2c3d", "arn:aws:s3:::mc-data-a1b2c3d/*"}
	if !slices.Equal(sorted(st.Resource), want) {
		t.Errorf("TLS statement covers %v, want %v", st.Resource, want)
	}
	if !dependsOn(bp, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "mc-data") {
		t.Errorf("bucket policy must wait for the public access block; depends on %v", bp.Dependencies)
	}
}

func TestScratchPrefixExpires(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.ScratchExpirationDays = 3
	m, _ := mustDeploy(t, false, args)
	lc := m.one(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
	found := false
	for _, r := range lc.Value("rules").([]any) {
		rule := r.(map[string]any)
		filter, _ := rule["filter"].(map[string]any)
		exp, _ := rule["expiration"].(map[string]any)
		if filter["prefix"] == ScratchPrefix && exp["days"] == 3.0 && rule["status"] == "Enabled" {
			found = true
		}
	}
	if !found {
		t.Errorf("no enabled rule expiring %s after 3 days: %v", ScratchPrefix, lc.Value("rules"))
	}
}

func TestLifecycleRuleExpiresTheMapRunResults(t *testing.T) {
	t.Parallel()
	m, _ := mustDeploy(t, false, testArgs())
	lc := m.one(t, "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2")
	// The keys the Distributed Map ResultWriter writes: <prefix>/<map run
	// id>/manifest.json and result files beside it.
	for _, key := range []string{
		workflow.RunMapResultPrefix("run-2026-11-21") + "/6c0e/manifest.json",
		workflow.DatasetMapResultPrefix("default") + "/6c0e/SUCCEEDED_0.json",
	} {
		expired := false
		for _, r := range lc.Value("rules").([]any) {
			rule := r.(map[string]any)
			filter, _ := rule["filter"].(map[string]any)
			prefix, _ := filter["prefix"].(string)
			if _, ok := rule["expiration"].(map[string]any); ok && rule["status"] == "Enabled" && prefix != "" && strings.HasPrefix(key, prefix) {
				expired = true
			}
		}
		if !expired {
			t.Errorf("no enabled lifecycle rule expires %s: %v", key, lc.Value("rules"))
		}
	}
}

func TestContainerRunsNonRootReadOnlyUnprivilegedOnX86(t *testing.T) {
	t.Parallel()
	m, p := mustDeploy(t, false, testArgs())
	td := m.one(t, "aws:ecs/taskDefinition:TaskDefinition")
	rp := td.Value("runtimePlatform").(map[string]any)
	if rp["cpuArchitecture"] != "X86_64" || rp["operatingSystemFamily"] != "LINUX" {
		t.Errorf("runtime platform = %v, want X86_64 LINUX (Fargate Spot)", rp)
	}
	var defs []map[string]any
	td.JSON(t, "containerDefinitions", &defs)
	if len(defs) != 1 {
		t.Fatalf("got %d containers, want 1", len(defs))
	}
	c := defs[0]
	if c["user"] != WorkerUser || c["user"] == "0" || c["user"] == "root" {
		t.Errorf("user = %v, want non-root %s", c["user"], WorkerUser)
	}
	if c["readonlyRootFilesystem"] != true {
		t.Errorf("readonlyRootFilesystem = %v, want true", c["readonlyRootFilesystem"])
	}
	if c["privileged"] != false {
		t.Errorf("privileged = %v, want false", c["privileged"])
	}
	caps := c["linuxParameters"].(map[string]any)["capabilities"].(map[string]any)
	if !slices.Equal(toStrings(caps["drop"]), []string{"ALL"}) || caps["add"] != nil {
		t.Errorf("capabilities = %v, want drop ALL and add none", caps)
	}
	if c["stopTimeout"] != float64(WorkerStopTimeoutSeconds) {
		t.Errorf("stopTimeout = %v, want %d", c["stopTimeout"], WorkerStopTimeoutSeconds)
	}
	image := awaitString(t, p.ImageURI)
	if c["image"] != image || !strings.Contains(image, "@sha256:") {
		t.Errorf("container image %v, output %s: want the digest-pinned image", c["image"], image)
	}
	logs := c["logConfiguration"].(map[string]any)
	opts := logs["options"].(map[string]any)
	if logs["logDriver"] != "awslogs" || opts["awslogs-group"] != awaitString(t, p.LogGroupName) || opts["awslogs-region"] != testRegion {
		t.Errorf("log configuration = %v, want awslogs to the workers' group", logs)
	}
}

// Tags are mutable so that a re-push of an unchanged context tag succeeds
// (ECR refuses any push of an existing tag to an IMMUTABLE repository,
// even with the same digest); what runs is pinned by digest.
func TestImageIsBuiltForAMD64AndPinnedByDigestInAScannedRepositoryWithMutableTags(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, p := mustDeploy(t, mode.dryRun, testArgs())
			repo := m.one(t, "aws:ecr/repository:Repository")
			if repo.Str("imageTagMutability") != "MUTABLE" {
				t.Errorf("imageTagMutability = %q, want MUTABLE: an IMMUTABLE repository refuses a re-push of the same tag", repo.Str("imageTagMutability"))
			}
			if repo.Has("imageTagMutabilityExclusionFilters") {
				t.Errorf("exclusion filters set with MUTABLE tags")
			}
			if scan, _ := repo.Value("imageScanningConfiguration").(map[string]any); scan["scanOnPush"] != true {
				t.Errorf("scanOnPush = %v, want true", scan)
			}
			var lc struct{ Rules []map[string]any }
			m.one(t, "aws:ecr/lifecyclePolicy:LifecyclePolicy").JSON(t, "policy", &lc)
			if len(lc.Rules) == 0 {
				t.Errorf("ECR lifecycle policy has no rules")
			}
			img := m.one(t, "awsx:ecr:Image")
			if img.Str("platform") != "linux/amd64" || img.Str("imageTag") != "test" {
				t.Errorf("image build platform %q tag %q, want linux/amd64 and the given tag", img.Str("platform"), img.Str("imageTag"))
			}
			uri, known := await(t, p.ImageURI)
			if mode.dryRun {
				if known {
					t.Errorf("image URI known in preview: %v", uri)
				}
				return
			}
			if !strings.HasSuffix(uri.(string), "@"+testDigest) {
				t.Errorf("image URI %v is not pinned by digest", uri)
			}
		})
	}
}

func TestImageThatIsNotPinnedByDigestIsRejected(t *testing.T) {
	t.Parallel()
	for _, uri := range []string{
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker:latest",
		"docker.io/library/busybox@" + testDigest,
		"123456789012.dkr.ecr.eu-west-1.amazonaws.com/worker@sha256:abc",
	} {
		t.Run(uri, func(t *testing.T) {
			t.Parallel()
			_, _, err := deploy(t, false, &MonteCarloPipelineArgs{ImageURI: pulumi.String(uri)})
			if err == nil || !strings.Contains(err.Error(), "pinned by digest") {
				t.Errorf("deploy with image %s: err = %v, want a pinned-by-digest error", uri, err)
			}
		})
	}
}

func TestPrebuiltImageSkipsTheBuildAndIsPulledFromItsRepository(t *testing.T) {
	t.Parallel()
	uri := "210987654321.dkr.ecr.eu-west-1.amazonaws.com/team/worker@" + testDigest
	m, p := mustDeploy(t, false, &MonteCarloPipelineArgs{ImageURI: pulumi.String(uri)})
	if n := len(m.byType("awsx:ecr:Image")) + len(m.byType("aws:ecr/repository:Repository")); n != 0 {
		t.Errorf("prebuilt image still created %d image/repository resources", n)
	}
	if got := awaitString(t, p.ImageURI); got != uri {
		t.Errorf("imageUri = %s, want %s", got, uri)
	}
	pol := rolePolicy(t, m, "mc-execution")
	if got := pol.allowedOn("arn:aws:ecr:eu-west-1:210987654321:repository/team/worker"); !hasAll(got, "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer") {
		t.Errorf("execution role may %v on the image's repository, want pull", got)
	}
}

func TestEveryLogGroupHasTheConfiguredRetention(t *testing.T) {
	t.Parallel()
	args := testArgs()
	args.LogRetentionDays = 14
	m, _ := mustDeploy(t, true, args)
	groups := m.byType("aws:cloudwatch/logGroup:LogGroup")
	if len(groups) < 2 {
		t.Fatalf("got %d log groups, want the workers' and the state machines'", len(groups))
	}
	for _, g := range groups {
		if g.Value("retentionInDays") != 14.0 {
			t.Errorf("log group %s retention = %v, want 14", g.Name, g.Value("retentionInDays"))
		}
	}
}

func TestServiceStartsAtZeroAndLeavesTheDesiredCountToTheWorkflows(t *testing.T) {
	t.Parallel()
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			m, _ := mustDeploy(t, mode.dryRun, testArgs())
			svc := m.one(t, "aws:ecs/service:Service")
			if svc.Value("desiredCount") != 0.0 {
				t.Errorf("desiredCount = %v, want 0", svc.Value("desiredCount"))
			}
			if !slices.Contains(svc.IgnoreChanges, "desiredCount") {
				t.Errorf("ignoreChanges = %v, want desiredCount", svc.IgnoreChanges)
			}
			cb, _ := svc.Value("deploymentCircuitBreaker").(map[string]any)
			if cb["enable"] != true || cb["rollback"] != true {
				t.Errorf("circuit breaker = %v, want enabled with rollback", cb)
			}
			for _, dep := range []struct{ typ, name string }{
				{"aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "mc"},
				{"aws:iam/rolePolicy:RolePolicy", "mc-task"},
				{"aws:iam/rolePolicy:RolePolicy", "mc-execution"},
			} {
				if !dependsOn(svc, dep.typ, dep.name) {
					t.Errorf("service must wait for %s %s; depends on %v", dep.typ, dep.name, svc.Dependencies)
				}
			}
		})
	}
}

// dependsOn reports whether r was registered with a dependency on the
// resource of the given type and logical name (dependencies are URNs).
func dependsOn(r recorded, typ, name string) bool {
	for _, urn := range r.Dependencies {
		if strings.HasSuffix(urn, typ+"::"+name) {
			return true
		}
	}
	return false
}

func toStrings(v any) []string {
	if ss, ok := v.([]string); ok {
		return ss
	}
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
