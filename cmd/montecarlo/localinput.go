package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/message"

	localrun "github.com/montecarlo-pipeline/montecarlo/local/runtime"
)

// checkInput reads --input before anything starts, as validate does: a
// file refused as a whole, an id repeated across files or an input
// without a valid loan fails here, naming the file, line and column; the
// run itself rejects (and lists) bad records. Without --input it checks
// that the input flags were not given alone.
func (o *localOptions) checkInput(stderr io.Writer) error {
	if o.input == "" {
		return nil
	}
	if o.serve {
		return errors.New("--input runs a simulation; --serve starts none")
	}
	c, err := checkInput(o.input, o.in.options())
	if err != nil {
		return fmt.Errorf("--input: %w", err)
	}
	if len(c.FileErrors) > 0 || len(c.CrossFileDuplicates) > 0 || c.Valid == 0 {
		return fmt.Errorf("--input: %s (montecarlo validate %s lists every problem)", c.problem(o.in.maxRejected), o.input)
	}
	o.run.Input, o.run.RateUnit, o.run.AllowUnknownColumns = o.input, o.in.rateUnit, o.in.allowUnknown
	o.run.Loans = c.Read // sizes the progress bar; nothing is generated
	return nil
}

// outcomeJSON is what happened to the run's records, in --json.
type outcomeJSON struct {
	Input          string           `json:"input"` // "" for a generated portfolio
	LoansRead      int64            `json:"loans_read"`
	LoansSimulated int64            `json:"loans_simulated"`
	LoansRejected  int64            `json:"loans_rejected"`
	RejectedShare  float64          `json:"rejected_share"`
	MaxRejected    float64          `json:"max_rejected"`
	ErrorsPath     string           `json:"errors_path"` // every rejected record with line, id, field and reason; "" if none
	DerivedByField map[string]int64 `json:"derived_by_field"`
	Failed         bool             `json:"failed"`
	Reason         string           `json:"reason"`
}

func newOutcome(res localrun.Result, maxRejected float64) outcomeJSON {
	read := res.LoansProcessed + res.LoansRejected
	out := outcomeJSON{Input: res.Input, LoansRead: read, LoansSimulated: res.LoansProcessed, LoansRejected: res.LoansRejected,
		RejectedShare: rejectedShare(res.LoansRejected, read), MaxRejected: maxRejected, ErrorsPath: res.ErrorsPath,
		DerivedByField: res.DerivedByField}
	if out.DerivedByField == nil {
		out.DerivedByField = map[string]int64{}
	}
	if err := outcomeErr(res, maxRejected); err != nil {
		out.Failed, out.Reason = true, err.Error()
	}
	return out
}

// outcomeErr fails a run whose rejected share is above maxRejected (a
// negative maxRejected never fails).
func outcomeErr(res localrun.Result, maxRejected float64) error {
	read := res.LoansProcessed + res.LoansRejected
	if maxRejected < 0 || rejectedShare(res.LoansRejected, read) <= maxRejected {
		return nil
	}
	return fmt.Errorf("%d of %d records rejected (%.2f%%), more than --max-rejected %.2f%%; the reports were written (%s) and the rejected records, with line, id, field and reason, are in %s",
		res.LoansRejected, read, 100*rejectedShare(res.LoansRejected, read), 100*maxRejected, res.ReportPath, res.ErrorsPath)
}

// maxRejected is the share the outcome is held to: --max-rejected for a
// run on --input or when given, none for a generated portfolio (whose
// --chaos-corrupt records are rejected on purpose).
func (o *localOptions) maxRejected(changed bool) float64 {
	if o.input == "" && !changed {
		return -1
	}
	return o.in.maxRejected
}

// checkOutcome is the run's exit status once its reports are out.
func (o *localOptions) checkOutcome(res localrun.Result) error {
	if err := outcomeErr(res, o.limit); err != nil {
		return fmt.Errorf("local: %w", err)
	}
	return nil
}

// closingLine says what happened to the records, the last line of the
// text output.
func closingLine(res localrun.Result) string {
	read := res.LoansProcessed + res.LoansRejected
	s := fmt.Sprintf("Outcome: %d loans read, %d simulated, %d rejected (%.2f%%)", read, res.LoansProcessed, res.LoansRejected,
		100*rejectedShare(res.LoansRejected, read))
	if res.ErrorsPath != "" {
		return s + "; rejected records, with line, id, field and reason: " + res.ErrorsPath
	}
	return s
}

// writeDerived lists the optional fields derived, by field.
func writeDerived(p *message.Printer, w io.Writer, derived map[string]int64) {
	if len(derived) == 0 {
		return
	}
	parts := make([]string, 0, len(derived))
	for _, f := range sortedKeys(derived) {
		parts = append(parts, p.Sprintf("%s %d", f, derived[f]))
	}
	p.Fprintf(w, "Derived fields, loans by field (not given; each field's rule in docs/loans.md): %s\n", strings.Join(parts, ", "))
}
