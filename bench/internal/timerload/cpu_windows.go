package timerload

import (
	"syscall"
	"time"
)

// processCPU returns the user plus system CPU time of this process.
func processCPU() time.Duration {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0
	}
	var c, e, k, u syscall.Filetime
	if syscall.GetProcessTimes(h, &c, &e, &k, &u) != nil {
		return 0
	}
	return time.Duration(ticks(k)+ticks(u)) * 100
}

// ticks returns a FILETIME duration in units of 100 ns. (Filetime.Nanoseconds
// would subtract the Unix epoch: it is for dates, not durations.)
func ticks(f syscall.Filetime) int64 {
	return int64(f.HighDateTime)<<32 | int64(f.LowDateTime)
}
