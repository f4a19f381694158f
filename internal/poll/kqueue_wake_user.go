//go:build darwin || freebsd || dragonfly

package poll

import (
	"os"

	"golang.org/x/sys/unix"
)

// wakeup is an EVFILT_USER event on the kqueue itself: Wake triggers it
// with NOTE_TRIGGER, and EV_CLEAR resets it once Wait has seen it. No
// descriptor is needed.
type wakeup struct {
	kq int
}

// wakeIdent is the identifier of the EVFILT_USER event. User events have
// their own name space, so it cannot clash with a descriptor.
const wakeIdent = 0

func (w *wakeup) init(kq int) error {
	w.kq = kq
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], wakeIdent, unix.EVFILT_USER, unix.EV_ADD|unix.EV_CLEAR)
	if _, err := unix.Kevent(kq, ch[:], nil, nil); err != nil {
		return os.NewSyscallError("kevent", err)
	}
	return nil
}

func (w *wakeup) wake() error {
	var ch [1]unix.Kevent_t
	unix.SetKevent(&ch[0], wakeIdent, unix.EVFILT_USER, 0)
	ch[0].Fflags = unix.NOTE_TRIGGER
	for {
		_, err := unix.Kevent(w.kq, ch[:], nil, nil)
		if err != unix.EINTR {
			return wrapErr("kevent", err)
		}
	}
}

// is reports whether ev is the wake-up event (which needs no draining).
func (w *wakeup) is(ev *unix.Kevent_t) bool {
	return int(ev.Filter) == unix.EVFILT_USER && ev.Ident == wakeIdent
}

func (w *wakeup) close() {}
