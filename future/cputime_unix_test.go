//go:build unix

package future_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time used so far by the whole process (every
// thread: the benchmark, the loop, the garbage collector), and true.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
