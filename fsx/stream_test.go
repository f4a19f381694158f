//go:build linux

package fsx

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// countingBackend counts the bytes read through it.
type countingBackend struct {
	backend
	read *int64
}

func (c countingBackend) readAt(l *eddy.Loop, f *os.File, p []byte, off int64) *future.Future[int] {
	return future.Map(c.backend.readAt(l, f, p, off), func(n int) int { *c.read += int64(n); return n })
}

// socketPair returns the two ends of a Unix stream socket pair on l.
func socketPair(t *testing.T, l *eddy.Loop, a, b eddy.Handler) (*eddy.Conn, *eddy.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	fa, fb := os.NewFile(uintptr(fds[0]), "a"), os.NewFile(uintptr(fds[1]), "b")
	defer fa.Close()
	defer fb.Close()
	ca, err := l.NewStream(fa, a)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := l.NewStream(fb, b)
	if err != nil {
		t.Fatal(err)
	}
	return ca, cb
}

type sink struct {
	eddy.BaseHandler
	got    []byte
	drains int
	closed error
}

func (s *sink) OnData(_ *eddy.Conn, d []byte) int { s.got = append(s.got, d...); return len(d) }
func (s *sink) OnDrain(*eddy.Conn)                { s.drains++ }
func (s *sink) OnClose(_ *eddy.Conn, err error)   { s.closed = err }

func TestCopyBackpressure(t *testing.T) {
	var read int64
	old := be
	be = countingBackend{backend: old, read: &read}
	defer func() { be = old }()

	name := filepath.Join(t.TempDir(), "data")
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i ^ i>>11)
	}
	os.WriteFile(name, data, 0o644)
	const skip = 1000
	var total int64
	var readWhilePaused int64 = -1
	sender, receiver := &sink{}, &sink{}
	runLoop(t, func(l *eddy.Loop) {
		cs, cr := socketPair(t, l, sender, receiver)
		cr.PauseRead()
		get(t, Open(l, name), func(f *File, err error) {
			if err != nil {
				t.Fatal(err)
			}
			get(t, Copy(cs, f, CopyOptions{Offset: skip}), func(n int64, err error) {
				if err != nil {
					t.Error(err)
				}
				total = n
				if cs.Handler() != eddy.Handler(sender) {
					t.Error("handler not restored")
				}
				cs.Close()
				f.Close()
			})
			l.AfterFunc(50*time.Millisecond, func() {
				readWhilePaused = read
				cr.ResumeRead()
			})
		})
	})
	if readWhilePaused < 0 || readWhilePaused > int64(len(data))/2 {
		t.Fatalf("read %d of %d bytes while the peer did not read: no backpressure", readWhilePaused, len(data))
	}
	if total != int64(len(data)-skip) || !bytes.Equal(receiver.got, data[skip:]) {
		t.Fatalf("copied %d, received %d bytes", total, len(receiver.got))
	}
	if sender.drains == 0 {
		t.Fatal("the connection's own OnDrain was not passed on")
	}
}

func TestCopyLengthAndClosedConn(t *testing.T) {
	name := filepath.Join(t.TempDir(), "data")
	os.WriteFile(name, bytes.Repeat([]byte("x"), 300000), 0o644)
	var n1 int64
	var err2 error
	recv := &sink{}
	runLoop(t, func(l *eddy.Loop) {
		cs, _ := socketPair(t, l, &sink{}, recv)
		get(t, Open(l, name), func(f *File, err error) {
			get(t, Copy(cs, f, CopyOptions{Offset: 10, Length: 1000, ChunkSize: 100}), func(n int64, err error) {
				n1 = n
				cs.Close()
				f.Close()
			})
		})
	})
	if n1 != 1000 || len(recv.got) != 1000 {
		t.Fatalf("copied %d, received %d", n1, len(recv.got))
	}
	runLoop(t, func(l *eddy.Loop) {
		cs, cr := socketPair(t, l, &sink{}, &sink{})
		cr.PauseRead()
		get(t, Open(l, name), func(f *File, err error) {
			get(t, Copy(cs, f, CopyOptions{ChunkSize: 1000}), func(_ int64, err error) {
				err2 = err
				f.Close()
				cr.Close()
			})
			l.AfterFunc(10*time.Millisecond, cs.Abort)
		})
	})
	if !errors.Is(err2, eddy.ErrClosed) {
		t.Fatalf("copy into a closed conn: %v", err2)
	}
}

func TestSendFile(t *testing.T) {
	name := filepath.Join(t.TempDir(), "data")
	data := make([]byte, 1<<20)
	for i := range data {
		data[i] = byte(i * 13)
	}
	os.WriteFile(name, data, 0o644)
	recv := &sink{}
	var queued []int64
	runLoop(t, func(l *eddy.Loop) {
		cs, _ := socketPair(t, l, &sink{}, recv)
		get(t, Open(l, name), func(f *File, err error) {
			get(t, SendFile(cs, f, 0, 100), func(n int64, err error) {
				queued = append(queued, n)
				get(t, SendFile(cs, f, 100, -1), func(n int64, err error) {
					queued = append(queued, n)
					cs.Close() // after the queued bytes
				})
			})
			// Close the file once the connection has closed; the
			// receiver closes at the end of the stream.
			cs.SetHandler(&closeHook{sink: &sink{}, fn: func() { f.Close() }})
		})
	})
	want := data
	if len(queued) != 2 || queued[0] != 100 || queued[1] != int64(len(data)-100) || !bytes.Equal(recv.got, want) {
		t.Fatalf("queued %v, received %d bytes", queued, len(recv.got))
	}
}

type closeHook struct {
	*sink
	fn func()
}

func (h *closeHook) OnClose(c *eddy.Conn, err error) { h.fn() }

// A Copy or SendFile without a file still settles on the connection's
// loop, never inline in the caller.
func TestCopyNilFileSettlesOnLoop(t *testing.T) {
	var errs []error
	runLoop(t, func(l *eddy.Loop) {
		cs, cr := socketPair(t, l, &sink{}, &sink{})
		for _, f := range []*future.Future[int64]{Copy(cs, nil, CopyOptions{}), SendFile(cs, nil, 0, 1)} {
			if f.Executor() != future.Executor(l) {
				t.Errorf("future owned by %v, want the loop", f.Executor())
			}
			inline := true
			get(t, f, func(_ int64, err error) {
				if inline {
					t.Error("settled inline, not on the loop")
				}
				errs = append(errs, err)
			})
			inline = false
		}
		l.NextTick(func() { cs.Close(); cr.Close() })
	})
	if len(errs) != 2 || !errors.Is(errs[0], ErrInvalidArgument) || !errors.Is(errs[1], ErrInvalidArgument) {
		t.Fatalf("errors %v", errs)
	}
}
