package risk

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/worker/model"
)

// Losses is a per-scenario vector of losses in cents. In JSON it is a
// base64 string (standard alphabet, padded) of the uvarint length followed,
// for each non-zero entry in scenario order, by the uvarint count of zero
// entries before it and the zigzag varint of the value (encoding/binary's
// AppendUvarint and AppendVarint). A batch's vector is mostly zeros or small
// numbers, so this is several times smaller than a JSON array of numbers.
type Losses []int64

// MarshalJSON encodes the vector as described on Losses.
func (l Losses) MarshalJSON() ([]byte, error) { return marshalSparse(l) }

// UnmarshalJSON decodes the form MarshalJSON writes.
func (l *Losses) UnmarshalJSON(data []byte) error {
	v, err := unmarshalSparse(data, model.MaxScenarios)
	if err != nil {
		return fmt.Errorf("decode losses: %w", err)
	}
	*l = v
	return nil
}

// Counts is a vector of counts (a histogram), in JSON the same base64
// string as Losses: the payment-shock histogram of a batch is mostly zeros.
type Counts []int64

// MarshalJSON encodes the vector as described on Losses.
func (c Counts) MarshalJSON() ([]byte, error) { return marshalSparse(c) }

// UnmarshalJSON decodes the form MarshalJSON writes.
func (c *Counts) UnmarshalJSON(data []byte) error {
	v, err := unmarshalSparse(data, ShockCounts)
	if err != nil {
		return fmt.Errorf("decode counts: %w", err)
	}
	*c = v
	return nil
}

func marshalSparse(l []int64) ([]byte, error) {
	buf := binary.AppendUvarint(make([]byte, 0, 16), uint64(len(l)))
	zeros := uint64(0)
	for _, v := range l {
		if v == 0 {
			zeros++
			continue
		}
		buf = binary.AppendUvarint(buf, zeros)
		buf = binary.AppendVarint(buf, v)
		zeros = 0
	}
	return json.Marshal(base64.StdEncoding.EncodeToString(buf))
}

// unmarshalSparse decodes a vector of at most maxLen entries.
func unmarshalSparse(data []byte, maxLen uint64) ([]int64, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	n, k := binary.Uvarint(raw)
	if k <= 0 || n > maxLen {
		return nil, errors.New("bad length")
	}
	raw = raw[k:]
	out := make([]int64, n)
	pos := uint64(0)
	for len(raw) > 0 {
		zeros, k := binary.Uvarint(raw)
		if k <= 0 {
			return nil, errors.New("bad zero count")
		}
		raw = raw[k:]
		v, k := binary.Varint(raw)
		if k <= 0 {
			return nil, errors.New("bad value")
		}
		raw = raw[k:]
		if zeros >= n-pos {
			return nil, fmt.Errorf("entries beyond the length %d", n)
		}
		pos += zeros
		out[pos] = v
		pos++
	}
	return out, nil
}
