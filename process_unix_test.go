//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"os"
	"testing"
)

// collect returns a handler that appends what it reads to *buf and
// records the close error in *cerr.
func collect(buf *[]byte, cerr *error) Handler {
	*cerr = os.ErrInvalid // not closed yet
	return &funcHandler{
		data:  func(_ *Conn, d []byte) int { *buf = append(*buf, d...); return len(d) },
		close: func(_ *Conn, err error) { *cerr = err },
	}
}

// spawnStatus runs one process on a fresh loop and returns its status.
func spawnStatus(t *testing.T, o ProcessOptions) ExitStatus {
	t.Helper()
	l := newLoop(t)
	var fromCallback, fromFuture ExitStatus
	var calls int
	o.OnExit = func(_ *Process, st ExitStatus) { fromCallback = st; calls++ }
	p, err := l.Spawn(o)
	if err != nil {
		t.Fatal(err)
	}
	p.Wait().OnSettle(func(st ExitStatus, err error) {
		if err != nil {
			t.Errorf("Wait: %v", err)
		}
		fromFuture = st
	})
	run(t, l)
	if calls != 1 || fromCallback != fromFuture || !p.Exited() || p.Status() != fromFuture {
		t.Fatalf("callback %d× %v, future %v, status %v", calls, fromCallback, fromFuture, p.Status())
	}
	return fromFuture
}
