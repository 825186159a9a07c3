//go:build unix

package gatebench

import (
	"syscall"
	"time"
)

// CPUTime is the process's user and system CPU time so far. Benchmarks report
// it per operation beside wall time, which other load on a shared machine
// inflates.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
