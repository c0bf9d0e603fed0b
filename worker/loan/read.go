package loan

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Format is a loan file format. Each may be gzip-compressed: readers
// recognise gzip by its first bytes, whatever the name says.
type Format string

// Formats.
const (
	FormatCSV     Format = "csv"     // a header row, then one loan per line
	FormatJSONL   Format = "jsonl"   // one JSON object per line
	FormatJSON    Format = "json"    // one JSON object per file
	FormatParquet Format = "parquet" // one row per loan, a flat schema
)

// FormatOf returns the format of a file or object name by its extension
// (".csv", ".jsonl", ".ndjson", ".json", ".parquet", each optionally
// followed by ".gz"), or "" when the name gives none.
func FormatOf(name string) Format {
	name = strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".gz"))
	switch {
	case strings.HasSuffix(name, ".csv"):
		return FormatCSV
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
		return FormatJSONL
	case strings.HasSuffix(name, ".json"):
		return FormatJSON
	case strings.HasSuffix(name, ".parquet"):
		return FormatParquet
	}
	return ""
}

// RateUnit says how the rate fields (current_rate, margin, periodic_cap,
// lifetime_cap, rate_ceiling, origination_rate) are written.
type RateUnit string

// Rate units.
const (
	RateDecimal RateUnit = "decimal" // 0.065 for 6.5%: the default
	RatePercent RateUnit = "percent" // 6.5 for 6.5%, divided by 100 on reading
)

// ParseRateUnit checks a rate unit name; "" is RateDecimal.
func ParseRateUnit(s string) (RateUnit, error) {
	switch RateUnit(s) {
	case "", RateDecimal:
		return RateDecimal, nil
	case RatePercent:
		return RatePercent, nil
	}
	return "", fmt.Errorf("rate unit %q: allowed %q or %q", s, RateDecimal, RatePercent)
}

// ReadOptions are how a file is read. Zero values mean the documented
// defaults.
type ReadOptions struct {
	// AsOf is the valuation date the derivation of remaining_months and
	// origination_date counts from; zero means DefaultAsOf.
	AsOf time.Time
	// TargetDTI and TargetDSCR are the ratios annual_income and annual_noi
	// are derived with; 0 means DefaultTargetDTI and DefaultTargetDSCR.
	TargetDTI, TargetDSCR float64
	// RateUnit is how rates are written (default RateDecimal).
	RateUnit RateUnit
	// AllowUnknownColumns ignores columns (or keys) that are not loan
	// fields instead of refusing the file at its header.
	AllowUnknownColumns bool
	// IDs, if set, is shared by several readers so that a loan id
	// repeated in another file is rejected too; nil means one set per
	// reader.
	IDs *IDSet
	// Source names the file in duplicate-id messages ("a.csv line 3").
	Source string
}

// CSVOptions is the former name of ReadOptions.
type CSVOptions = ReadOptions

func (o ReadOptions) withDefaults() ReadOptions {
	if o.AsOf.IsZero() {
		o.AsOf = DefaultAsOf
	}
	if o.TargetDTI == 0 {
		o.TargetDTI = DefaultTargetDTI
	}
	if o.TargetDSCR == 0 {
		o.TargetDSCR = DefaultTargetDSCR
	}
	if o.RateUnit == "" {
		o.RateUnit = RateDecimal
	}
	if o.IDs == nil {
		o.IDs = NewIDSet()
	}
	return o
}

// IDSet remembers where each loan id was first seen, for the duplicate
// check; it is safe for concurrent use.
type IDSet struct {
	mu sync.Mutex
	m  map[string]idPlace
}

type idPlace struct {
	source string
	line   int
}

// NewIDSet returns an empty set.
func NewIDSet() *IDSet { return &IDSet{m: map[string]idPlace{}} }

// add records id at (source, line) and returns the first place it was
// seen if it was already there.
func (s *IDSet) add(id, source string, line int) (idPlace, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.m[id]; ok {
		return p, true
	}
	s.m[id] = idPlace{source, line}
	return idPlace{}, false
}

