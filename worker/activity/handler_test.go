package activity_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/montecarlo-pipeline/montecarlo/worker/activity"
)

func TestMuxRegisterRejectsProgrammingErrors(t *testing.T) {
	t.Parallel()
	h := activity.Ping("w")
	cases := []struct {
		name     string
		register func(m *activity.Mux)
	}{
		{"an empty op panics", func(m *activity.Mux) { m.Register("", h) }},
		{"a nil handler panics", func(m *activity.Mux) { m.Register("x", nil) }},
		{"an op registered twice panics", func(m *activity.Mux) { m.Register("x", h); m.Register("x", h) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic")
				}
			}()
			c.register(activity.NewMux())
		})
	}
}

func TestMuxDispatchesOnOp(t *testing.T) {
	t.Parallel()
	m := activity.NewMux()
	for _, op := range []string{"simulate", "generate"} {
		m.Register(op, activity.HandlerFunc(func(context.Context, []byte) ([]byte, error) { return []byte(`"` + op + `"`), nil }))
	}
	if got := m.Ops(); strings.Join(got, ",") != "generate,simulate" {
		t.Errorf("Ops() = %v; want sorted [generate simulate]", got)
	}
	out, err := m.Handle(context.Background(), []byte(`{"op":"simulate","Items":[{"id":"L1"}],"BatchInput":{"runId":"r"}}`))
	if err != nil || string(out) != `"simulate"` {
		t.Errorf("Handle(simulate) = %s, %v; want the simulate handler's output", out, err)
	}
	_, err = m.Handle(context.Background(), []byte(`{"op":"aggregate"}`))
	var te *activity.TaskError
	if !errors.As(err, &te) || te.Name != activity.InputInvalid || !strings.Contains(err.Error(), "generate, simulate") {
		t.Errorf("Handle(unknown op) = %v; want Input.Invalid listing the known ops", err)
	}
}

func TestJSONDecodesStrictly(t *testing.T) {
	t.Parallel()
	type in struct {
		Items      []string `json:"Items"`
		BatchInput struct {
			RunID string `json:"runId"`
		} `json:"BatchInput"`
	}
	type out struct {
		Count int    `json:"count"`
		Run   string `json:"run"`
	}
	h := activity.JSON(func(_ context.Context, v in) (out, error) {
		return out{Count: len(v.Items), Run: v.BatchInput.RunID}, nil
	})
	cases := []struct {
		name    string
		input   string
		want    string
		wantErr string
	}{
		{"known fields and op decode", `{"op":"x","Items":["a","b"],"BatchInput":{"runId":"r1"}}`, `{"count":2,"run":"r1"}`, ""},
		{"an unknown field is invalid input naming it", `{"op":"x","Itmes":[]}`, "", `key "Itmes": unknown field`},
		{"a wrong type is invalid input", `{"op":"x","Items":"a"}`, "", "cannot unmarshal"},
		{"a non-object is invalid input", `"x"`, "", "not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := h.Handle(context.Background(), []byte(c.input))
			if c.wantErr == "" {
				if err != nil || string(got) != c.want {
					t.Errorf("Handle = %s, %v; want %s", got, err, c.want)
				}
				return
			}
			var te *activity.TaskError
			if !errors.As(err, &te) || te.Name != activity.InputInvalid || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("Handle error = %v; want Input.Invalid containing %q", err, c.wantErr)
			}
		})
	}
}

func TestWithNameKeepsTheInnermostName(t *testing.T) {
	t.Parallel()
	inner := activity.Errorf(activity.S3SlowDown, "get loans.jsonl")
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"an unnamed error gets the name", errors.New("boom"), activity.S3IO},
		{"a named error keeps its name", inner, activity.S3SlowDown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var te *activity.TaskError
			if err := activity.WithName(activity.S3IO, c.err); !errors.As(err, &te) || te.Name != c.want || !errors.Is(err, c.err) {
				t.Errorf("WithName = %v; want name %s wrapping the original", err, c.want)
			}
		})
	}
	if activity.WithName(activity.S3IO, nil) != nil {
		t.Error("WithName(nil) != nil")
	}
}
