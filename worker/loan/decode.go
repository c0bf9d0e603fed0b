package loan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// MaxRecordBytes bounds one record (one JSON object, one JSON Lines line, one
// CSV row). Real loan records are under 1 KiB; the bound keeps a corrupted
// input (a missing newline in a 10 GB object, say) from costing the worker its
// memory, and the rejected record names the line.
const MaxRecordBytes = 64 << 10

// Decode decodes one JSON object into l, replacing everything l held. It
// rejects, as a *FieldError, input that is not exactly one JSON object, is
// longer than MaxRecordBytes, has a key the schema does not define, or has a
// value of the wrong JSON type. It does not call Validate.
func Decode(data []byte, l *Loan) error {
	*l = Loan{}
	if len(data) > MaxRecordBytes {
		return &FieldError{Kind: KindTooLarge, Problem: fmt.Sprintf("is %d bytes long", len(data)), Allowed: "at most 65536 bytes"}
	}
	if !utf8.Valid(data) {
		return &FieldError{Kind: KindNotUTF8, Problem: fmt.Sprintf("is not UTF-8 text (bad byte at %d)", firstInvalidUTF8(data)), Allowed: "UTF-8 text"}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return &FieldError{Kind: KindNotJSON, Problem: "is empty", Allowed: "one JSON object"}
	}
	if trimmed[0] != '{' {
		return &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("starts with %q", preview(trimmed, 16)), Allowed: "one JSON object"}
	}
	if decodeFast(trimmed, l) {
		return nil
	}
	*l = Loan{}
	// json.Unmarshal cannot refuse unknown keys; a Decoder can. Unknown keys are
	// rejected, not ignored, because a misspelt "balance" would otherwise
	// silently become a zero balance.
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.DisallowUnknownFields()
	if err := dec.Decode(l); err != nil {
		return classifyJSON(err)
	}
	if rest := bytes.TrimSpace(trimmed[dec.InputOffset():]); len(rest) > 0 {
		return &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("has %q after the object", preview(rest, 16)), Allowed: "one JSON object per record"}
	}
	return nil
}

// Parse decodes one JSON object and validates it: the error is a *FieldError
// from Decode or from Validate.
func Parse(data []byte, l *Loan) error {
	if err := Decode(data, l); err != nil {
		return err
	}
	return l.Validate()
}

// ReadObject reads one loan object from r (the one-object-per-loan layout:
// an S3 object body, say) with an ObjectReader and parses it. An error
// reading r is returned wrapped as is (the batch failed); a bad object is a
// *FieldError (the record is rejected).
func ReadObject(r io.Reader, l *Loan) error {
	or := NewObjectReader(r)
	if !or.Next() {
		*l = Loan{}
		return fmt.Errorf("read loan object: %w", or.Err())
	}
	*l = or.Record().Loan
	return or.Record().Err
}

// ObjectReader reads a whole input as one loan record (the
// one-object-per-loan layout), with the same Next/Record/Err shape as
// Reader. It reads at most MaxRecordBytes+1 bytes, so an oversized object
// costs no more memory than a valid one (and is not read to its end): it
// comes back as a record rejected as too large.
type ObjectReader struct {
	r    io.Reader
	rec  Record
	done bool
	err  error
}

// NewObjectReader returns an ObjectReader over r.
func NewObjectReader(r io.Reader) *ObjectReader { return &ObjectReader{r: r} }

// Next reads the object into Record; false on the second call or on an I/O
// error (see Err).
func (o *ObjectReader) Next() bool {
	if o.done {
		return false
	}
	o.done = true
	data, err := io.ReadAll(io.LimitReader(o.r, MaxRecordBytes+1))
	if err != nil {
		o.err = err
		return false
	}
	o.rec = Record{Line: 1, Raw: bytes.TrimSpace(data)}
	if len(data) > MaxRecordBytes {
		o.rec.Raw = o.rec.Raw[:min(len(o.rec.Raw), RejectionRawBytes)]
		o.rec.Err = &FieldError{Kind: KindTooLarge, Problem: "is more than 65536 bytes long", Allowed: "at most 65536 bytes per record"}
		return true
	}
	o.rec.Err = Parse(data, &o.rec.Loan)
	return true
}

// Record returns the record read by Next.
func (o *ObjectReader) Record() *Record { return &o.rec }

// Err returns the I/O error that stopped the reader, or nil.
func (o *ObjectReader) Err() error { return o.err }

// classifyJSON maps encoding/json's errors onto Kinds. Unknown keys have no
// error type in encoding/json v1, only the message `json: unknown field "x"`.
func classifyJSON(err error) *FieldError {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("is not valid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")), Allowed: "one JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &FieldError{Kind: KindNotJSON, Problem: "ends before the JSON object is complete", Allowed: "one JSON object"}
	case errors.As(err, &typ):
		return &FieldError{Kind: KindWrongType, Field: typ.Field, Problem: "is a JSON " + typ.Value, Allowed: "a JSON " + jsonTypeName(typ.Type.Kind().String())}
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return &FieldError{Kind: KindUnknownField, Field: strings.Trim(name, `"`), Problem: "is not a field of the loan schema", Allowed: "accepted names: " + acceptedNames()}
	}
	return &FieldError{Kind: KindNotJSON, Problem: strings.TrimPrefix(msg, "json: "), Allowed: "one JSON object"}
}

func jsonTypeName(goKind string) string {
	switch goKind {
	case "float64", "float32":
		return "number"
	case "int", "int64", "int32":
		return "integer"
	case "bool":
		return "true or false"
	case "slice":
		return "array of strings"
	}
	return goKind
}

func preview(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// Record is one record read from a stream: the decoded loan, where it was,
// and why it was rejected (Err is nil for a valid loan). Raw and Loan are
// overwritten by the next call to Next; copy what you keep.
type Record struct {
	Line int    // 1-based line number in the stream (the CSV row's line for CSV)
	Loan Loan   // as decoded, possibly partial when Err != nil
	Raw  []byte // the record's bytes without the line ending, at most MaxRecordBytes
	Err  error  // *FieldError when the record is rejected, nil when valid
}

// Rejection is one line of a rejected-records file (errors/*.jsonl): enough
// to find the record in its source and to count rejections by kind.
type Rejection struct {
	Source string `json:"source,omitempty"` // object key or file name
	Line   int    `json:"line,omitempty"`
	ID     string `json:"id,omitempty"` // when the id could be read
	Kind   Kind   `json:"kind"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	Raw    string `json:"raw,omitempty"` // the first RejectionRawBytes of the record
}

// RejectionRawBytes bounds the copy of a rejected record kept in its
// Rejection: enough to recognise it, small enough that a file of garbage does
// not double in the errors output.
const RejectionRawBytes = 256

// Rejection describes a rejected record for the errors file; source is the
// object key (or file name) it came from.
func (r *Record) Rejection(source string) Rejection {
	rej := Rejection{Source: source, Line: r.Line, ID: r.Loan.ID, Reason: "rejected"}
	if len(rej.ID) > MaxIDBytes {
		rej.ID = rej.ID[:MaxIDBytes]
	}
	if r.Err != nil {
		rej.Reason = r.Err.Error()
		var fe *FieldError
		if errors.As(r.Err, &fe) {
			rej.Kind, rej.Field = fe.Kind, fe.Field
		}
	}
	raw := r.Raw
	if len(raw) > RejectionRawBytes {
		raw = raw[:RejectionRawBytes]
	}
	rej.Raw = strings.ToValidUTF8(string(raw), "\uFFFD")
	return rej
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}
