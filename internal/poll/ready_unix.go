//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package poll

import "golang.org/x/sys/unix"

// This file holds the helpers that the readiness backends (epoll and
// kqueue) share.

// readable polls one descriptor without waiting.
func readable(s int) bool {
	fds := []unix.PollFd{{Fd: int32(s), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0 && fds[0].Revents != 0
}

// consume drops the first n bytes of bufs.
func consume(bufs [][]byte, n int) [][]byte {
	for len(bufs) > 0 && n >= len(bufs[0]) {
		n -= len(bufs[0])
		bufs[0] = nil
		bufs = bufs[1:]
	}
	if len(bufs) > 0 {
		bufs[0] = bufs[0][n:]
	}
	return bufs
}
