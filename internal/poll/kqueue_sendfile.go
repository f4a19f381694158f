//go:build darwin || freebsd || dragonfly

package poll

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sendfile copies the pending file of fd with sendfile(2). It reports
// done when the copy ended, with its error. The BSD and macOS calls
// differ but x/sys hides that; unlike Linux's they do not move the
// offset, so it is advanced here.
func (p *kqueue) sendfile(fd *FD) (done bool, err error) {
	op := fd.file
	for op.n > 0 {
		chunk := op.n
		if chunk > 1<<30 {
			chunk = 1 << 30
		}
		off := op.off
		n, err := unix.Sendfile(fd.sock, int(op.f.Fd()), &off, int(chunk))
		if n > 0 {
			op.off += int64(n)
			op.n -= int64(n)
		}
		switch {
		case err == unix.EAGAIN:
			return false, nil
		case err == unix.EINTR:
			continue
		case err != nil:
			return true, os.NewSyscallError("sendfile", err)
		case n <= 0:
			return true, io.ErrUnexpectedEOF // the file is shorter than asked
		}
	}
	return true, nil
}
