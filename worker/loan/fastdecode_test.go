package loan

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// decodeStd is the reference: encoding/json with unknown keys refused.
func decodeStd(data []byte, l *Loan) error {
	*l = Loan{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(l)
}

func TestFastPathTakesTheCanonicalForm(t *testing.T) {
	t.Parallel()
	odd := validCommercial()
	odd.InterestOnly = true
	odd.Derived = []string{"balance: amount", "x"}
	for _, l := range []Loan{validPersonal(), validCommercial(), odd, validCard(), validMortgage(), validBalloon()} {
		var got Loan
		if !decodeFast(AppendJSON(nil, &l), &got) {
			t.Fatalf("fast path refused %s", AppendJSON(nil, &l))
		}
		if !reflect.DeepEqual(got, l) {
			t.Errorf("fast path decoded\n%+v\nwant\n%+v", got, l)
		}
	}
}

func TestFastPathDefersWhatItDoesNotHandle(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"ID":"a"}`,               // encoding/json matches keys case-insensitively
		`{"id":"a","id":"b"}`,      // duplicate key: the last wins in encoding/json
		`{"id":"a\u0041"}`,         // escapes
		`{"id":"é"}`,               // non-ASCII
		`{"amount":null}`,          // null leaves the field alone
		`{"amount":01}`,            // not a JSON number
		`{"term_months":1e2}`,      // an exponent on an integer field is a type error
		`{"amount":1e999}`,         // out of range
		`{"derived":["a",1]}`,      // wrong element type
		`{"interest_only":"true"}`, // wrong type
		`{"id":"a"} x`,             // trailing data
		`{"id":"a",}`,              // trailing comma
	} {
		var l Loan
		if decodeFast([]byte(in), &l) {
			t.Errorf("fast path accepted %s", in)
		}
	}
}

// FuzzDecodeFast checks that whenever the fast path accepts an input,
// encoding/json accepts it too and decodes the same loan.
func FuzzDecodeFast(f *testing.F) {
	p, c := validPersonal(), validCommercial()
	c.Derived = []string{"a: b"}
	f.Add(AppendJSON(nil, &p))
	f.Add(AppendJSON(nil, &c))
	f.Add([]byte(`{}`))
	f.Add([]byte(` { "amount" : -0.0e+1 , "term_months" : -0 , "derived" : [ ] } `))
	f.Add([]byte(`{"interest_only":false,"index":"libor","credit_score":123456789012345678}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fast, std Loan
		if !decodeFast(data, &fast) {
			return
		}
		if err := decodeStd(data, &std); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json says %v", data, err)
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", data, fast, std)
		}
	})
}
