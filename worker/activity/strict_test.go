package activity_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

type strictInner struct {
	ShardSize int    `json:"shardSize"`
	RunID     string `json:"runId,omitempty"`
}

func TestJSONHandlerRefusesACaseVariantOfAKey(t *testing.T) {
	t.Parallel()
	h := activity.JSON(func(_ context.Context, in strictInner) (strictInner, error) { return in, nil })
	_, err := h.Handle(t.Context(), []byte(`{"op":"plan","shardSize":500,"shardsize":3}`))
	var te *activity.TaskError
	if !errors.As(err, &te) || te.Name != activity.InputInvalid || !strings.Contains(err.Error(), `"shardsize"`) {
		t.Errorf("Handle = %v; want Input.Invalid naming \"shardsize\"", err)
	}
	if _, err := activity.OpOf([]byte(`{"OP":"plan"}`)); err == nil || !strings.Contains(err.Error(), `"OP": keys are case-sensitive`) {
		t.Errorf("OpOf = %v; want the case named", err)
	}
}
