//go:build unix

package httpclient

import "syscall"

// processCPU returns the CPU time, in nanoseconds, used so far by the
// whole process (every thread), and true.
func processCPU() (int64, bool) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return ru.Utime.Nano() + ru.Stime.Nano(), true
}
