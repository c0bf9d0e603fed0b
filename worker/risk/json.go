package risk

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
)

// JSON of the figures that may be absent. A tail figure whose status is
// TailInsufficient (its value and its interval), and a loss rate over an
// average balance of 0, are null rather than a 0 a reader could take for a
// measurement. The Go fields stay plain float64, 0 then, so Headline stays
// comparable; decoding needs nothing special (null leaves a field 0). Keys
// keep the order of the struct fields.

// nullKeys are the keys written as null for the given statuses and
// average balance.
func nullKeys(t99, t999 TailStatus, avgBalanceUSD float64) map[string]bool {
	null := map[string]bool{}
	if !t99.Reported() {
		null["var_99"], null["var_99_ci"], null["es_99"], null["es_99_ci"] = true, true, true, true
	}
	if !t999.Reported() {
		null["var_999"], null["var_999_ci"], null["es_999"], null["es_999_ci"] = true, true, true, true
	}
	if !(avgBalanceUSD > 0) {
		null["loss_rate_avg_balance"] = true
	}
	return null
}

// writeFields writes the fields of struct v as "key":value pairs, in
// declaration order, after a comma when b already holds a pair. It knows
// the tags this package uses: a name and omitempty. Values are encoded by
// encoding/json, so they read back exactly.
func writeFields(b *bytes.Buffer, v reflect.Value, null map[string]bool) error {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" || name == "" {
			continue
		}
		fv := v.Field(i)
		if opts == "omitempty" && fv.IsZero() {
			continue
		}
		raw := []byte("null")
		if !null[name] {
			var err error
			if raw, err = json.Marshal(fv.Interface()); err != nil {
				return err
			}
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(name)
		b.Write(key)
		b.WriteByte(':')
		b.Write(raw)
	}
	return nil
}

// marshalObject writes the fields of each struct in vs, in order, as one
// JSON object.
func marshalObject(null map[string]bool, vs ...any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for _, v := range vs {
		if err := writeFields(&b, reflect.ValueOf(v), null); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// MarshalJSON writes the tail figures of an insufficient tail, and the
// loss rate over a zero average balance, as null.
func (ls LossStats) MarshalJSON() ([]byte, error) {
	return marshalObject(nullKeys(ls.Tail99, ls.Tail999, ls.AvgBalanceUSD), ls)
}

// MarshalJSON writes the segment, then its LossStats as LossStats does
// (whose MarshalJSON would otherwise be promoted and drop the segment).
func (s SegmentReport) MarshalJSON() ([]byte, error) {
	seg := struct {
		Segment string `json:"segment"`
	}{string(s.Segment)}
	return marshalObject(nullKeys(s.Tail99, s.Tail999, s.AvgBalanceUSD), seg, s.LossStats)
}

// MarshalJSON writes the tail figures of an insufficient tail, and the
// loss rate over a zero average balance, as null.
func (h Headline) MarshalJSON() ([]byte, error) {
	return marshalObject(nullKeys(h.Tail99, h.Tail999, h.AvgBalanceUSD), h)
}
