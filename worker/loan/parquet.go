package loan

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
)

// MaxParquetBytes bounds a Parquet file: unlike the line formats it is read
// whole (its footer is at the end), so a larger portfolio should be split
// into several files.
const MaxParquetBytes = 1 << 30

// parquetRows reads the rows of a flat Parquet file, row group by row group.
type parquetRows struct {
	file   *parquet.File
	names  []string // leaf column names
	dates  []bool   // DATE columns, written YYYY-MM-DD
	groups []parquet.RowGroup
	g      int
	rows   parquet.Rows
	buf    []parquet.Row
	n, i   int
	row    int // 1-based row number, the record's "line"
}

func openParquet(src io.Reader) (*parquetRows, error) {
	data, err := io.ReadAll(io.LimitReader(src, MaxParquetBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxParquetBytes {
		return nil, &FileError{Kind: KindBadFile, Problem: "is larger than 1 GiB", Allowed: "Parquet files of at most 1 GiB; split larger portfolios"}
	}
	if len(data) == 0 {
		return nil, &FileError{Kind: KindEmpty, Problem: "is empty", Allowed: "a Parquet file with at least one loan"}
	}
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, &FileError{Kind: KindBadFile, Problem: "is not a readable Parquet file: " + err.Error(), Allowed: "Parquet with a flat schema, one row per loan"}
	}
	p := &parquetRows{file: f, groups: f.RowGroups(), buf: make([]parquet.Row, 64)}
	for _, path := range f.Schema().Columns() {
		if len(path) != 1 {
			return nil, &FileError{Kind: KindBadHeader, Problem: fmt.Sprintf("the schema has nested column %q", strings.Join(path, ".")), Allowed: "a flat schema, one column per loan field"}
		}
		p.names = append(p.names, path[0])
	}
	for _, fl := range f.Schema().Fields() {
		lt := fl.Type().LogicalType()
		p.dates = append(p.dates, lt != nil && lt.Date != nil)
	}
	return p, nil
}

// next returns the next row, or nil at the end.
func (p *parquetRows) next() (parquet.Row, error) {
	for p.i >= p.n {
		if p.rows == nil {
			if p.g >= len(p.groups) {
				return nil, nil
			}
			p.rows = p.groups[p.g].Rows()
			p.g++
		}
		n, err := p.rows.ReadRows(p.buf)
		p.n, p.i = n, 0
		if err != nil {
			_ = p.rows.Close()
			p.rows = nil
			if err != io.EOF {
				return nil, &FileError{Kind: KindBadFile, Problem: "is not a readable Parquet file: " + err.Error(), Allowed: "Parquet with a flat schema"}
			}
		}
	}
	row := p.buf[p.i]
	p.i++
	p.row++
	return row, nil
}

// nextParquet reads one row into r.values, each cell as the text a CSV
// cell would hold, so the same rules apply.
func (r *Reader) nextParquet() (bool, error) {
	p := r.pq
	if !r.header {
		if err := r.checkHeader(p.names, 0, "the schema"); err != nil {
			return false, err
		}
	}
	row, err := p.next()
	if err != nil || row == nil {
		return false, err
	}
	r.rec = Record{Line: p.row}
	r.values, r.seen = [nFields]string{}, [nFields]bool{}
	var raw strings.Builder
	for _, v := range row {
		c := v.Column()
		if c < 0 || c >= len(r.cols) || v.IsNull() {
			continue
		}
		var s string
		switch v.Kind() {
		case parquet.Boolean:
			s = strconv.FormatBool(v.Boolean())
		case parquet.Int32:
			if p.dates[c] {
				s = time.Unix(int64(v.Int32())*86400, 0).UTC().Format("2006-01-02")
			} else {
				s = strconv.FormatInt(int64(v.Int32()), 10)
			}
		case parquet.Int64:
			s = strconv.FormatInt(v.Int64(), 10)
		case parquet.Float:
			s = strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
		case parquet.Double:
			s = strconv.FormatFloat(v.Double(), 'g', -1, 64)
		case parquet.ByteArray, parquet.FixedLenByteArray:
			b := v.ByteArray()
			if !utf8.Valid(b) {
				r.rec.Raw = []byte(strings.ToValidUTF8(string(b), "\uFFFD"))
				r.rec.Err = &FieldError{Kind: KindNotUTF8, Field: p.names[c], Problem: fmt.Sprintf("is not UTF-8 text (bad byte at %d)", firstInvalidUTF8(b)), Allowed: "UTF-8 text"}
				return true, nil
			}
			s = string(b)
		default:
			r.rec.Err = &FieldError{Kind: KindWrongType, Field: p.names[c], Problem: "has Parquet type " + v.Kind().String(), Allowed: "boolean, int32, int64, float, double, string or date"}
			return true, nil
		}
		if raw.Len() > 0 {
			raw.WriteByte(',')
		}
		raw.WriteString(s)
		if f := r.cols[c]; f != colIgnored {
			if s = strings.TrimSpace(s); s != "" {
				r.values[f], r.seen[f] = s, true
			}
		}
	}
	r.rec.Raw = []byte(raw.String())
	r.finish()
	return true, nil
}
