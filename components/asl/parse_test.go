package asl

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	got = append(bytes.TrimRight(got, "\n"), '\n')
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; run go test -update if the change is intended\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// sameJSON reports whether a and b are the same JSON value, numbers compared
// by value (2.0 == 2) and object keys in any order.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

func TestParseAWSExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples found: %v", err)
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name+" parses and marshals to the same JSON", func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			m, err := Parse(src)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			out, err := MarshalIndent(m)
			if err != nil {
				t.Fatalf("MarshalIndent: %v", err)
			}
			if !sameJSON(t, src, out) {
				t.Errorf("marshalled definition differs from the source\nsource:\n%s\nmarshalled:\n%s", src, out)
			}
			golden(t, name, out)

			again, err := Parse(out)
			if err != nil {
				t.Fatalf("Parse of marshalled output: %v", err)
			}
			out2, err := MarshalIndent(again)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, out2) {
				t.Errorf("parse then marshal is not the identity on our own output\nfirst:\n%s\nsecond:\n%s", out, out2)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want []string // substrings of the error
	}{
		{
			name: "a misspelt Retry field, naming its full path",
			doc:  `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"r","End":true,"Retry":[{"ErrorEquals":["States.ALL"],"MaxAtempts":2}]}}}`,
			want: []string{`States.Work.Retry[0].MaxAtempts: unknown field (did you mean "MaxAttempts"?)`},
		},
		{
			name: "an unknown top-level field",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Succeed"}},"Foo":1}`,
			want: []string{"Foo: unknown field"},
		},
		{
			name: "a field that belongs to another state type",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Resource":"x","End":true}}}`,
			want: []string{"States.A.Resource: unknown field"},
		},
		{
			name: "an unknown state type",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Sleep"}}}`,
			want: []string{`States.A.Type: unknown state type "Sleep" (allowed: Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map)`},
		},
		{
			name: "a state without a type",
			doc:  `{"StartAt":"A","States":{"A":{"End":true}}}`,
			want: []string{"States.A.Type: required field is missing"},
		},
		{
			name: "a string where an integer belongs",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","TimeoutSeconds":"60","End":true}}}`,
			want: []string{`States.A.TimeoutSeconds: must be an integer, not string "60"`},
		},
		{
			name: "a fraction where an integer belongs",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Wait","Seconds":1.5,"End":true}}}`,
			want: []string{"States.A.Seconds: must be an integer, not 1.5"},
		},
		{
			name: "null where a number belongs",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Map","MaxConcurrency":null,"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Succeed"}}},"End":true}}}`,
			want: []string{"States.A.MaxConcurrency: must be an integer, not null"},
		},
		{
			name: "an unknown field deep in a Map's processor",
			doc:  `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{"W":{"Type":"Task","Resource":"r","End":true,"Catch":[{"ErrorEquals":["X"],"Next":"W","Resultpath":null}]}}}}}}`,
			want: []string{"States.M.ItemProcessor.States.W.Catch[0].Resultpath: unknown field"},
		},
		{
			name: "an unknown field in a nested choice rule",
			doc:  `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"And":[{"Variable":"$.x","NumericEqual":1}],"Next":"D"}]},"D":{"Type":"Succeed"}}}`,
			want: []string{`States.C.Choices[0].And[0].NumericEqual: unknown field (did you mean "NumericEquals"?)`},
		},
		{
			name: "every problem at once",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B"},"B":{"Type":"Nope"}},"Bogus":true}`,
			want: []string{"3 problems", "Bogus: unknown field", "States.A.Nxt: unknown field", `States.B.Type: unknown state type "Nope"`},
		},
		{
			name: "data after the definition",
			doc:  `{"StartAt":"A","States":{"A":{"Type":"Succeed"}}} {}`,
			want: []string{"unexpected data after the top-level object"},
		},
		{
			name: "malformed JSON",
			doc:  `{"StartAt":`,
			want: []string{"parse state machine:"},
		},
	}
	for _, tt := range tests {
		t.Run("rejects "+tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := Parse([]byte(tt.doc))
			if err == nil {
				t.Fatalf("Parse accepted the document: %s", m)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestParseErrorListsProblems(t *testing.T) {
	t.Parallel()
	_, err := Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Nxt":"B","End":"yes"}}}`))
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *ParseError", err)
	}
	want := []Problem{
		{Path: "States.A.End", Message: `must be a boolean, not string "yes"`},
		{Path: "States.A.Nxt", Message: `unknown field (did you mean "Next"?)`},
	}
	if !reflect.DeepEqual(pe.Problems, want) {
		t.Errorf("problems = %#v, want %#v", pe.Problems, want)
	}
}

func TestResultPathAbsentNullAndDollarStayDistinct(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		field    string
		wantNull bool
		wantSet  bool
		wantPath string
	}{
		{name: "absent", field: ``, wantPath: "$"},
		{name: "null", field: `,"ResultPath":null`, wantNull: true, wantSet: true},
		{name: "dollar", field: `,"ResultPath":"$"`, wantSet: true, wantPath: "$"},
		{name: "a path", field: `,"ResultPath":"$.out"`, wantSet: true, wantPath: "$.out"},
	}
	for _, tt := range tests {
		t.Run("ResultPath "+tt.name+" round-trips", func(t *testing.T) {
			t.Parallel()
			doc := `{"StartAt":"A","States":{"A":{"Type":"Pass"` + tt.field + `,"End":true}}}`
			m, err := Parse([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			rp := m.States["A"].(*PassState).ResultPath
			if rp.IsNull() != tt.wantNull || rp.IsZero() == tt.wantSet {
				t.Errorf("ResultPath %v: null=%t set=%t, want null=%t set=%t", rp, rp.IsNull(), !rp.IsZero(), tt.wantNull, tt.wantSet)
			}
			if !tt.wantNull && rp.Or("$") != tt.wantPath {
				t.Errorf("ResultPath.Or(\"$\") = %q, want %q", rp.Or("$"), tt.wantPath)
			}
			out, err := Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out, []byte(doc)) {
				t.Errorf("marshalled\n%s\nwant\n%s", out, doc)
			}
		})
	}
}

func TestParseKeepsEveryDigitOfPayloadNumbers(t *testing.T) {
	t.Parallel()
	doc := `{"StartAt":"A","States":{"A":{"Type":"Pass","Result":{"big":12345678901234567890,"small":0.1000000000000000055511151231257827,"text":"a<b&c"},"End":true}}}`
	m, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != doc {
		t.Errorf("marshalled\n%s\nwant\n%s", out, doc)
	}
}

func TestMarshalIsDeterministic(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile(filepath.Join("testdata", "examples", "choice_wait.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	first, err := MarshalIndent(m)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 { // map iteration order varies between runs; the bytes must not
		again, err := MarshalIndent(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("MarshalIndent gave different bytes for the same definition")
		}
	}
}
