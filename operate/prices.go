package operate

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// PricesAsOf is the date the public prices in DefaultPrices were read.
// Prices change: override any of them with Prices.Set (montecarlo cost
// --price key=value).
const PricesAsOf = "2025-06 (us-east-1 public pricing pages; Lambda and Express rows read 2026-12-06; EC2 Spot rows judgement of 2026-12-06)"

// Price is one unit price of the cost model.
type Price struct {
	// Key names the price on the command line (--price KEY=USD).
	Key string
	// USD is the price of one Unit.
	USD float64
	// Unit is what USD buys.
	Unit string
	// Source names the public pricing page the figure comes from.
	Source string
}

// Prices is the cost model's price table, one entry per key.
type Prices []Price

// DefaultPrices is THE price table: us-east-1, Linux/x86, public prices as
// of PricesAsOf. Everything the estimate charges is here and nowhere else.
var DefaultPrices = Prices{
	// AWS Fargate pricing page: on-demand Linux/x86 is $0.04048 per vCPU-hour
	// and $0.004445 per GB-hour; Fargate Spot is "up to 70% off" and its
	// current price moves with supply and demand. We assume the 70% discount
	// (0.30 x on-demand); check the page's "Current Spot price" table.
	{"fargate-spot-vcpu-hour", 0.012144, "vCPU-hour", "AWS Fargate pricing, Fargate Spot, Linux/x86"},
	{"fargate-spot-gb-hour", 0.0013335, "GB-hour", "AWS Fargate pricing, Fargate Spot, Linux/x86"},
	// EC2 Spot, Linux, us-east-1, per instance-hour (compute ec2-spot):
	// JUDGEMENT of 2026-12-06, not read from a price page (Spot prices move
	// every few minutes; see "Spot Instance pricing history" in the EC2
	// console or aws ec2 describe-spot-price-history, and override). Each is
	// a share of the type's on-demand price (c6i.xlarge and c5.xlarge
	// $0.170, c6a.xlarge $0.153, c5a.xlarge $0.154, m6i.xlarge and m5.xlarge
	// $0.192, as we know the EC2 on-demand page; not re-read today): 50% for the
	// Intel types and 55% for the AMD ones. Anchors: the EC2 Auto Scaling
	// user guide's "Spot price per unit hour example" (us-east-1, "example
	// pricing and not current pricing") has c5.2xlarge Spot at $0.170 to
	// $0.191 against $0.34 on demand, 50-56%; and a 2023-10-10 analysis of
	// US Spot discounts (mmcloud.io, "Variability in AWS EC2 Spot Instance
	// Discounts") finds us-east-1's discounts the smallest in the US and
	// AMD types' smaller than Intel's.
	{"ec2-spot-c6i.xlarge-hour", 0.085, "instance-hour", "judgement 2026-12-06: 50% of c6i.xlarge on-demand $0.170"},
	{"ec2-spot-c6a.xlarge-hour", 0.0842, "instance-hour", "judgement 2026-12-06: 55% of c6a.xlarge on-demand $0.153"},
	{"ec2-spot-c5.xlarge-hour", 0.085, "instance-hour", "judgement 2026-12-06: 50% of c5.xlarge on-demand $0.170"},
	{"ec2-spot-c5a.xlarge-hour", 0.0847, "instance-hour", "judgement 2026-12-06: 55% of c5a.xlarge on-demand $0.154"},
	{"ec2-spot-m6i.xlarge-hour", 0.096, "instance-hour", "judgement 2026-12-06: 50% of m6i.xlarge on-demand $0.192"},
	{"ec2-spot-m5.xlarge-hour", 0.096, "instance-hour", "judgement 2026-12-06: 50% of m5.xlarge on-demand $0.192"},
	// Amazon EBS pricing: gp3 $0.08 per GB-month (us-east-1), for the
	// instances' root volumes, prorated by the hour.
	{"ebs-gp3-gb-month", 0.08, "GB-month", "Amazon EBS pricing, gp3 storage"},
	// AWS Step Functions pricing: Standard workflows, $0.025 per 1,000 state
	// transitions (free tier of 4,000 a month ignored).
	{"sfn-transition", 0.000025, "state transition", "AWS Step Functions pricing, Standard workflows"},
	// AWS Lambda pricing (aws.amazon.com/lambda/pricing), x86, first tier
	// (the first 6 billion GB-seconds a month): $0.0000166667 per GB-second
	// of duration, init included for container images; $0.20 per million
	// requests. The monthly free tier (400,000 GB-s, 1M requests) is ignored.
	{"lambda-x86-gb-second", 0.0000166667, "GB-second", "AWS Lambda pricing, x86, first 6 billion GB-s a month"},
	{"lambda-request", 0.0000002, "request", "AWS Lambda pricing, requests ($0.20 per million)"},
	// AWS Step Functions pricing, Express workflows: $1.00 per million
	// requests (executions started) and duration at $0.06 per GB-hour for
	// the first 1,000 GB-hours a month ($0.03 next 4,000, $0.01642 after),
	// billed in 64 MB chunks and 100 ms steps. The first tier is charged.
	{"sfn-express-request", 0.000001, "Express execution", "AWS Step Functions pricing, Express workflows requests"},
	{"sfn-express-gb-hour", 0.06, "Express GB-hour", "AWS Step Functions pricing, Express duration, first 1,000 GB-hours"},
	// Amazon S3 pricing, Requests & data retrievals, S3 Standard: GET $0.0004
	// per 1,000; PUT, COPY, POST, LIST $0.005 per 1,000. Transfer between S3
	// and Fargate in the same region (through the gateway endpoint) is free.
	{"s3-get", 0.0000004, "GET request", "Amazon S3 pricing, S3 Standard requests"},
	{"s3-put", 0.000005, "PUT request", "Amazon S3 pricing, S3 Standard requests"},
	{"s3-list", 0.000005, "LIST request", "Amazon S3 pricing, S3 Standard requests"},
	// AWS PrivateLink pricing: an interface VPC endpoint costs $0.01 per hour
	// per Availability Zone, and $0.01 per GB processed (first PB). The S3
	// gateway endpoint is free.
	{"vpce-hour", 0.01, "endpoint-AZ-hour", "AWS PrivateLink pricing, interface endpoints"},
	{"vpce-gb", 0.01, "GB processed", "AWS PrivateLink pricing, interface endpoints"},
}

