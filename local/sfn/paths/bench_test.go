package paths

import "testing"

// BenchmarkTemplate measures a Parameters block like the workflows' task
// inputs: paths into the input and the context object and one intrinsic.
func BenchmarkTemplate(b *testing.B) {
	input, _ := DecodeString(`{"run":{"id":"r-1","seed":42,"scenario":{"rate":0.08}},"Items":[{"Key":"a"},{"Key":"b"}],"BatchInput":{"bucket":"data"}}`)
	ctx, _ := DecodeString(`{"Execution":{"Id":"arn:aws:states:us-east-1:1:execution:m:e"},"State":{"Name":"Simulate","RetryCount":0}}`)
	tmpl, _ := DecodeString(`{"op":"simulate","run.$":"$.run.id","seed.$":"$.run.seed","items.$":"$.Items","batch.$":"$.BatchInput",
		"exec.$":"$$.Execution.Id","label.$":"States.Format('{}/{}', $.run.id, $$.State.Name)"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Template(tmpl, input, ctx); err != nil {
			b.Fatal(err)
		}
	}
}
