//go:build unix

package portfolio

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system, all threads) the process has used.
// Benchmarks report loans per CPU-second beside loans per wall-second because
// the machine is shared: wall time counts waiting for a core, CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
