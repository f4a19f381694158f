package httpclientbench

import "github.com/eddy-go/eddy/bench/internal/pin"

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
