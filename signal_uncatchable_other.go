//go:build !unix

package eddy

import "os"

// uncatchable reports whether sig is one the process can never receive.
// Windows defines syscall.SIGKILL (os.Kill is that value) for
// Process.Kill, which terminates the process; nothing delivers it. There
// is no SIGSTOP.
func uncatchable(sig os.Signal) bool {
	return sig == os.Kill
}
