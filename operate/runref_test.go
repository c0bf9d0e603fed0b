package operate

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestRunReferences(t *testing.T) {
	t.Parallel()
	arn := "arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:simulate-20261121T201500Z-3fa9"
	for _, tc := range []struct {
		ref  string
		want bool
	}{
		{arn, true},
		{"simulate-20261121T201500Z-3fa9", false},
		{"arn:aws:states:us-east-1:123456789012:stateMachine:montecarlo-simulate", false},
		{"arn:aws:states:us-east-1:123456789012:execution:montecarlo-simulate:", false},
	} {
		if got := IsExecutionArn(tc.ref); got != tc.want {
			t.Errorf("IsExecutionArn(%q) = %v", tc.ref, got)
		}
	}
	if got, ok := executionArnOf("arn:aws:states:us-east-1:123456789012:stateMachine:montecarlo-simulate", "simulate-20261121T201500Z-3fa9"); !ok || got != arn {
		t.Errorf("executionArnOf = %q, %v", got, ok)
	}
	// Without Step Functions to ask, an ARN names its run by its name.
	if id, err := ResolveRunID(context.Background(), nil, arn); err != nil || id != "simulate-20261121T201500Z-3fa9" {
		t.Errorf("ResolveRunID = %q, %v", id, err)
	}
	if _, err := ResolveRunID(context.Background(), nil, "../etc"); err == nil {
		t.Error("a path was taken for a run id")
	}
}

func TestDirObjectsReadsAFinishedLocalRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "bucket", "runs", "r1", "report.json")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte(`{"headline":{"loans":3}}`), 0o644)
	d := DirObjects{Dir: dir}
	out, err := d.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("runs/r1/report.json")})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(out.Body)
	if string(b) != `{"headline":{"loans":3}}` {
		t.Errorf("body %q", b)
	}
	if _, err := d.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("runs/r2/report.json")}); !isNotFound(err) {
		t.Errorf("missing object: %v, want NoSuchKey", err)
	}
	if _, err := d.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String("bucket"), Key: aws.String("../../etc/passwd")}); err == nil || isNotFound(err) {
		t.Errorf("a key climbing out of the directory: %v", err)
	}
	r, err := ReadReport(context.Background(), d, "bucket", "r1")
	if err != nil || r.Headline.Loans != 3 {
		t.Errorf("ReadReport = %+v, %v", r.Headline, err)
	}
}
