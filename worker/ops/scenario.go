package ops

import (
	"bytes"
	"context"
	"errors"
	"path"

	"github.com/montecarlo-pipeline/montecarlo/worker/scenariofile"
)

// readScenario reads the run's scenario file (run input "scenarioKey") from
// the data bucket and parses it for the run's horizon, so a missing or bad
// file fails prepare, before any batch starts, naming the key, line and
// column (ErrInputInvalid). Other S3 failures keep their retryable names.
func (o *ops) readScenario(ctx context.Context, bucket, key string, horizonMonths int) (*scenariofile.Path, error) {
	b, err := o.deps.Store.GetBytes(ctx, bucket, key)
	if errorsIsNotFound(err) {
		return nil, invalid(`run input: "scenarioKey" %q: no such object in s3://%s/ (upload it with montecarlo run simulate --scenario-file FILE)`, key, bucket)
	}
	if err != nil {
		return nil, s3Err(ctx, err, `read scenario file "scenarioKey" s3://%s/%s`, bucket, key)
	}
	p, err := scenariofile.Parse(bytes.NewReader(b), path.Base(key), horizonMonths)
	if err != nil {
		var fe *scenariofile.Error
		if errors.As(err, &fe) {
			return nil, invalid(`run input: "scenarioKey" s3://%s/%s: %v`, bucket, key, err)
		}
		return nil, s3Err(ctx, err, `read scenario file "scenarioKey" s3://%s/%s`, bucket, key)
	}
	return p, nil
}
