//go:build freebsd || dragonfly || netbsd

package poll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// These systems take system calls directly, as Linux does. The sockets
// are non-blocking, so their reads and writes return at once: they go
// through RawSyscall, which skips the scheduler's hand-off. Only kevent,
// which blocks, uses the ordinary path.

// maxIovec is the most buffers one writev takes (IOV_MAX).
const maxIovec = 1024

// rawIO holds the iovecs of writev, reused from call to call.
type rawIO struct {
	iov []unix.Iovec
}

func (r *rawIO) writev(s int, bufs [][]byte) (int, error) {
	if len(bufs) == 1 {
		return rawWrite(s, bufs[0])
	}
	if r.iov == nil {
		r.iov = make([]unix.Iovec, 0, 64)
	}
	iov := r.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		iov = append(iov, v)
		if len(iov) == maxIovec {
			break
		}
	}
	r.iov = iov
	if len(iov) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(s), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
	for i := range iov {
		iov[i].Base = nil // let the buffers go
	}
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

func rawRead(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(s), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

func rawWrite(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITE, uintptr(s), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}
