package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

func init() { verbs = append(verbs, newReportCmd) }

type reportOptions struct {
	target  targetFlags
	out     string
	jsonOut bool
}

func newReportCmd() *cobra.Command {
	o := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report RUN_ID",
		Short: "Download a run's report (report.json, report.html, report.md) and print its headline figures",
		Long: `report downloads runs/RUN_ID/report.json, report.html and report.md (those that
exist) from the data bucket to --out/RUN_ID and prints the headline: loans,
scenarios, exposure, expected loss with its 95% interval, VaR and expected
shortfall at 99% and 99.9%, and mean PD before and after the rate shock.
The run id is the simulate execution's name.`,
		Example: `  montecarlo report --stack-outputs outputs.json simulate-20261121T201500Z-3fa9
  montecarlo report --local ./montecarlo-data --out reports --json simulate-20261121T201500Z-3fa9`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := o.target.connect(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			dir := filepath.Join(o.out, args[0])
			d, err := operate.DownloadReport(cmd.Context(), t.S3, t.Outputs.DataBucketName, args[0], dir)
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			if o.jsonOut {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(struct {
					operate.Downloaded
					Headline risk.Headline `json:"headline"`
				}{d, d.Report.Headline})
			}
			printHeadline(cmd.OutOrStdout(), d)
			return nil
		},
	}
	o.target.add(cmd)
	cmd.Flags().StringVar(&o.out, "out", "reports", "directory to download into (files go to OUT/RUN_ID/)")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print the downloaded files and the headline as JSON")
	return cmd
}

func printHeadline(out io.Writer, d operate.Downloaded) {
	pr := message.NewPrinter(language.English)
	h := d.Report.Headline
	pr.Fprintf(out, "Run %s: %d loans x %d scenarios\n", d.RunID, h.Loans, h.Scenarios)
	usd := func(label string, v float64, ci *risk.Interval) {
		pr.Fprintf(out, "  %-24s $%.2f", label, v)
		if ci != nil && (ci[0] != 0 || ci[1] != 0) {
			pr.Fprintf(out, "   (95%% CI $%.2f to $%.2f)", ci[0], ci[1])
		}
		fmt.Fprintln(out)
	}
	usd("exposure", h.ExposureUSD, nil)
	usd("expected loss", h.ExpectedLoss, &h.ExpectedLossCI)
	pr.Fprintf(out, "  %-24s %.4f%%\n", "expected loss rate", 100*h.ExpectedLossRate)
	usd("VaR 99%", h.VaR99, &h.VaR99CI)
	usd("VaR 99.9%", h.VaR999, &h.VaR999CI)
	usd("expected shortfall 99%", h.ES99, &h.ES99CI)
	usd("expected shortfall 99.9%", h.ES999, &h.ES999CI)
	pr.Fprintf(out, "  %-24s %.4f%% baseline, %.4f%% stressed\n", "mean PD", 100*h.PDBaselineMean, 100*h.PDStressedMean)
	if h.Warning != "" {
		fmt.Fprintf(out, "  warning: %s\n", h.Warning)
	}
	for _, f := range d.Files {
		fmt.Fprintf(out, "wrote %s\n", f)
	}
}