// Get returns the price of key; it panics on a key the table lacks, which
// is a bug in this package, not bad input.
func (p Prices) Get(key string) float64 {
	for _, e := range p {
		if e.Key == key {
			return e.USD
		}
	}
	panic("operate: no price " + key)
}

// Keys returns the price keys in table order.
func (p Prices) Keys() []string {
	keys := make([]string, len(p))
	for i, e := range p {
		keys[i] = e.Key
	}
	return keys
}

// Set returns a copy of the table with the price of "key=usd" replaced. It
// fails, naming the allowed keys, on an unknown key or a price that is not
// a non-negative number.
func (p Prices) Set(kv string) (Prices, error) {
	key, val, ok := strings.Cut(kv, "=")
	if !ok {
		return nil, fmt.Errorf("price %q: want KEY=USD, e.g. fargate-spot-vcpu-hour=0.0135", kv)
	}
	usd, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || usd < 0 || math.IsNaN(usd) || math.IsInf(usd, 0) {
		return nil, fmt.Errorf("price %q: want a non-negative number of US dollars", kv)
	}
	i := slices.IndexFunc(p, func(e Price) bool { return e.Key == strings.TrimSpace(key) })
	if i < 0 {
		return nil, fmt.Errorf("price %q: unknown key %q: want one of %s", kv, key, strings.Join(p.Keys(), ", "))
	}
	out := slices.Clone(p)
	out[i].USD = usd
	out[i].Source = "--price"
	return out, nil
}