// FileError is a problem with a file as a whole, found before or instead
// of its records: a header with a missing required column or an unknown
// column, an empty file, a file that is not of its format. No record of
// the file is used.
type FileError struct {
	Kind    Kind
	Line    int    // 1 for a header; 0 when the file as a whole
	Problem string // "has no column balance (required)"
	Allowed string // the accepted names, or what the file should be
}

// Error reads "line 1: header has no column balance (required) (accepted: id, ...) [bad_header]".
func (e *FileError) Error() string {
	s := ""
	if e.Line > 0 {
		s = fmt.Sprintf("line %d: ", e.Line)
	}
	s += e.Problem
	if e.Allowed != "" {
		s += " (" + e.Allowed + ")"
	}
	return s + " [" + string(e.Kind) + "]"
}

// Reader reads loan records of any Format, one at a time, in bounded memory
// (but for Parquet, which is read whole). The same rules apply to every
// format: the header (CSV columns, the keys of the first JSON record, the
// Parquet schema) is checked first and a missing required column or an
// unknown column stops the reader with a *FileError before any record is
// read; a record that is over MaxRecordBytes, not UTF-8, unreadable,
// incomplete, out of range or a repeated id comes back as a Record with Err
// set and its line, and reading goes on with the next line; an input with
// no record is a *FileError.
//
//	r := loan.NewFormatReader(body, loan.FormatCSV, loan.ReadOptions{})
//	for r.Next() {
//		rec := r.Record()
//		if rec.Err != nil { /* write rec.Rejection(key) */ continue }
//		/* use rec.Loan */
//	}
//	if err := r.Err(); err != nil { /* *FileError, or an I/O error */ }
type Reader struct {
	src    io.Reader
	format Format
	opt    ReadOptions
	opened bool

	lines *lineReader
	pq    *parquetRows

	header  bool    // the header was read and checked
	cols    []field // CSV and Parquet: the field of each column
	names   []string
	records int // data records returned

	rec    Record
	err    error
	done   bool
	fields []string
	values [nFields]string
	seen   [nFields]bool
}

// NewReader returns a Reader over JSON Lines with the default options.
func NewReader(r io.Reader) *Reader { return NewFormatReader(r, FormatJSONL, ReadOptions{}) }

// NewCSVReader returns a Reader over CSV whose first row is a header.
func NewCSVReader(r io.Reader, opt ReadOptions) *Reader { return NewFormatReader(r, FormatCSV, opt) }

// NewFormatReader returns a Reader over r in format f, gzip-compressed or not.
func NewFormatReader(r io.Reader, f Format, opt ReadOptions) *Reader {
	return &Reader{src: r, format: f, opt: opt.withDefaults()}
}

// Record returns the record read by the last successful Next. It is
// overwritten by the following Next.
func (r *Reader) Record() *Record { return &r.rec }

// Err returns what stopped the reader: nil at a clean end of input, a
// *FileError for a file refused as a whole, or an I/O error. Rejected
// records are not errors here.
func (r *Reader) Err() error { return r.err }

// Records returns how many records Next has returned, rejected or not.
func (r *Reader) Records() int { return r.records }

func (r *Reader) open() error {
	r.opened = true
	br := bufio.NewReaderSize(r.src, MaxRecordBytes+2)
	var src io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &FileError{Kind: KindBadFile, Problem: "is not a readable gzip file: " + err.Error(), Allowed: "gzip-compressed or plain " + string(r.format)}
		}
		src = zr
	}
	switch r.format {
	case FormatCSV, FormatJSONL, FormatJSON:
		r.lines = newLineReader(src, r.format == FormatJSON)
	case FormatParquet:
		pq, err := openParquet(src)
		if err != nil {
			return err
		}
		r.pq = pq
	default:
		return &FileError{Kind: KindBadFile, Problem: fmt.Sprintf("has format %q", r.format), Allowed: "csv, jsonl, json or parquet"}
	}
	return nil
}

