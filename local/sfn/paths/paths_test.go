package paths

import (
	"errors"
	"regexp"
	"testing"
)

func mustDecode(t *testing.T, s string) any {
	t.Helper()
	v, err := DecodeString(s)
	if err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

func assertJSON(t *testing.T, got any, want string) {
	t.Helper()
	w, err := DecodeString(want)
	if err != nil {
		t.Fatalf("decode want %s: %v", want, err)
	}
	if !Equal(got, w) {
		t.Fatalf("got %s, want %s", MustMarshal(got), want)
	}
}

// The examples of the developer guide's "InputPath, Parameters and
// ResultSelector" and "ResultPath" pages, with their documented results.
func TestDocumentedInputOutputExamples(t *testing.T) {
	t.Parallel()
	t.Run("InputPath selects dataset2", func(t *testing.T) {
		in := mustDecode(t, `{"comment":"Example for InputPath.","dataset1":{"val1":1,"val2":2,"val3":3},"dataset2":{"val1":"a","val2":"b","val3":"c"}}`)
		got, err := Get("$.dataset2", in, nil)
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, got, `{"val1":"a","val2":"b","val3":"c"}`)
	})
	t.Run("Parameters select fields and keep static values", func(t *testing.T) {
		in := mustDecode(t, `{"comment":"Example for Parameters.","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`)
		tmpl := mustDecode(t, `{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"}}`)
		got, err := Template(tmpl, in, nil)
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, got, `{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"}}`)
	})
	t.Run("ResultSelector picks from the task result", func(t *testing.T) {
		res := mustDecode(t, `{"resourceType":"elasticmapreduce","resource":"createCluster.sync","output":{"SdkHttpMetadata":{"HttpStatusCode":200},"SdkResponseMetadata":{"RequestId":"1234-5678-9012"},"ClusterId":"AKIAIOSFODNN7EXAMPLE"}}`)
		tmpl := mustDecode(t, `{"ClusterId.$":"$.output.ClusterId","ResourceType.$":"$.resourceType"}`)
		got, err := Template(tmpl, res, nil)
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, got, `{"ClusterId":"AKIAIOSFODNN7EXAMPLE","ResourceType":"elasticmapreduce"}`)
	})
	t.Run("context object fields are read with $$", func(t *testing.T) {
		ctx := mustDecode(t, `{"Execution":{"Id":"arn:exec","Name":"n"},"Map":{"Item":{"Index":3,"Value":{"k":"v"}}}}`)
		tmpl := mustDecode(t, `{"id.$":"$$.Execution.Id","idx.$":"$$.Map.Item.Index","val.$":"$$.Map.Item.Value.k","in.$":"$"}`)
		got, err := Template(tmpl, "input", ctx)
		if err != nil {
			t.Fatal(err)
		}
		assertJSON(t, got, `{"id":"arn:exec","idx":3,"val":"v","in":"input"}`)
	})

	input := `{"comment":"This is a test","details":"Default example","who":"Step Functions"}`
	result := "Hello, Step Functions!"
	for _, tc := range []struct {
		name, path, input, want string
	}{
		{"ResultPath $ replaces the input with the result", "$", input, `"Hello, Step Functions!"`},
		{"ResultPath $.taskresult adds the result to the input", "$.taskresult", input,
			`{"comment":"This is a test","details":"Default example","who":"Step Functions","taskresult":"Hello, Step Functions!"}`},
		{"ResultPath into a child node keeps its siblings", "$.strings.lambdaresult",
			`{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz"},"who":"AWS Step Functions"}`,
			`{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz","lambdaresult":"Hello, Step Functions!"},"who":"AWS Step Functions"}`},
		{"ResultPath creates missing objects", "$.a.b", `{}`, `{"a":{"b":"Hello, Step Functions!"}}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := mustDecode(t, tc.input)
			before := MustMarshal(in)
			got, err := Set(tc.path, in, result)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, tc.want)
			if MustMarshal(in) != before {
				t.Fatalf("Set modified its input: %s", MustMarshal(in))
			}
		})
	}
}

func TestPathErrors(t *testing.T) {
	t.Parallel()
	in := mustDecode(t, `{"a":"text","list":[{"p":1},{"p":5},{"p":9}]}`)
	for _, tc := range []struct {
		name, call, wantName string
		run                  func() error
	}{
		{"a missing definite path is States.Runtime", "", ErrRuntime, func() error { _, err := Get("$.missing", in, nil); return err }},
		{"a missing path in Parameters is States.Runtime", "", ErrRuntime, func() error {
			_, err := Template(map[string]any{"x.$": "$.nope"}, in, nil)
			return err
		}},
		{"ResultPath into a string is States.ResultPathMatchFailure", "", ErrResultPathMatchFailure, func() error { _, err := Set("$.a.b", in, 1); return err }},
		{"ResultPath with a wildcard is rejected", "", ErrRuntime, func() error { _, err := Set("$.list[*]", in, 1); return err }},
		{"a bad intrinsic argument is States.IntrinsicFailure", "", ErrIntrinsicFailure, func() error {
			_, err := Intrinsic("States.ArrayLength($.a)", in, nil)
			return err
		}},
		{"an unknown intrinsic is States.IntrinsicFailure", "", ErrIntrinsicFailure, func() error {
			_, err := Intrinsic("States.Nope(1)", in, nil)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			var e *Error
			if !errors.As(err, &e) || e.Name != tc.wantName {
				t.Fatalf("got %v, want an error named %s", err, tc.wantName)
			}
		})
	}
}

func TestIndefinitePathsReturnArrays(t *testing.T) {
	t.Parallel()
	in := mustDecode(t, `{"list":[{"p":1},{"p":5},{"p":9}]}`)
	for _, tc := range []struct{ path, want string }{
		{"$.list[*].p", `[1,5,9]`},
		{"$.list[?(@.p > 2)].p", `[5,9]`},
		{"$.list[0:2].p", `[1,5]`},
		{"$.list[?(@.p > 100)]", `[]`},
		{"$.list[1]", `{"p":5}`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			got, err := Get(tc.path, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, tc.want)
		})
	}
}

// The examples of the developer guide's "Intrinsic functions" page.
func TestDocumentedIntrinsicExamples(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, input, expr, want string
	}{
		{"Format with a literal template", `{"name":"Arnav"}`, `States.Format('Hello, my name is {}.', $.name)`, `"Hello, my name is Arnav."`},
		{"Format with a template from the input", `{"name":"Arnav","template":"Hello, my name is {}."}`, `States.Format($.template, $.name)`, `"Hello, my name is Arnav."`},
		{"Format keeps escaped braces", `{}`, `States.Format('{} \{\} it\'s', 'a')`, `"a {} it's"`},
		{"Format renders numbers, booleans and null", `{"n":1.5}`, `States.Format('{}-{}-{}-{}', $.n, 7, true, null)`, `"1.5-7-true-null"`},
		{"StringToJson parses", `{"escapedJsonString":"{\"foo\": \"bar\"}"}`, `States.StringToJson($.escapedJsonString)`, `{"foo":"bar"}`},
		{"JsonToString renders", `{"unescapedJson":{"foo":"bar"}}`, `States.JsonToString($.unescapedJson)`, `"{\"foo\":\"bar\"}"`},
		{"Array collects arguments", `{"Id":123456}`, `States.Array($.Id)`, `[123456]`},
		{"ArrayPartition chunks", `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `States.ArrayPartition($.inputArray,4)`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		{"ArrayContains finds", `{"inputArray":[1,2,3,4,5,6,7,8,9],"lookingFor":5}`, `States.ArrayContains($.inputArray, $.lookingFor)`, `true`},
		{"ArrayRange steps inclusively", `{}`, `States.ArrayRange(1, 9, 2)`, `[1,3,5,7,9]`},
		{"ArrayGetItem indexes", `{"inputArray":[1,2,3,4,5,6,7,8,9],"index":5}`, `States.ArrayGetItem($.inputArray, $.index)`, `6`},
		{"ArrayLength counts", `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `States.ArrayLength($.inputArray)`, `9`},
		{"ArrayUnique removes duplicates", `{"inputArray":[1,2,3,3,3,3,3,3,4]}`, `States.ArrayUnique($.inputArray)`, `[1,2,3,4]`},
		{"Base64Encode encodes", `{"input":"Data to encode"}`, `States.Base64Encode($.input)`, `"RGF0YSB0byBlbmNvZGU="`},
		{"Base64Decode decodes", `{"base64":"RGF0YSB0byBlbmNvZGU="}`, `States.Base64Decode($.base64)`, `"Data to encode"`},
		{"Hash SHA-1 is hex", `{"Data":"input data","Algorithm":"SHA-1"}`, `States.Hash($.Data, $.Algorithm)`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		{"JsonMerge is shallow", `{"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}}`, `States.JsonMerge($.json1, $.json2, false)`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		{"MathAdd adds", `{"value1":111,"step":-1}`, `States.MathAdd($.value1, $.step)`, `110`},
		{"StringSplit on one delimiter", `{"inputString":"1,2,3,4,5","splitter":","}`, `States.StringSplit($.inputString, $.splitter)`, `["1","2","3","4","5"]`},
		{"StringSplit on each delimiter character", `{"inputString":"This.is+a,test=string","splitter":".+,="}`, `States.StringSplit($.inputString, $.splitter)`, `["This","is","a","test","string"]`},
		{"nested calls evaluate inside out", `{"arn":"arn:aws:imagebuilder:us-east-1:123456789012:image-recipe/my-recipe/1.2.3"}`,
			`States.Format('{}.{}', States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 0), States.ArrayGetItem(States.StringSplit(States.ArrayGetItem(States.StringSplit($.arn, '/'), 2), '.'), 1))`, `"1.2"`},
		{"paths with filters stay whole", `{"l":[{"n":"a,b","v":1},{"n":"c","v":2}]}`, `States.Array($.l[?(@.n == 'a,b')].v, 3)`, `[[1],3]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Intrinsic(tc.expr, mustDecode(t, tc.input), nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, got, tc.want)
		})
	}
}

func TestRandomIntrinsics(t *testing.T) {
	t.Parallel()
	t.Run("MathRandom stays in [start, end)", func(t *testing.T) {
		for range 200 {
			v, err := Intrinsic("States.MathRandom(1, 4)", nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if n := v.(int64); n < 1 || n >= 4 {
				t.Fatalf("got %d, want 1 <= n < 4", n)
			}
		}
	})
	t.Run("MathRandom with a seed repeats", func(t *testing.T) {
		a, _ := Intrinsic("States.MathRandom(0, 1000000, 42)", nil, nil)
		b, _ := Intrinsic("States.MathRandom(0, 1000000, 42)", nil, nil)
		if a != b {
			t.Fatalf("seeded draws differ: %v and %v", a, b)
		}
	})
	t.Run("UUID is a version 4 UUID", func(t *testing.T) {
		v, err := Intrinsic("States.UUID()", nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(v.(string)) {
			t.Fatalf("not a v4 UUID: %v", v)
		}
	})
}
