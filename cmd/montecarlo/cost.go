package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
)

func init() { verbs = append(verbs, newCostCmd) }

type costOptions struct {
	in      operate.CostInput
	layout  string
	prices  []string
	jsonOut bool
	// batchSizeSet: --batch-size was given; otherwise compute lambda uses
	// the Lambda flavour's default batch (operate.LambdaBatchSize).
	batchSizeSet bool
}

func newCostCmd() *cobra.Command {
	o := &costOptions{}
	cmd := &cobra.Command{
		Use:   "cost",
		Short: "Estimate a simulate run's AWS cost and duration, per-loan and sharded layouts side by side",
		Long: `cost estimates what one Simulate run costs on AWS and how long it takes:
Fargate Spot vCPU- and GB-hours (from the model's benchmarked speed and the
S3 read time), Step Functions state transitions (the parent execution and
one child per batch), S3 GET/PUT/LIST requests (one GET per loan object:
one per loan in the per-loan layout, one per shard when sharded) and the
interface VPC endpoints' hours and data.

With --compute lambda it estimates the Lambda compute variant instead: the
function's x86 GB-seconds (the same measured kernel, one vCPU at 1,769 MB,
a cold start per concurrent environment) and requests, the parent's
Standard transitions and one Express child per batch (requests and
GB-hours; what Standard children would cost is shown beside), the same S3
requests and no VPC endpoints; and prints Fargate Spot's totals for the
same run next to it (docs/compute.md says when each is cheaper).

With --compute ec2-spot it estimates the same workers on EC2 Spot
instances: as many instances of the Auto Scaling group's types (--ec2-types)
as hold --workers tasks, billed from launch to 15 minutes after the run
(managed scaling's scale-in), their Spot hours at the mean of the types'
prices (dated judgement: override them with --price), the kernel on all of
an instance's vCPUs up to one per activity task, the root volumes, and
seven interface endpoints; Fargate Spot's totals are printed beside.

Prices are us-east-1 public prices in one table (operate.DefaultPrices),
dated and sourced in the output; override any with --price KEY=USD.`,
		Example: `  # A billion loans, 1,000 scenarios, on the stack defaults
  montecarlo cost --loans 1000000000

  # The same run on the Lambda compute variant, next to Fargate Spot
  montecarlo cost --compute lambda --loans 500000

  # The same run on EC2 Spot instances, with today's c6i.xlarge Spot price
  montecarlo cost --compute ec2-spot --loans 100000000 --price ec2-spot-c6i.xlarge-hour=0.071

  # 100 workers of 4 vCPU / 8 GiB, 5,000-loan batches, a Spot vCPU price you saw today
  montecarlo cost --loans 1000000000 --workers 100 --task-cpu 4096 --task-memory 8192 \
      --batch-size 5000 --price fargate-spot-vcpu-hour=0.0135`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.batchSizeSet = cmd.Flags().Changed("batch-size")
			return o.run(cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	in := &o.in
	f.Int64Var(&in.Loans, "loans", workflow.DefaultLoans, "loans in the run")
	f.IntVar(&in.Scenarios, "scenarios", workflow.DefaultScenarios, "scenarios per loan")
	f.StringVar(&o.layout, "layout", "both", `"per-loan", "sharded" or "both"`)
	f.IntVar(&in.Workers, "workers", workflow.DefaultWorkerCount, "ECS tasks (workers) during the run")
	f.IntVar(&in.TasksPerWorker, "tasks-per-worker", workflow.DefaultTasksPerWorker, "activity tasks one worker runs at once")
	f.IntVar(&in.TaskCPU, "task-cpu", operate.DefaultTaskCPU, "Fargate task CPU units (1024 = 1 vCPU)")
	f.IntVar(&in.TaskMemoryMiB, "task-memory", operate.DefaultTaskMiB, "Fargate task memory in MiB")
	f.IntVar(&in.BatchSize, "batch-size", workflow.DefaultBatchSize, "target loans per simulate batch")
	f.IntVar(&in.ShardSize, "shard-size", workflow.DefaultShardSize, "loans per object in the sharded layout")
	f.IntVar(&in.S3Concurrency, "s3-concurrency", operate.DefaultS3Concurrency, "S3 transfers per task")
	f.IntVar(&in.AZCount, "azs", operate.DefaultAZCount, "availability zones of the interface VPC endpoints")
	f.StringVar(&in.Compute, "compute", operate.ComputeFargateSpot, `"fargate-spot", "lambda" or "ec2-spot" (with either of the last two, Fargate Spot's totals are printed beside)`)
	f.StringSliceVar(&in.EC2InstanceTypes, "ec2-types", operate.DefaultEC2InstanceTypes, "compute ec2-spot: the Auto Scaling group's instance types (one size class)")
	f.IntVar(&in.LambdaMemoryMB, "lambda-memory", operate.DefaultLambdaMemoryMB, "compute lambda: the function's memory in MB (1,769 is one vCPU)")
	f.IntVar(&in.LambdaConcurrency, "lambda-concurrency", workflow.DefaultLambdaMaxConcurrency, "compute lambda: batches invoked at once (the Map's MaxConcurrency)")
	f.Float64Var(&in.KernelNanos, "kernel-ns", operate.KernelNanosPerLoanScenario, "model nanoseconds per loan-scenario on one vCPU (benchmarked)")
	f.StringArrayVar(&o.prices, "price", nil, "override a price: KEY=USD (repeatable); keys: "+fmt.Sprint(operate.DefaultPrices.Keys()))
	f.BoolVar(&o.jsonOut, "json", false, "print the estimates as JSON")
	return cmd
}

func (o *costOptions) run(out io.Writer) error {
	prices := operate.DefaultPrices
	for _, kv := range o.prices {
		var err error
		if prices, err = prices.Set(kv); err != nil {
			return fmt.Errorf("cost: %w", err)
		}
	}
	o.in.Prices = prices
	var layouts []string
	switch o.layout {
	case "both":
		layouts = []string{workflow.LayoutPerLoan, workflow.LayoutSharded}
	case workflow.LayoutPerLoan, workflow.LayoutSharded:
		layouts = []string{o.layout}
	default:
		return fmt.Errorf("cost: --layout %q: want %q, %q or \"both\"", o.layout, workflow.LayoutPerLoan, workflow.LayoutSharded)
	}
	// The flags carry the defaults, so a zero here was asked for: Validate,
	// unlike Normalize, reports it instead of replacing it.
	in := o.in
	if err := in.Validate(); err != nil {
		return fmt.Errorf("cost: %w", err)
	}
	fargate := in
	if in.Compute == operate.ComputeLambda && !o.batchSizeSet {
		in.BatchSize = operate.LambdaBatchSize(in.Scenarios)
	}
	ests, err := estimates(in, layouts)
	if err != nil {
		return err
	}
	// Beside a Lambda or EC2 estimate, Fargate Spot's for the same run
	// (the Fargate flags as given, their defaults otherwise).
	var others []operate.Estimate
	if in.Compute != operate.ComputeFargateSpot {
		fargate.Compute = operate.ComputeFargateSpot
		if others, err = estimates(fargate, layouts); err != nil {
			return err
		}
	}
	if o.jsonOut {
		return writeCostJSON(out, in, ests, others)
	}
	writeCostTable(out, in, ests)
	if len(others) > 0 {
		writeComputeComparison(out, ests, others)
	}
	return nil
}

func estimates(in operate.CostInput, layouts []string) ([]operate.Estimate, error) {
	var ests []operate.Estimate
	for _, l := range layouts {
		e, err := operate.EstimateCost(in, l)
		if err != nil {
			return nil, fmt.Errorf("cost: %w", err)
		}
		ests = append(ests, e)
	}
	return ests, nil
}

// writeComputeComparison prints Fargate Spot's totals next to another
// variant's (Lambda's or EC2 Spot's), layout by layout, and which is
// cheaper.
func writeComputeComparison(out io.Writer, other, fargate []operate.Estimate) {
	fmt.Fprintf(out, "\nNext to Fargate Spot (the same run; --workers, --task-cpu, --task-memory, --batch-size as for fargate-spot):\n")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  layout\t%s\t\tfargate-spot\t\tcheaper\n", other[0].Compute)
	for i, l := range other {
		f := fargate[i]
		cheaper := l.Compute
		if f.TotalUSD < l.TotalUSD {
			cheaper = operate.ComputeFargateSpot
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\n", l.Layout, numfmt.USD(l.TotalUSD), humanDuration(l.Duration), numfmt.USD(f.TotalUSD), humanDuration(f.Duration), cheaper)
	}
	tw.Flush()
}

func writeCostJSON(out io.Writer, in operate.CostInput, ests, fargate []operate.Estimate) error {
	type line struct {
		Item     string  `json:"item"`
		Quantity float64 `json:"quantity"`
		Unit     string  `json:"unit"`
		PriceUSD float64 `json:"priceUsd"`
		USD      float64 `json:"usd"`
	}
	type est struct {
		Compute         string  `json:"compute"`
		Layout          string  `json:"layout"`
		Objects         int64   `json:"objects"`
		Batches         int64   `json:"batches"`
		ObjectsPerBatch int64   `json:"objectsPerBatch"`
		DurationSeconds float64 `json:"durationSeconds"`
		Lines           []line  `json:"lines"`
		TotalUSD        float64 `json:"totalUsd"`
		// StandardChildrenUSD (lambda): the Map's children as STANDARD
		// executions instead of EXPRESS.
		StandardChildrenUSD float64 `json:"standardChildrenUsd,omitempty"`
	}
	doc := struct {
		Loans      int64          `json:"loans"`
		Scenarios  int            `json:"scenarios"`
		PricesAsOf string         `json:"pricesAsOf"`
		Prices     operate.Prices `json:"prices"`
		Estimates  []est          `json:"estimates"`
		// FargateSpot are, with --compute lambda, the same run's Fargate
		// Spot estimates.
		FargateSpot []est `json:"fargateSpot,omitempty"`
	}{Loans: in.Loans, Scenarios: in.Scenarios, PricesAsOf: operate.PricesAsOf, Prices: in.Prices}
	conv := func(e operate.Estimate) est {
		je := est{Compute: e.Compute, Layout: e.Layout, Objects: e.Objects, Batches: e.Batches, ObjectsPerBatch: e.ItemsPerBatch,
			DurationSeconds: e.Duration.Seconds(), TotalUSD: e.TotalUSD, StandardChildrenUSD: e.StandardChildrenUSD}
		for _, l := range e.Lines {
			p := priceOf(in.Prices, l.PriceKey)
			je.Lines = append(je.Lines, line{l.Item, l.Quantity, p.Unit, p.USD, l.USD})
		}
		return je
	}
	for _, e := range ests {
		doc.Estimates = append(doc.Estimates, conv(e))
	}
	for _, e := range fargate {
		doc.FargateSpot = append(doc.FargateSpot, conv(e))
	}
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

func priceOf(p operate.Prices, key string) operate.Price {
	for _, e := range p {
		if e.Key == key {
			return e
		}
	}
	return operate.Price{Key: key}
}

func writeCostTable(out io.Writer, in operate.CostInput, ests []operate.Estimate) {
	pr := message.NewPrinter(language.English)
	pr.Fprintf(out, "Simulate run: %d loans x %d scenarios = %d loan-scenarios\n", in.Loans, in.Scenarios, in.Loans*int64(in.Scenarios))
	switch in.Compute {
	case operate.ComputeLambda:
		pr.Fprintf(out, "Workers: the Lambda function (x86_64, %d MB), %d batches at once; batches of %d loans; shards of %d loans\n",
			in.LambdaMemoryMB, in.LambdaConcurrency, in.BatchSize, in.ShardSize)
	case operate.ComputeEC2Spot:
		pr.Fprintf(out, "Workers: %d ECS tasks of %.2f vCPU / %.1f GiB on EC2 Spot (%s), %d tasks each; batches of %d loans; shards of %d loans\n",
			in.Workers, float64(in.TaskCPU)/1024, float64(in.TaskMemoryMiB)/1024, strings.Join(in.EC2InstanceTypes, ", "), in.TasksPerWorker, in.BatchSize, in.ShardSize)
	default:
		pr.Fprintf(out, "Workers: %d Fargate Spot tasks of %.2f vCPU / %.1f GiB, %d tasks each; batches of %d loans; shards of %d loans\n",
			in.Workers, float64(in.TaskCPU)/1024, float64(in.TaskMemoryMiB)/1024, in.TasksPerWorker, in.BatchSize, in.ShardSize)
	}
	pr.Fprintf(out, "Model: %.0f ns per loan-scenario per vCPU (benchmarked); S3 GET %v to first byte, %.0f MB/s per stream, %d streams per task\n\n",
		in.KernelNanos, operate.S3GetLatency, operate.S3StreamBytesPerSecond/1e6, in.S3Concurrency)

	// Labels are padded here so that the right-aligned table keeps them
	// left-aligned.
	width := len("batches (objects each)")
	for _, l := range ests[0].Lines {
		width = max(width, len(costLabel(in.Prices, l)))
	}
	pad := func(s string) string { return fmt.Sprintf("%-*s", width, s) }
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	head := pad("") + "\t"
	for _, e := range ests {
		head += e.Layout + "\t\t"
	}
	fmt.Fprintln(tw, head)
	row := func(label string, cell func(e operate.Estimate) (string, string)) {
		s := pad(label) + "\t"
		for _, e := range ests {
			a, b := cell(e)
			s += a + "\t" + b + "\t"
		}
		fmt.Fprintln(tw, s)
	}
	row("loan objects", func(e operate.Estimate) (string, string) { return pr.Sprintf("%d", e.Objects), "" })
	row("batches (objects each)", func(e operate.Estimate) (string, string) {
		return pr.Sprintf("%d", e.Batches), pr.Sprintf("(%d)", e.ItemsPerBatch)
	})
	row("duration", func(e operate.Estimate) (string, string) { return humanDuration(e.Duration), "" })
	row("", func(operate.Estimate) (string, string) { return "quantity", "cost" })
	for i := range ests[0].Lines {
		row(costLabel(in.Prices, ests[0].Lines[i]), func(e operate.Estimate) (string, string) {
			l := e.Lines[i]
			return quantity(pr, l.Quantity), numfmt.USD(l.USD)
		})
	}
	row("total", func(e operate.Estimate) (string, string) { return "", numfmt.USD(e.TotalUSD) })
	if in.Compute == operate.ComputeLambda {
		row("(children as STANDARD instead)", func(e operate.Estimate) (string, string) {
			return "", numfmt.USD(e.StandardChildrenUSD)
		})
	}
	tw.Flush()

	fmt.Fprintf(out, "\nPrices (USD, %s; override with --price KEY=USD):\n", operate.PricesAsOf)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	for _, p := range in.Prices {
		fmt.Fprintf(tw, "  %s\t%s\tper %s\t%s\n", p.Key, strconv.FormatFloat(p.USD, 'f', -1, 64), p.Unit, p.Source)
	}
	tw.Flush()
	if in.Compute == operate.ComputeLambda {
		fmt.Fprintf(out, "Not included: CloudWatch Logs, storage, generate runs, the free tiers; with lambdaVpc, the interface endpoints' standing cost (%s a month in %d AZs).\n",
			numfmt.USD(operate.StandingEndpointUSDPerMonth(in.AZCount, in.Prices)), in.AZCount)
		return
	}
	endpoints := operate.InterfaceEndpoints
	if in.Compute == operate.ComputeEC2Spot {
		endpoints = operate.EC2InterfaceEndpoints
	}
	fmt.Fprintf(out, "Not included: the %d interface endpoints' standing cost while deployed (%s a month in %d AZs), CloudWatch Logs, storage, generate runs.\n",
		endpoints, numfmt.USD(operate.StandingEndpointUSDPerMonthFor(in.Compute, in.AZCount, in.Prices)), in.AZCount)
}

// costLabel is a line's item and unit.
func costLabel(p operate.Prices, l operate.Line) string {
	return l.Item + " [" + priceOf(p, l.PriceKey).Unit + "]"
}

// quantity prints whole numbers with separators and small ones with
// enough digits to read.
func quantity(pr *message.Printer, q float64) string {
	if q >= 100 {
		return pr.Sprintf("%.0f", q)
	}
	return pr.Sprintf("%.3g", q)
}

// humanDuration prints a duration in days, hours and minutes.
func humanDuration(d time.Duration) string {
	d = d.Round(time.Minute)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	m := (d - h*time.Hour) / time.Minute
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh %02dm", days, h, m)
	case h > 0:
		return fmt.Sprintf("%dh %02dm", h, m)
	}
	return fmt.Sprintf("%dm", m)
}
