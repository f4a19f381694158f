package httpserver

import (
	"bytes"
	"io"
	"net"
	"os"
	"time"

	"github.com/eddy-go/eddy"
)

// fakeConn drives a serverConn in memory, as eddy would: it keeps the
// bytes the state machine did not consume and shows them again.
type fakeConn struct {
	sc        serverConn
	out       bytes.Buffer
	pending   []byte
	paused    bool
	closed    bool
	full      bool // Write reports ErrQueueFull
	now       time.Time
	deferred  []func()
	timer     time.Duration // last armed
	eof       bool
	hijacked  bool
	shutWrite bool      // CloseWrite was called (a lingering close)
	writeDL   time.Time // the write deadline set
	buffered  int       // what Buffered reports
}

func newFakeConn(s *Server) *fakeConn {
	return newFakeConnOn(s, &loopState{conns: map[*serverConn]struct{}{}})
}

// newFakeConnOn is newFakeConn for a connection on the loop whose state
// is ls, which connections of one loop share.
func newFakeConnOn(s *Server, ls *loopState) *fakeConn {
	if s.opts == nil {
		s.start(nil, nil)
		s.group, s.loop = nil, nil
	}
	f := &fakeConn{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	ls.conns[&f.sc] = struct{}{}
	f.sc.init(s, f, ls)
	return f
}

func (f *fakeConn) Write(p []byte) error {
	if f.closed {
		return eddy.ErrClosed
	}
	if f.full {
		return eddy.ErrQueueFull
	}
	f.out.Write(p)
	return nil
}
func (f *fakeConn) Writable() bool { return !f.full && !f.closed }
func (f *fakeConn) Close() error   { f.closed = true; return nil }

// CloseWrite, the lingering close, ends the fake as Close does: its
// output is over, and what the client would send next is not fed. The
// lingering itself is tested over sockets (linger_test.go).
func (f *fakeConn) CloseWrite() error { f.shutWrite, f.closed = true, true; return nil }

func (f *fakeConn) SetWriteDeadline(t time.Time) { f.writeDL = t }
func (f *fakeConn) PauseRead()                   { f.paused = true }
func (f *fakeConn) ResumeRead()                  { f.paused = false }
func (f *fakeConn) Now() time.Time               { return f.now }
func (f *fakeConn) ArmTimer(d time.Duration)     { f.timer = d }
func (f *fakeConn) Defer(fn func())              { f.deferred = append(f.deferred, fn) }
func (f *fakeConn) Loop() *eddy.Loop             { return nil }
func (f *fakeConn) RemoteAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (f *fakeConn) CanSendFile() bool            { return true }
func (f *fakeConn) Buffered() int                { return f.buffered }
func (f *fakeConn) WatchDrain(on bool)           {}
func (f *fakeConn) Hijack(fn UpgradeFunc)        { f.hijacked = true; fn(nil) }

// SendFile copies the region at once.
func (f *fakeConn) SendFile(file *os.File, off, n int64) error {
	if f.closed {
		return eddy.ErrClosed
	}
	if f.full {
		return eddy.ErrQueueFull
	}
	_, err := io.Copy(&f.out, io.NewSectionReader(file, off, n))
	return err
}

// feed gives p to the connection and runs it until nothing is left to do.
func (f *fakeConn) feed(p []byte) {
	if f.closed {
		return
	}
	f.pending = append(f.pending, p...)
	f.settle()
}

// settle runs deferred callbacks and offers pending bytes until stable.
func (f *fakeConn) settle() {
	for i := 0; i < 10000; i++ {
		progressed := false
		if !f.paused && !f.closed && len(f.pending) > 0 {
			n := f.sc.onData(f.pending)
			f.pending = f.pending[n:]
			progressed = n > 0
		}
		if len(f.deferred) > 0 {
			d := f.deferred
			f.deferred = nil
			for _, fn := range d {
				fn()
			}
			progressed = true
		}
		if !progressed {
			break
		}
	}
	if f.closed && !f.sc.closed {
		f.sc.onClose()
	}
}

// drain makes a full write queue accept again.
func (f *fakeConn) drain() {
	f.full = false
	f.sc.onDrain()
	f.settle()
}