// Next reads the next record; false at the end or when the file is refused
// (see Err).
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	if !r.opened {
		if err := r.open(); err != nil {
			r.stop(err)
			return false
		}
	}
	for {
		ok, err := r.nextRecord()
		if err != nil {
			r.stop(err)
			return false
		}
		if !ok {
			r.done = true
			if r.records == 0 {
				r.err = &FileError{Kind: KindEmpty, Problem: "holds no loan record", Allowed: "at least one loan"}
				if r.header && (r.format == FormatCSV || r.format == FormatParquet) {
					r.err = &FileError{Kind: KindEmpty, Problem: "has a header but no loan record", Allowed: "at least one loan"}
				}
			}
			return false
		}
		if ok {
			r.records++
			return true
		}
	}
}

func (r *Reader) stop(err error) {
	r.done, r.err = true, err
}

// nextRecord fills r.rec with the next data record; false at the end.
func (r *Reader) nextRecord() (bool, error) {
	if r.pq != nil {
		return r.nextParquet()
	}
	for {
		ln, err := r.lines.next()
		if err != nil {
			return false, err
		}
		if ln.eof {
			return false, nil
		}
		b := ln.b
		if len(bytes.TrimSpace(b)) == 0 && ln.tooLong == 0 {
			continue
		}
		r.rec = Record{Line: ln.line, Raw: b}
		if ln.tooLong > 0 {
			r.rec.Err = &FieldError{Kind: KindTooLarge, Problem: fmt.Sprintf("is at least %d bytes long; the records after it are still read", ln.tooLong),
				Allowed: "at most 65536 bytes per record"}
			if r.format == FormatCSV && !r.header {
				return false, &FileError{Kind: KindBadHeader, Line: ln.line, Problem: "the header is longer than 65536 bytes", Allowed: "a header row naming the loan fields"}
			}
			return true, nil
		}
		if len(b) > MaxRecordBytes {
			r.rec.Raw = b[:RejectionRawBytes]
			r.rec.Err = &FieldError{Kind: KindTooLarge, Problem: fmt.Sprintf("is %d bytes long", len(b)), Allowed: "at most 65536 bytes per record"}
			return true, nil
		}
		if !utf8.Valid(b) {
			if r.format == FormatCSV && !r.header {
				return false, &FileError{Kind: KindBadHeader, Line: ln.line, Problem: "the header is not UTF-8 text", Allowed: "UTF-8 text"}
			}
			r.rec.Err = &FieldError{Kind: KindNotUTF8, Problem: fmt.Sprintf("is not UTF-8 text (bad byte at %d)", firstInvalidUTF8(b)), Allowed: "UTF-8 text"}
			return true, nil
		}
		switch r.format {
		case FormatCSV:
			if !r.header {
				if err := r.csvHeader(b, ln.line); err != nil {
					return false, err
				}
				continue
			}
			r.csvRecord(b)
		default:
			if err := r.jsonRecord(b); err != nil {
				return false, err
			}
		}
		return true, nil
	}
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		c, n := utf8.DecodeRune(b[i:])
		if c == utf8.RuneError && n <= 1 {
			return i + 1
		}
		i += n
	}
	return 0
}

