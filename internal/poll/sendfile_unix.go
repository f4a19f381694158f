//go:build linux || darwin || freebsd || dragonfly

package poll

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sendFileRegion copies what it can of fd's pending file region with
// sendfile(2). It reports done when the copy ended, with its error, and
// false when the socket buffer filled first. Linux's call moves the
// offset it is given and the BSDs' and macOS's do not, so it is given a
// copy and the region is advanced here.
func sendFileRegion(fd *FD) (done bool, err error) {
	op := fd.file
	for op.n > 0 {
		off := op.off
		n, err := unix.Sendfile(fd.sock, int(op.f.Fd()), &off, int(min(op.n, 1<<30)))
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
