package store_test

import (
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/store"
)

func TestParseURI(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		bucket     string
		key        string
		wantErrSub string
	}{
		{in: "s3://results/runs/x/report.html", bucket: "results", key: "runs/x/report.html"},
		{in: "s3://results/runs/", bucket: "results", key: "runs/"},
		{in: "s3://results", bucket: "results", key: ""},
		{in: "s3://my.bucket-1/k", bucket: "my.bucket-1", key: "k"},
		{in: "https://results/k", wantErrSub: "must start with s3://"},
		{in: "results/k", wantErrSub: "must start with s3://"},
		{in: "s3:///k", wantErrSub: "3 to 63 characters"},
		{in: "s3://ab/k", wantErrSub: "3 to 63 characters"},
		{in: "s3://Results/k", wantErrSub: "lowercase letters"},
		{in: "s3://-results/k", wantErrSub: "start and end"},
		{in: "s3://a..b/k", wantErrSub: "adjacent dots"},
		{in: "s3://" + strings.Repeat("a", 64) + "/k", wantErrSub: "3 to 63 characters"},
	}
	for _, tt := range tests {
		name := tt.in + " parses"
		if tt.wantErrSub != "" {
			name = tt.in + " is rejected"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u, err := store.ParseURI(tt.in)
			if tt.wantErrSub != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) || !strings.Contains(err.Error(), tt.in) {
					t.Fatalf("err = %v, want one quoting the input and saying %q", err, tt.wantErrSub)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Bucket != tt.bucket || u.Key != tt.key {
				t.Errorf("got %+v, want bucket %q key %q", u, tt.bucket, tt.key)
			}
		})
	}
}

func TestURIFormatsAndJoins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		base string
		elem []string
		want string
	}{
		{"s3://b1x/runs/", []string{"x", "report.json"}, "s3://b1x/runs/x/report.json"},
		{"s3://b1x/runs", []string{"x/", "/report.json"}, "s3://b1x/runs/x/report.json"},
		{"s3://b1x", []string{"runs", "", "x"}, "s3://b1x/runs/x"},
		{"s3://b1x/k", nil, "s3://b1x/k"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" joined with "+strings.Join(tt.elem, ",")+" is "+tt.want, func(t *testing.T) {
			t.Parallel()
			got := store.MustParseURI(tt.base).Join(tt.elem...)
			if got.String() != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			back, err := store.ParseURI(got.String())
			if err != nil || back != got {
				t.Errorf("round trip of %s gave %+v, %v", got, back, err)
			}
		})
	}
}
