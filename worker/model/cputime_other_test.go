//go:build !unix

package model

import "time"

// processCPU is unavailable here; the CPU-time metrics read 0.
func processCPU() time.Duration { return 0 }
