//go:build unix

package eddy

import (
	"os"
	"syscall"
)

// uncatchable reports whether sig is one the kernel never lets a process
// handle: SIGKILL kills it and SIGSTOP stops it, whatever it asked for.
func uncatchable(sig os.Signal) bool {
	return sig == syscall.SIGKILL || sig == syscall.SIGSTOP
}
