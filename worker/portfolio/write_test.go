package portfolio

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"testing"
)

func TestWriteJSONLWritesTheRangeInChunks(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 5, Corrupt(0.02))
	var want []byte
	for i := uint64(1000); i < 11000; i++ {
		want = g.AppendJSONL(want, i)
	}
	var got bytes.Buffer
	sh, err := g.WriteJSONL(context.Background(), &got, 1000, 11000)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) || sh.Bytes != int64(len(want)) {
		t.Errorf("wrote %d bytes (reported %d), want the %d bytes AppendJSONL gives", got.Len(), sh.Bytes, len(want))
	}
	if !maps.Equal(sh.Corrupted, g.CorruptedIn(1000, 11000)) || len(sh.Corrupted) == 0 {
		t.Errorf("corrupted %v, want %v", sh.Corrupted, g.CorruptedIn(1000, 11000))
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteJSONLStops(t *testing.T) {
	t.Parallel()
	g := mustNew(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var sink bytes.Buffer
	if _, err := g.WriteJSONL(ctx, &sink, 0, 100_000); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	if _, err := g.WriteJSONL(context.Background(), failWriter{}, 0, 10); err == nil {
		t.Error("a failing writer's error was not returned")
	}
	if _, err := g.WriteJSONL(context.Background(), &sink, 10, 5); err == nil {
		t.Error("a reversed range was accepted")
	}
}
