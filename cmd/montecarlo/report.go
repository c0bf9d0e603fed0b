package main

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
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
		Use:   "report RUN",
		Short: "Download a run's report (report.json, report.html, report.md) and print its headline figures",
		Long: `report downloads runs/RUN_ID/report.json, report.html and report.md (those that
exist) from the data bucket to --out/RUN_ID and prints the headline: loans,
scenarios, exposure, expected loss with its 95% interval, VaR and expected
shortfall at 99% and 99.9%, and mean PD before and after the rate shock.
RUN is a run id (the simulate execution's name) or the execution's ARN.
With --local, a finished 'montecarlo local' needs no running pipeline: the
report is read from the data directory's files.`,
		Example: `  montecarlo report --stack-outputs outputs.json simulate-20261121T201500Z-3fa9
  montecarlo report --local ./montecarlo-data --out reports --json run-20261121T201500Z-3fa9
  montecarlo report --stack-outputs outputs.json arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:simulate-20261121T201500Z-3fa9`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := o.target.results(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			runID, err := operate.ResolveRunID(cmd.Context(), res.sfn, args[0])
			if err != nil {
				return fmt.Errorf("report: %w", err)
			}
			dir := filepath.Join(o.out, runID)
			d, err := operate.DownloadReport(cmd.Context(), res.s3, res.bucket, runID, dir)
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
	h, p := d.Report.Headline, d.Report.Portfolio
	fmt.Fprintf(out, "Run %s: %s x %s\n", d.RunID, numfmt.Plural(h.Loans, "loan"), numfmt.Plural(int64(h.Scenarios), "scenario"))
	row := func(label, value string) { fmt.Fprintf(out, "  %-26s %s\n", label, value) }
	ci := func(c risk.Interval) string {
		return "   (95% CI " + numfmt.USD(c[0]) + " to " + numfmt.USD(c[1]) + ")"
	}
	row("exposure", numfmt.USD(h.ExposureUSD))
	row("expected loss", numfmt.USD(h.ExpectedLoss)+ci(h.ExpectedLossCI))
	row("expected loss rate", numfmt.Pct(h.ExpectedLossRate, 3))
	for _, f := range []struct {
		label string
		st    risk.TailStatus
		level string
		tail  int
		v     float64
		c     risk.Interval
	}{
		{"VaR 99%", h.Tail99, "99%", p.Tail99Scenarios, h.VaR99, h.VaR99CI},
		{"VaR 99.9%", h.Tail999, "99.9%", p.Tail999Scenarios, h.VaR999, h.VaR999CI},
		{"expected shortfall 99%", h.Tail99, "99%", p.Tail99Scenarios, h.ES99, h.ES99CI},
		{"expected shortfall 99.9%", h.Tail999, "99.9%", p.Tail999Scenarios, h.ES999, h.ES999CI},
	} {
		switch f.st {
		case risk.TailInsufficient:
			row(f.label, fmt.Sprintf("not reported (the %s tail holds %s, fewer than the %d needed)", f.level, numfmt.Plural(int64(f.tail), "scenario"), risk.MinTailScenarios))
		case risk.TailIndicative:
			row(f.label, numfmt.USD(f.v)+ci(f.c)+" indicative")
		default:
			row(f.label, numfmt.USD(f.v)+ci(f.c))
		}
	}
	row("mean PD", numfmt.Pct(h.PDBaselineMean, 3)+" baseline, "+numfmt.Pct(h.PDStressedMean, 3)+" stressed")
	if w := h.TailWarning; w != "" {
		fmt.Fprintf(out, "  note: %s\n", w)
	} else if h.Warning != "" {
		fmt.Fprintf(out, "  warning: %s\n", h.Warning)
	}
	for _, f := range d.Files {
		fmt.Fprintf(out, "wrote %s\n", f)
	}
}
