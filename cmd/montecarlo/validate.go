package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/montecarlo-pipeline/montecarlo/worker/numfmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

func init() { verbs = append(verbs, newValidateCmd) }

// DefaultMaxRejected is the share of rejected records above which a run
// fails (after writing its reports): 1%, so a file with a systematic
// problem never passes for a portfolio with a few typos.
const DefaultMaxRejected = 0.01

// inputFlags are how a file of loans is read, shared by validate and local.
type inputFlags struct {
	rateUnit     string
	allowUnknown bool
	maxRejected  float64
}

func (f *inputFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.rateUnit, "rate-unit", string(loan.RateDecimal), `how the input writes rates: "decimal" (0.065 for 6.5%) or "percent" (6.5)`)
	fs.BoolVar(&f.allowUnknown, "allow-unknown-columns", false, "ignore columns (JSON keys) that are not loan fields instead of refusing the file")
	fs.Float64Var(&f.maxRejected, "max-rejected", DefaultMaxRejected, "fail when more than this share (0 to 1) of the input's records is rejected")
}

func (f *inputFlags) validate() error {
	var errs []error
	if _, err := loan.ParseRateUnit(f.rateUnit); err != nil {
		errs = append(errs, fmt.Errorf("--rate-unit %q: allowed %q or %q", f.rateUnit, loan.RateDecimal, loan.RatePercent))
	}
	if math.IsNaN(f.maxRejected) || f.maxRejected < 0 || f.maxRejected > 1 {
		errs = append(errs, fmt.Errorf("--max-rejected %g: allowed 0 to 1", f.maxRejected))
	}
	return errors.Join(errs...)
}

func (f *inputFlags) options() loan.ReadOptions {
	return loan.ReadOptions{RateUnit: loan.RateUnit(f.rateUnit), AllowUnknownColumns: f.allowUnknown}
}

// rejectedShare is rejected over read, 0 for nothing read.
func rejectedShare(rejected, read int64) float64 {
	if read == 0 {
		return 0
	}
	return float64(rejected) / float64(read)
}

// inputCheck is what reading a loans input found: what a run would
// simulate, reject and derive.
type inputCheck struct {
	Path       string               `json:"path"`
	Files      []string             `json:"files"`
	Read       int64                `json:"loans_read"`
	Valid      int64                `json:"loans_valid"`
	Rejected   int64                `json:"loans_rejected"`
	FileErrors []fileProblem        `json:"file_errors"`
	ByField    map[string]*rejGroup `json:"rejected_by_field"`
	Derived    map[string]int64     `json:"derived_by_field"`
	// CrossFileDuplicates are ids given in two files: a run reads files
	// apart, so it cannot reject them; validate and local refuse them.
	CrossFileDuplicates []loan.Rejection `json:"cross_file_duplicates"`
}

type fileProblem struct {
	File  string `json:"file"`
	Kind  string `json:"kind"`
	Error string `json:"error"`
}

// rejGroup is the rejections of one field: how many, by kind, and the
// first few with their lines.
type rejGroup struct {
	Count    int64               `json:"count"`
	Kinds    map[loan.Kind]int64 `json:"kinds"`
	Examples []loan.Rejection    `json:"examples"`
}

// maxExamples bounds the rejections listed per field.
const maxExamples = 5

