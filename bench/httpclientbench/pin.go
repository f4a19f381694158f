package httpclientbench

import (
	"syscall"

	"github.com/eddy-go/eddy/bench/internal/pin"
)

// clientCPU is the CPU the client (this process) is pinned to.
const clientCPU = 0

// pinClient binds this process to clientCPU with GOMAXPROCS=1; restore
// undoes both. Where pinning is impossible it does nothing.
func pinClient() (restore func()) {
	if r, err := pin.Load(clientCPU); err == nil {
		return r
	}
	return func() {}
}

// cpuTime returns this process's user plus system CPU time, in µs.
func cpuTime() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e3
}
