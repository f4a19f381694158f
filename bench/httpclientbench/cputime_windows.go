package httpclientbench

import "syscall"

// cpuTime returns this process's user plus system CPU time, in µs.
func cpuTime() float64 {
	h, err := syscall.GetCurrentProcess()
	if err != nil {
		return 0
	}
	var c, e, k, u syscall.Filetime
	if syscall.GetProcessTimes(h, &c, &e, &k, &u) != nil {
		return 0
	}
	return float64(ticks(k)+ticks(u)) / 10
}

// ticks returns a FILETIME duration in units of 100 ns. (Filetime.Nanoseconds
// would subtract the Unix epoch: it is for dates, not durations.)
func ticks(f syscall.Filetime) int64 {
	return int64(f.HighDateTime)<<32 | int64(f.LowDateTime)
}
