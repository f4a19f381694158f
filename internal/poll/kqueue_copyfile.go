//go:build netbsd || openbsd

package poll

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// sendfile copies the pending file of fd through the shared read buffer
// (pread, then write): x/sys has no sendfile(2) here. Only the bytes the
// socket took are counted, so a short write reads them again next time.
// It reports done when the copy ended, with its error.
func (p *kqueue) sendfile(fd *FD) (done bool, err error) {
	op := fd.file
	buf := p.readBuf()
	for op.n > 0 {
		chunk := buf
		if int64(len(chunk)) > op.n {
			chunk = chunk[:op.n]
		}
		r, err := unix.Pread(int(op.f.Fd()), chunk, op.off)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return true, os.NewSyscallError("pread", err)
		case r == 0:
			return true, io.ErrUnexpectedEOF // the file is shorter than asked
		}
		w, err := rawWrite(fd.sock, chunk[:r])
		if w > 0 {
			op.off += int64(w)
			op.n -= int64(w)
		}
		switch {
		case err == unix.EAGAIN:
			return false, nil
		case err == unix.EINTR:
			continue
		case err != nil:
			return true, os.NewSyscallError("write", err)
		case w < r:
			return false, nil // the socket is full; its edge will follow
		}
	}
	return true, nil
}
