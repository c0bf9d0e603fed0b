package portfolio

import (
	"context"
	"fmt"
	"io"

	"github.com/montecarlo-pipeline/montecarlo/worker/loan"
)

// Shard summarises a written range of records: what the generate operation
// reports and what a fault test later compares with the rejected records.
type Shard struct {
	Start, End uint64            // records [Start, End)
	Bytes      int64             // bytes written
	Corrupted  map[loan.Kind]int // damaged records by the Kind they will be rejected with
}

// writeChunkBytes is how much is encoded before each Write: large enough to
// amortise the call, small enough to check ctx about every 4,000 loans.
const writeChunkBytes = 1 << 20

// WriteJSONL writes records [start, end) to w as JSON Lines, the same bytes
// as AppendJSONL for each, in chunks of about 1 MiB, and stops with ctx's
// error between chunks when ctx is done.
func (g *Generator) WriteJSONL(ctx context.Context, w io.Writer, start, end uint64) (Shard, error) {
	sh := Shard{Start: start, End: end, Corrupted: map[loan.Kind]int{}}
	if end < start {
		return sh, fmt.Errorf("write loans: range [%d, %d) is reversed", start, end)
	}
	buf := make([]byte, 0, writeChunkBytes+loan.MaxRecordBytes+256)
	flush := func() error {
		n, err := w.Write(buf)
		sh.Bytes += int64(n)
		buf = buf[:0]
		if err != nil {
			return fmt.Errorf("write loans: %w", err)
		}
		return nil
	}
	for i := start; i < end; i++ {
		buf = g.AppendJSONL(buf, i)
		if c := g.Corruption(i); c.Corrupted() {
			sh.Corrupted[c.Reject]++
		}
		if len(buf) >= writeChunkBytes {
			if err := ctx.Err(); err != nil {
				return sh, fmt.Errorf("write loans at %d: %w", i, err)
			}
			if err := flush(); err != nil {
				return sh, err
			}
		}
	}
	if len(buf) > 0 {
		if err := flush(); err != nil {
			return sh, err
		}
	}
	return sh, nil
}
