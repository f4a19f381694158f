//go:build !linux && !windows && !darwin && !freebsd && !dragonfly && !netbsd && !openbsd

package eddy

import "os"

// sysProc is empty where child processes are not supported yet.
type sysProc struct{}

// Spawn reports ErrProcessUnsupported: this version runs child processes
// on a loop only on Linux. The kqueue and Windows backends will add them
// behind the same API. Loop-only.
func (l *Loop) Spawn(o ProcessOptions) (*Process, error) {
	return nil, ErrProcessUnsupported
}

// Signal reports ErrProcessUnsupported.
func (p *Process) Signal(sig os.Signal) error { return ErrProcessUnsupported }
