package operate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/montecarlo-pipeline/montecarlo/components/workflow"
	"github.com/montecarlo-pipeline/montecarlo/worker/risk"
)

// ReportFiles are the names of a run's report files under runs/<runId>/,
// machine-readable first.
var ReportFiles = []string{"report.json", "report.html", "report.md"}

// S3API is the S3 client the verbs use; *s3.Client is one.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// Downloaded is what DownloadReport fetched.
type Downloaded struct {
	RunID  string   `json:"runId"`
	Bucket string   `json:"bucket"`
	Files  []string `json:"files"` // local paths
	// Report is report.json, decoded.
	Report risk.Report `json:"-"`
}

// DownloadReport copies the run's report files that exist to dir and
// decodes report.json. It fails if report.json is missing: the run has not
// finished (or never ran under that id).
func DownloadReport(ctx context.Context, c S3API, bucket, runID, dir string) (Downloaded, error) {
	if !workflow.ValidName(runID) {
		return Downloaded{}, fmt.Errorf("run id %q: want the execution name of a simulate run (1 to 80 characters from A-Z a-z 0-9 . _ -)", runID)
	}
	d := Downloaded{RunID: runID, Bucket: bucket}
	for _, name := range ReportFiles {
		key := workflow.RunPrefix(runID) + name
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if isNotFound(err) {
			if name == ReportFiles[0] {
				return Downloaded{}, fmt.Errorf("no report for run %s: s3://%s/%s does not exist (has the run finished? see `montecarlo watch`)", runID, bucket, key)
			}
			continue
		}
		if err != nil {
			return Downloaded{}, fmt.Errorf("get s3://%s/%s: %w", bucket, key, Explain(err, "s3://"+bucket+"/"+key))
		}
		path := filepath.Join(dir, name)
		if err := save(out.Body, path); err != nil {
			return Downloaded{}, err
		}
		d.Files = append(d.Files, path)
		if name == ReportFiles[0] {
			data, err := os.ReadFile(path)
			if err != nil {
				return Downloaded{}, fmt.Errorf("read %s: %w", path, err)
			}
			if err := json.Unmarshal(data, &d.Report); err != nil {
				return Downloaded{}, fmt.Errorf("s3://%s/%s is not a report: %w", bucket, key, err)
			}
		}
	}
	return d, nil
}

func save(body io.ReadCloser, path string) error {
	defer body.Close()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// isNotFound reports an S3 NoSuchKey or 404.
func isNotFound(err error) bool {
	if err == nil {
		return false
	}
	var nsk *s3types.NoSuchKey
	var nf *s3types.NotFound
	if errors.As(err, &nsk) || errors.As(err, &nf) {
		return true
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchKey" || ae.ErrorCode() == "NotFound")
}

// ReadReport reads and decodes the run's report.json without saving it.
func ReadReport(ctx context.Context, c S3API, bucket, runID string) (risk.Report, error) {
	if !workflow.ValidName(runID) {
		return risk.Report{}, fmt.Errorf("run id %q: want the execution name of a simulate run (1 to 80 characters from A-Z a-z 0-9 . _ -)", runID)
	}
	key := workflow.RunPrefix(runID) + ReportFiles[0]
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if isNotFound(err) {
		return risk.Report{}, fmt.Errorf("no report for run %s: s3://%s/%s does not exist (has the run finished? see `montecarlo watch`)", runID, bucket, key)
	}
	if err != nil {
		return risk.Report{}, fmt.Errorf("get s3://%s/%s: %w", bucket, key, Explain(err, "s3://"+bucket+"/"+key))
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return risk.Report{}, fmt.Errorf("read s3://%s/%s: %w", bucket, key, err)
	}
	var r risk.Report
	if err := json.Unmarshal(data, &r); err != nil {
		return risk.Report{}, fmt.Errorf("s3://%s/%s is not a report: %w", bucket, key, err)
	}
	return r, nil
}