// checkHeader maps column names onto fields and refuses, as one
// *FileError, a header with a required column missing, an unknown column
// (unless AllowUnknownColumns) or a field given twice.
func (r *Reader) checkHeader(names []string, line int, what string) error {
	r.cols = make([]field, len(names))
	r.names = make([]string, len(names))
	var unknown, twice []string
	first := map[field]string{}
	for i, h := range names {
		n := normalName(h)
		r.names[i] = n
		f, ok := fieldByName[n]
		if !ok {
			if !r.opt.AllowUnknownColumns {
				unknown = append(unknown, fmt.Sprintf("%q", strings.TrimSpace(h)))
			}
			continue
		}
		if p, dup := first[f]; dup {
			twice = append(twice, fmt.Sprintf("%q and %q both give %s", p, strings.TrimSpace(h), fieldKeys[f]))
			continue
		}
		first[f] = strings.TrimSpace(h)
		r.cols[i] = f
	}
	var missing []string
	for _, f := range requiredFields {
		if _, ok := first[f]; !ok {
			missing = append(missing, fieldKeys[f])
		}
	}
	_, ok0 := first[requiredOneOf[0]]
	_, ok1 := first[requiredOneOf[1]]
	if !ok0 && !ok1 {
		missing = append(missing, fieldKeys[requiredOneOf[0]]+" (or "+fieldKeys[requiredOneOf[1]]+")")
	}
	var probs []string
	if len(missing) > 0 {
		probs = append(probs, "no "+plural(len(missing), "column", "columns")+" "+strings.Join(missing, ", ")+" (required, never derived)")
	}
	if len(unknown) > 0 {
		probs = append(probs, "unknown "+plural(len(unknown), "column", "columns")+" "+strings.Join(unknown, ", ")+" (--allow-unknown-columns ignores them)")
	}
	if len(twice) > 0 {
		probs = append(probs, "columns "+strings.Join(twice, "; "))
	}
	r.header = true
	if len(probs) == 0 {
		return nil
	}
	return &FileError{Kind: KindBadHeader, Line: line, Problem: what + " has " + strings.Join(probs, "; "),
		Allowed: "accepted names: " + acceptedNames() + "; other spellings in docs/loans.md"}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (r *Reader) csvHeader(b []byte, line int) error {
	row, err := splitCSV(b, nil)
	if err != nil {
		return &FileError{Kind: KindBadHeader, Line: line, Problem: "the header row is not valid CSV: " + err.Error(), Allowed: "a header row naming the loan fields"}
	}
	return r.checkHeader(row, line, "the header")
}

func (r *Reader) csvRecord(b []byte) {
	row, err := splitCSV(b, r.fields[:0])
	r.fields = row
	switch {
	case err != nil:
		r.rec.Err = &FieldError{Kind: KindBadCSV, Problem: "is not valid CSV: " + err.Error(), Allowed: "RFC 4180 CSV, one record per line"}
		return
	case len(row) != len(r.cols):
		r.rec.Err = &FieldError{Kind: KindBadCSV, Problem: fmt.Sprintf("has %d fields", len(row)), Allowed: fmt.Sprintf("%d fields, one per header column", len(r.cols))}
		return
	}
	r.values, r.seen = [nFields]string{}, [nFields]bool{}
	for i, v := range row {
		if c := r.cols[i]; c != colIgnored {
			if v = strings.TrimSpace(v); v != "" {
				r.seen[c], r.values[c] = true, v
			}
		}
	}
	r.finish()
}

// finish turns r.values into r.rec.Loan and checks the id is new.
func (r *Reader) finish() {
	r.rec.Loan = Loan{}
	r.rec.Err = r.fill(&r.rec.Loan)
	r.checkID()
}

// checkID records the loan's id and rejects the record if the id was seen
// before (ids of rejected records count too: the later record is the one
// refused, whatever happened to the first).
func (r *Reader) checkID() {
	id := r.rec.Loan.ID
	if id == "" {
		return
	}
	p, dup := r.opt.IDs.add(id, r.opt.Source, r.rec.Line)
	if !dup || r.rec.Err != nil {
		return
	}
	where := fmt.Sprintf("line %d", p.line)
	if p.source != r.opt.Source && p.source != "" {
		where = p.source + " " + where
	}
	r.rec.Err = &FieldError{Kind: KindDuplicateID, Field: "id", Problem: fmt.Sprintf("%q was already given on %s; this later record is not used", id, where),
		Allowed: "each loan id once in the input"}
}

// jsonRecord reads one JSON object (a JSON Lines line or a .json file).
func (r *Reader) jsonRecord(b []byte) error {
	if !r.header {
		return r.jsonSlow(b)
	}
	if r.opt.RateUnit == RateDecimal {
		// The fast path decides speed only: a record it takes is valid and
		// read exactly as the slow path would; anything else is decided,
		// and its error worded, by the slow path.
		l := &r.rec.Loan
		*l = Loan{}
		if bits, ok := decodeFastBits(b, l); ok {
			l.Derived = nil
			r.values, r.seen = [nFields]string{}, [nFields]bool{}
			for f := colID; f < nFields; f++ {
				if bits&fastBit[f] != 0 {
					r.seen[f] = true
				}
			}
			// A written first_reset_month of 0 is the slow path's to refuse.
			if r.requiredPresent() && (bits&fastBit[colFirstReset] == 0 || l.FirstResetMonth != 0) {
				r.derive(l)
				if l.Validate() == nil {
					r.rec.Err = nil
					r.checkID()
					return nil
				}
			}
		}
	}
	return r.jsonSlow(b)
}

// jsonSlow reads a JSON object key by key into r.values, as text, so that
// numbers and names follow the same rules as a CSV cell.
func (r *Reader) jsonSlow(b []byte) error {
	r.rec.Loan = Loan{}
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		r.rec.Err = &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("starts with %q", preview(trimmed, 16)), Allowed: "one JSON object per line"}
		return nil
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if err := dec.Decode(&obj); err != nil {
		r.rec.Err = jsonSyntax(err)
		return nil
	}
	if rest := bytes.TrimSpace(trimmed[dec.InputOffset():]); len(rest) > 0 {
		r.rec.Err = &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("has %q after the object", preview(rest, 16)), Allowed: "one JSON object per line"}
		return nil
	}
	if !r.header && r.format == FormatJSON {
		r.header = true // the file is one record: its problems are the record's
	}
	if !r.header {
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		what := fmt.Sprintf("the first record's keys (line %d)", r.rec.Line)
		if err := r.checkHeader(keys, r.rec.Line, what); err != nil {
			return err
		}
	}
	r.values, r.seen = [nFields]string{}, [nFields]bool{}
	given := map[field]string{}
	var ferr *FieldError
	for k, raw := range obj {
		f, ok := fieldByName[normalName(k)]
		if !ok {
			if !r.opt.AllowUnknownColumns && ferr == nil {
				ferr = &FieldError{Kind: KindUnknownField, Field: k, Problem: "is not a loan field", Allowed: "accepted names: " + acceptedNames()}
			}
			continue
		}
		if p, dup := given[f]; dup && ferr == nil {
			ferr = &FieldError{Kind: KindUnknownField, Field: k, Problem: fmt.Sprintf("gives %s again (as %q does)", fieldKeys[f], p), Allowed: "each field once"}
			continue
		}
		given[f] = k
		v, present, err := jsonText(raw, fieldKeys[f], numericField[f])
		if err != nil && ferr == nil {
			ferr = err
		}
		if present {
			r.values[f], r.seen[f] = v, true
		}
	}
	if ferr != nil {
		r.rec.Loan.ID = r.values[colID]
		r.rec.Err = ferr
		return nil
	}
	r.finish()
	return nil
}

