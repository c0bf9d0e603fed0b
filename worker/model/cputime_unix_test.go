//go:build unix

package model

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user + system) the process has used. On a
// shared machine the benchmarks report it beside wall time: it does not
// count time spent waiting for a core.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
