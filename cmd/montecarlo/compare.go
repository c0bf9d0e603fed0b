package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/montecarlo-pipeline/montecarlo/operate"
	"github.com/montecarlo-pipeline/montecarlo/worker/report"
)

func init() { verbs = append(verbs, newCompareCmd) }

type compareOptions struct {
	target  targetFlags
	out     string
	jsonOut bool
}

func newCompareCmd() *cobra.Command {
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare RUN [RUN...]",
		Short: "Put runs' portfolio and per-segment figures side by side, with their differences",
		Long: `compare reads the report.json of each run and prints the portfolio and
per-segment figures side by side: each run's value and its difference from
the first run's, in dollars (or percentage points for rates) and relative.
It writes the same as compare.html and compare.md to --out.

A tail figure (VaR, expected shortfall) a run does not report, because its
tail holds fewer than 10 scenarios, shows as "not reported" and is not
compared: no difference is made up against a zero. Indicative figures (10 to
99 tail scenarios) carry a †. When the runs differ in loans, seed, scenarios
or model, the output says so first.

Each RUN is a run id or an execution ARN. With --local, a finished
'montecarlo local' needs no running pipeline: the reports are read from the
data directory's files.`,
		Example: `  # Two local runs (--local defaults to ./montecarlo-data when it exists)
  montecarlo compare run-20261206T075421Z-281f33 run-20261206T080112Z-9c0e4a

  # Deployed runs, machine-readable
  montecarlo compare --stack-outputs outputs.json --json simulate-20261121T201500Z-3fa9 simulate-20261122T090000Z-77b1`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := o.target.results(cmd.Context(), cmd.InOrStdin())
			if err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			var runs []report.ComparedRun
			for _, ref := range args {
				id, err := operate.ResolveRunID(cmd.Context(), res.sfn, ref)
				if err != nil {
					return fmt.Errorf("compare: %w", err)
				}
				r, err := operate.ReadReport(cmd.Context(), res.s3, res.bucket, id)
				if err != nil {
					return fmt.Errorf("compare: %w", err)
				}
				runs = append(runs, report.ComparedRun{RunID: id, Report: r})
			}
			c, err := report.Compare(runs)
			if err != nil {
				return err
			}
			files, err := writeComparison(o.out, "compare", c.HTML(), c.Markdown(), c)
			if err != nil {
				return fmt.Errorf("compare: %w", err)
			}
			return printComparison(cmd.OutOrStdout(), c, files, o.jsonOut)
		},
	}
	o.target.add(cmd)
	cmd.Flags().StringVar(&o.out, "out", "reports", "directory to write compare.html, compare.md and compare.json into")
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print the comparison as one JSON object (null for a figure a run does not report)")
	return cmd
}

// writeComparison writes NAME.html, NAME.md and NAME.json into dir and
// returns their paths.
func writeComparison(dir, name string, html, md []byte, c report.Comparison) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	var files []string
	for _, f := range []struct {
		ext  string
		data []byte
	}{{".html", html}, {".md", md}, {".json", append(js, '\n')}} {
		path := filepath.Join(dir, name+f.ext)
		if err := os.WriteFile(path, f.data, 0o644); err != nil {
			return nil, err
		}
		files = append(files, path)
	}
	return files, nil
}

// printComparison prints the comparison's text and the files written, or
// with jsonOut one JSON object: the comparison and the files.
func printComparison(w io.Writer, c report.Comparison, files []string, jsonOut bool) error {
	if jsonOut {
		return json.NewEncoder(w).Encode(struct {
			report.Comparison
			Files []string `json:"files"`
		}{c, files})
	}
	if _, err := w.Write(c.Text()); err != nil {
		return err
	}
	for _, f := range files {
		fmt.Fprintf(w, "wrote %s\n", f)
	}
	return nil
}