// jsonText returns a JSON value as the text a CSV cell would hold: a
// string's contents, a number as written, true or false; null is absent.
func jsonText(raw json.RawMessage, key string, numeric bool) (string, bool, *FieldError) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false, nil
	}
	switch raw[0] {
	case 'n':
		return "", false, nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false, &FieldError{Kind: KindNotJSON, Field: key, Problem: "is not a valid JSON string", Allowed: "a JSON string"}
		}
		s = strings.TrimSpace(s)
		if numeric && s != "" {
			why := "a string"
			if _, perr := parseNumber(key, s); perr != nil {
				why = perr.Problem[strings.Index(perr.Problem, ":")+2:]
				if !strings.Contains(perr.Problem, ":") {
					why = "not a number"
				}
			}
			return "", false, &FieldError{Kind: KindWrongType, Field: key, Problem: fmt.Sprintf("is %q, %s", s, why), Allowed: "a JSON number such as 12000.50"}
		}
		return s, s != "", nil
	case '{', '[':
		what := "an object"
		if raw[0] == '[' {
			what = "an array"
		}
		if key == "derived" {
			return "", false, nil // output only
		}
		return "", false, &FieldError{Kind: KindWrongType, Field: key, Problem: "is " + what, Allowed: "a number, a string or true/false"}
	}
	return string(raw), true, nil
}

