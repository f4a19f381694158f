//go:build darwin || openbsd

package poll

import "golang.org/x/sys/unix"

// macOS and OpenBSD make system calls through libc (OpenBSD refuses
// direct ones), and x/sys exports no writev there: reads and writes use
// the x/sys wrappers, and several buffers are gathered into one before a
// single write.

// gatherSize bounds the bytes one gathered write sends.
const gatherSize = 64 << 10

// rawIO holds the gather buffer, allocated on the first write of several
// buffers.
type rawIO struct {
	buf []byte
}

func (r *rawIO) writev(s int, bufs [][]byte) (int, error) {
	for len(bufs) > 0 && len(bufs[0]) == 0 {
		bufs = bufs[1:]
	}
	if len(bufs) == 0 {
		return 0, nil
	}
	if len(bufs) == 1 || len(bufs[0]) >= gatherSize {
		return rawWrite(s, bufs[0])
	}
	if r.buf == nil {
		r.buf = make([]byte, 0, gatherSize)
	}
	g := r.buf[:0]
	for _, b := range bufs {
		room := gatherSize - len(g)
		if room == 0 {
			break
		}
		if len(b) > room {
			b = b[:room]
		}
		g = append(g, b...)
	}
	return rawWrite(s, g)
}

func rawRead(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := unix.Read(s, p)
	if n < 0 {
		n = 0
	}
	return n, err
}

func rawWrite(s int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, err := unix.Write(s, p)
	if n < 0 {
		n = 0
	}
	return n, err
}