// checkInput reads every loan file of path as a run would.
func checkInput(path string, opt loan.ReadOptions) (*inputCheck, error) {
	files, err := localrun.InputFiles(path)
	if err != nil {
		return nil, err
	}
	c := &inputCheck{Path: path, Files: files, ByField: map[string]*rejGroup{}, Derived: map[string]int64{},
		FileErrors: []fileProblem{}, CrossFileDuplicates: []loan.Rejection{}}
	type place struct {
		file string
		line int
	}
	seen := map[string]place{}
	for _, name := range files {
		if err := c.readFile(name, opt, func(rec *loan.Record) {
			p, dup := seen[rec.Loan.ID]
			if !dup {
				seen[rec.Loan.ID] = place{name, rec.Line}
				return
			}
			if p.file != name {
				r := rec.Rejection(name)
				r.Kind, r.Field = loan.KindDuplicateID, "id"
				r.Reason = fmt.Sprintf("id %q was already given in %s line %d; ids must be unique across the input's files", rec.Loan.ID, p.file, p.line)
				c.CrossFileDuplicates = append(c.CrossFileDuplicates, r)
			}
		}); err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *inputCheck) readFile(name string, opt loan.ReadOptions, valid func(*loan.Record)) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	opt.Source = name
	r := loan.NewFormatReader(f, loan.FormatOf(name), opt)
	for r.Next() {
		rec := r.Record()
		c.Read++
		if rec.Err == nil {
			c.Valid++
			for _, d := range rec.Loan.Derived {
				c.Derived[loan.DerivedField(d)]++
			}
			valid(rec)
			continue
		}
		c.Rejected++
		rej := rec.Rejection(name)
		key := rej.Field
		if key == "" {
			key = "(whole record)"
		}
		g := c.ByField[key]
		if g == nil {
			g = &rejGroup{Kinds: map[loan.Kind]int64{}}
			c.ByField[key] = g
		}
		g.Count++
		g.Kinds[rej.Kind]++
		if len(g.Examples) < maxExamples {
			g.Examples = append(g.Examples, rej)
		}
	}
	var fe *loan.FileError
	if err := r.Err(); errors.As(err, &fe) {
		c.FileErrors = append(c.FileErrors, fileProblem{File: name, Kind: string(fe.Kind), Error: fe.Error()})
	} else if err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// problem says why a run on this input would fail before or after it
// simulates, or "" when it would not.
func (c *inputCheck) problem(maxRejected float64) string {
	switch {
	case len(c.FileErrors) > 0:
		return fmt.Sprintf("%d of %d files refused as a whole: %s: %s", len(c.FileErrors), len(c.Files), c.FileErrors[0].File, c.FileErrors[0].Error)
	case len(c.CrossFileDuplicates) > 0:
		d := c.CrossFileDuplicates[0]
		return fmt.Sprintf("%d loan ids repeated across files, the first %s line %d: %s", len(c.CrossFileDuplicates), d.Source, d.Line, d.Reason)
	case c.Valid == 0:
		return fmt.Sprintf("no valid loan in %s (%d records read, all rejected)", c.Path, c.Read)
	case rejectedShare(c.Rejected, c.Read) > maxRejected:
		return fmt.Sprintf("%d of %d records rejected (%.2f%%), more than --max-rejected %.2f%%", c.Rejected, c.Read,
			100*rejectedShare(c.Rejected, c.Read), 100*maxRejected)
	}
	return ""
}

type validateOptions struct {
	in      inputFlags
	jsonOut bool
}

func newValidateCmd() *cobra.Command {
	o := &validateOptions{}
	cmd := &cobra.Command{
		Use:   "validate PATH",
		Short: "Check a file or folder of loans without running anything: what a run would reject, by field",
		Long: `validate reads a file of loans, or every file of loans in a folder, exactly as
'montecarlo local --input' and the workers would (docs/loans.md: CSV, JSON
Lines, JSON or Parquet, each optionally gzip-compressed) and prints what a
run would reject, grouped by field with the first lines of each, and which
optional fields it would derive, and how often.

It exits non-zero when a run would fail: a file refused as a whole (a
missing required column, an unknown column, no record), a loan id repeated
across files, or more rejected records than --max-rejected.`,
		Example: `  # Check the sample portfolio
  montecarlo validate examples/loans/sample.csv

  # A folder of gzipped CSV files whose rates are percentages, as JSON
  montecarlo validate ./tape/ --rate-unit percent --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.in.validate(); err != nil {
				return fmt.Errorf("validate: %w", err)
			}
			c, err := checkInput(args[0], o.in.options())
			if err != nil {
				return fmt.Errorf("validate: %w", err)
			}
			out := cmd.OutOrStdout()
			prob := c.problem(o.in.maxRejected)
			if o.jsonOut {
				if err := json.NewEncoder(out).Encode(struct {
					*inputCheck
					OK      bool   `json:"ok"`
					Problem string `json:"problem"`
				}{c, prob == "", prob}); err != nil {
					return err
				}
			} else {
				writeCheck(out, c)
			}
			if prob != "" {
				return fmt.Errorf("validate: a run would fail: %s", prob)
			}
			return nil
		},
	}
	o.in.add(cmd.Flags())
	cmd.Flags().BoolVar(&o.jsonOut, "json", false, "print the result as one JSON object")
	return cmd
}

// writeCheck prints an inputCheck for a person.
func writeCheck(w io.Writer, c *inputCheck) {
	p := message.NewPrinter(language.English)
	p.Fprintf(w, "%s: %s, %d records read, %d valid, %d rejected (%.2f%%)\n", c.Path, numfmt.Plural(int64(len(c.Files)), "file"),
		c.Read, c.Valid, c.Rejected, 100*rejectedShare(c.Rejected, c.Read))
	for _, fe := range c.FileErrors {
		p.Fprintf(w, "\nRefused file %s:\n  %s\n", fe.File, fe.Error)
	}
	if len(c.ByField) > 0 {
		p.Fprintf(w, "\nRejected, by field:\n")
		for _, f := range sortedKeys(c.ByField) {
			g := c.ByField[f]
			p.Fprintf(w, "  %s: %d\n", f, g.Count)
			for _, r := range g.Examples {
				p.Fprintf(w, "    %s line %d, id %q: %s\n", filepath.Base(r.Source), r.Line, r.ID, r.Reason)
			}
			if g.Count > int64(len(g.Examples)) {
				p.Fprintf(w, "    ... and %d more\n", g.Count-int64(len(g.Examples)))
			}
		}
	}
	for _, d := range c.CrossFileDuplicates {
		p.Fprintf(w, "  id: %s line %d: %s\n", filepath.Base(d.Source), d.Line, d.Reason)
	}
	if len(c.Derived) > 0 {
		p.Fprintf(w, "\nDerived (optional fields not given; each field's rule in docs/loans.md):\n")
		for _, f := range sortedKeys(c.Derived) {
			p.Fprintf(w, "  %-20s %d loans\n", f, c.Derived[f])
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