func jsonSyntax(err error) *FieldError {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		return &FieldError{Kind: KindNotJSON, Problem: fmt.Sprintf("is not valid JSON at byte %d: %s", syn.Offset, strings.TrimPrefix(syn.Error(), "json: ")), Allowed: "one JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &FieldError{Kind: KindNotJSON, Problem: "ends before the JSON object is complete", Allowed: "one JSON object"}
	}
	return &FieldError{Kind: KindNotJSON, Problem: "is not a JSON object", Allowed: "one JSON object"}
}

// lineReader splits input into lines of at most MaxRecordBytes in bounded
// memory; a longer line is skipped to its end and reported with its
// length, so the lines after it are still read. whole reads the input as
// one record (a .json file).
type lineReader struct {
	br    *bufio.Reader
	line  int
	done  bool
	whole bool
	tail  []byte
	buf   []byte
}

type lineOut struct {
	line    int
	b       []byte
	tooLong int // > 0: the line was this long (at least), b is its start
	eof     bool
}

func newLineReader(r io.Reader, whole bool) *lineReader {
	// +2 so a line of exactly MaxRecordBytes plus "\r\n" still fits.
	return &lineReader{br: bufio.NewReaderSize(r, MaxRecordBytes+2), whole: whole}
}

func (r *lineReader) next() (lineOut, error) {
	if r.done {
		return lineOut{eof: true}, nil
	}
	if r.whole {
		r.done = true
		data, err := io.ReadAll(io.LimitReader(r.br, MaxRecordBytes+1))
		if err != nil {
			return lineOut{}, err
		}
		if len(data) > MaxRecordBytes {
			return lineOut{line: 1, b: data[:RejectionRawBytes], tooLong: len(data)}, nil
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		return lineOut{line: 1, b: data}, nil
	}
	b, err := r.br.ReadSlice('\n')
	r.line++
	if errors.Is(err, bufio.ErrBufferFull) {
		r.tail = append(r.tail[:0], b[:min(len(b), RejectionRawBytes)]...)
		n := len(b)
		for {
			b, err = r.br.ReadSlice('\n')
			n += len(b)
			if errors.Is(err, bufio.ErrBufferFull) {
				continue
			}
			break
		}
		if err != nil {
			r.done = true
			if !errors.Is(err, io.EOF) {
				return lineOut{}, fmt.Errorf("read line %d: %w", r.line, err)
			}
		}
		return lineOut{line: r.line, b: r.tail, tooLong: n}, nil
	}
	if err != nil {
		r.done = true
		if !errors.Is(err, io.EOF) {
			return lineOut{}, fmt.Errorf("read line %d: %w", r.line, err)
		}
		if len(b) == 0 {
			return lineOut{eof: true}, nil
		}
	}
	b = trimEOL(b)
	if r.line == 1 {
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	}
	return lineOut{line: r.line, b: b}, nil
}

// splitCSV splits one line of RFC 4180 CSV into dst. A record is one line:
// a quoted field may hold commas and doubled quotes but no line break, so
// a broken quote costs one record, never the rest of the file.
func splitCSV(b []byte, dst []string) ([]string, error) {
	dst = dst[:0]
	i := 0
	for {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
			i++
		}
		if i < len(b) && b[i] == '"' {
			i++
			var sb strings.Builder
			for {
				j := bytes.IndexByte(b[i:], '"')
				if j < 0 {
					return dst, fmt.Errorf("a quoted field is not closed on its line")
				}
				sb.Write(b[i : i+j])
				i += j + 1
				if i < len(b) && b[i] == '"' {
					sb.WriteByte('"')
					i++
					continue
				}
				break
			}
			dst = append(dst, sb.String())
			for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
				i++
			}
			if i == len(b) {
				return dst, nil
			}
			if b[i] != ',' {
				return dst, fmt.Errorf("%q after a closing quote", b[i])
			}
			i++
			continue
		}
		j := bytes.IndexByte(b[i:], ',')
		end := len(b)
		if j >= 0 {
			end = i + j
		}
		if q := bytes.IndexByte(b[i:end], '"'); q >= 0 {
			return dst, fmt.Errorf("a quote inside an unquoted field")
		}
		dst = append(dst, string(b[i:end]))
		if j < 0 {
			return dst, nil
		}
		i = end + 1
	}
}
