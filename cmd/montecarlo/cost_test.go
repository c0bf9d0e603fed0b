package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestCostPrintsBothLayoutsItemisedForABillionLoans(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"cost", "--loans", "1000000000"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"1,000,000,000 loans x 1,000 scenarios",
		"per-loan", "sharded",
		"Fargate Spot vCPU [vCPU-hour]", "Fargate Spot memory [GB-hour]",
		"Step Functions transitions", "S3 GET loan objects", "S3 PUT", "VPC interface endpoint hours",
		"1,000,000,000", "100,000", // GETs of loan objects: per loan, per shard
		"total", "fargate-spot-vcpu-hour", "AWS Fargate pricing",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
}

func TestCostJSONCarriesTheEstimatesAndTheOverriddenPrice(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	args := []string{"cost", "--loans", "2000000", "--json", "--price", "s3-get=0.001"}
	if code := runWith(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	var doc struct {
		Loans     int64
		Estimates []struct {
			Layout   string
			Objects  int64
			TotalUSD float64
			Lines    []struct {
				Item     string
				Quantity float64
				PriceUSD float64
				USD      float64
			}
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, stdout.String())
	}
	if doc.Loans != 2_000_000 || len(doc.Estimates) != 2 || doc.Estimates[0].Objects != 2_000_000 || doc.Estimates[1].Objects != 200 {
		t.Fatalf("estimates = %+v", doc)
	}
	for _, l := range doc.Estimates[0].Lines {
		if l.Item == "S3 GET loan objects" && (l.PriceUSD != 0.001 || l.USD != 2000) {
			t.Errorf("GET line = %+v, want 2,000,000 GETs at the overridden $0.001", l)
		}
	}
}

func TestCostRejectsBadFlagsOnStderr(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown layout", []string{"cost", "--layout", "columnar"}, `--layout "columnar"`},
		{"an unknown price key", []string{"cost", "--price", "fargate=1"}, `unknown key "fargate"`},
		{"zero loans", []string{"cost", "--loans", "-5"}, "--loans = -5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := runWith(tc.args, &stdout, &stderr); code == 0 {
				t.Fatalf("exit code 0; stdout:\n%s", stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestCostRejectsAnExplicitZeroNamingTheFlag(t *testing.T) {
	t.Parallel()
	for _, flag := range []string{"--loans", "--scenarios", "--workers", "--batch-size", "--task-cpu", "--kernel-ns"} {
		t.Run(flag+" 0 fails instead of taking the default", func(t *testing.T) {
			t.Parallel()
			code, out, errOut := mc(t, "cost", flag, "0")
			if code == 0 || out != "" || !strings.Contains(errOut, flag+" = 0") {
				t.Errorf("exit %d, stdout %q, stderr %q: want exit 1 and an error naming %s", code, out, errOut, flag)
			}
		})
	}
}

func TestCostComputeLambdaPrintsLambdaLinesNextToFargateSpot(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"cost", "--compute", "lambda", "--loans", "500000"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"the Lambda function (x86_64, 1,769 MB), 50 batches at once; batches of 10,000 loans",
		"Lambda duration (x86) [GB-second]", "Lambda requests", "Step Functions Express children", "Step Functions Express duration",
		"(children as STANDARD instead)", "lambda-x86-gb-second", "AWS Lambda pricing", "sfn-express-gb-hour",
		"Next to Fargate Spot", "fargate-spot",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Fargate Spot vCPU [") {
		t.Errorf("the Lambda table charges Fargate vCPU:\n%s", out)
	}

	stdout.Reset()
	if code := runWith([]string{"cost", "--compute", "lambda", "--loans", "500000", "--json"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	var doc struct {
		Estimates, FargateSpot []struct {
			Compute  string
			Layout   string
			TotalUSD float64
		}
	}
	if err := json.Unmarshal(stdout.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Estimates) != 2 || len(doc.FargateSpot) != 2 || doc.Estimates[0].Compute != "lambda" || doc.FargateSpot[0].Compute != "fargate-spot" {
		t.Errorf("JSON estimates %+v, fargateSpot %+v", doc.Estimates, doc.FargateSpot)
	}
}

func TestCostRejectsAnUnknownCompute(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	if code := runWith([]string{"cost", "--compute", "ec2"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), `--compute = "ec2": want "fargate-spot", "lambda" or "ec2-spot"`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

func TestCostComputeEC2SpotPricesTheInstancesNextToFargateSpot(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	args := []string{"cost", "--compute", "ec2-spot", "--loans", "100000000", "--ec2-types", "c6i.xlarge,m6i.xlarge", "--price", "ec2-spot-c6i.xlarge-hour=0.07"}
	if code := runWith(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit code %d, stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"2 ECS tasks of 1.00 vCPU / 2.0 GiB on EC2 Spot (c6i.xlarge, m6i.xlarge)",
		"EC2 Spot c6i.xlarge [instance-hour]", "EC2 Spot m6i.xlarge [instance-hour]", "EBS gp3 root volumes [GB-month]",
		"ec2-spot-c6i.xlarge-hour  0.07 ", "--price", "judgement 2026-12-06",
		"the 7 interface endpoints' standing cost", "Next to Fargate Spot", "ec2-spot",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output does not contain %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Fargate Spot vCPU [") || strings.Contains(out, "EC2 Spot c5.xlarge") {
		t.Errorf("the EC2 table charges Fargate, or a type not asked for:\n%s", out)
	}
	stderr.Reset()
	if code := runWith([]string{"cost", "--compute", "ec2-spot", "--ec2-types", "t3.xlarge"}, &stdout, &stderr); code == 0 || !strings.Contains(stderr.String(), `--ec2-types: "t3.xlarge" has no price here`) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
