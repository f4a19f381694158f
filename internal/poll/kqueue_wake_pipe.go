//go:build netbsd || openbsd

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// wakeup is a non-blocking pipe, since x/sys has no EVFILT_USER here: Wake
// writes a byte, the read end is registered for EVFILT_READ, and Wait
// drains it.
type wakeup struct {
	r, w int
}

func (w *wakeup) init(kq int) error {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_NONBLOCK|unix.O_CLOEXEC); err != nil {
		return os.NewSyscallError("pipe2", err)
	}
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], fds[0], unix.EVFILT_READ, unix.EV_ADD|unix.EV_CLEAR)
	if _, err := unix.Kevent(kq, ch[:], nil, nil); err != nil {
		unix.Close(fds[0])
		unix.Close(fds[1])
		return os.NewSyscallError("kevent", err)
	}
	w.r, w.w = fds[0], fds[1]
	return nil
}

func (w *wakeup) wake() error {
	var b = [1]byte{1}
	for {
		_, err := unix.Write(w.w, b[:])
		switch err {
		case unix.EINTR:
			continue
		case unix.EAGAIN: // full: a wake-up is pending anyway
			return nil
		}
		return wrapErr("write", err)
	}
}

// is reports whether ev is the wake-up pipe's, and drains the pipe if so.
func (w *wakeup) is(ev *unix.Kevent_t) bool {
	if int(ev.Filter) != unix.EVFILT_READ || int(ev.Ident) != w.r {
		return false
	}
	var b [64]byte
	for {
		n, err := unix.Read(w.r, b[:])
		if n <= 0 && err != unix.EINTR {
			return true
		}
	}
}

func (w *wakeup) close() {
	unix.Close(w.r)
	unix.Close(w.w)
}
