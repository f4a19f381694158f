package fsx

import (
	"errors"
	"io"
	"io/fs"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// CopyOptions configures Copy. The zero value copies the whole file in
// 64 KiB chunks.
type CopyOptions struct {
	// ChunkSize is the size of each read (default 64 KiB).
	ChunkSize int
	// Offset is where in the file to start.
	Offset int64
	// Length is the number of bytes to copy; zero or negative means to
	// the end of the file. A file that ends before Length bytes (one
	// truncated meanwhile, say) fails the copy with
	// io.ErrUnexpectedEOF, as io.CopyN does.
	Length int64
	// LowWater is the write-queue level at or below which the next chunk
	// is read (default 16 KiB, the loop's default low water mark).
	LowWater int
}

// drainPoll is how often a waiting Copy checks the write queue when no
// OnDrain has come, for a connection whose low water mark lies below the
// copy's, or whose handler was replaced during the copy.
const drainPoll = 5 * time.Millisecond

// Copy streams part of f into c: it reads a chunk in the worker pool,
// writes it to c, and reads the next chunk only once c's write queue has
// fallen to opts.LowWater, so a slow peer holds at most about one chunk
// beyond that in memory. The future resolves with the number of bytes
// written to c (queued, in order with other writes), or is rejected with
// the read error, io.ErrUnexpectedEOF if the file ends short of
// opts.Length, or eddy.ErrClosed if c closes first.
//
// Backpressure: a Conn has one handler, and Copy needs its OnDrain. Copy
// wraps c's handler for its duration (every call is passed on to the
// original, OnEOF too for an eddy.EOFHandler, so that a peer's half
// close leaves the connection open as it would without the copy; the
// original is put back at the end), so that OnDrain resumes the
// copy at once. Should the handler be replaced meanwhile, or the queue
// never rise above the connection's own low water mark, a loop timer
// checks the queue every few milliseconds instead, so the copy never
// stalls. One Copy at a time per connection. Loop-only.
func Copy(c *eddy.Conn, f *File, opts CopyOptions) *future.Future[int64] {
	if c == nil || f == nil || opts.Offset < 0 {
		return future.Rejected[int64](loopOf(c, f), ErrInvalidArgument)
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = 64 << 10
	}
	if opts.LowWater <= 0 {
		opts.LowWater = 16 << 10
	}
	res, p := future.New[int64](f.loop)
	cp := &copier{c: c, f: f, p: p, off: opts.Offset, left: opts.Length, low: opts.LowWater}
	if cp.left <= 0 {
		cp.left = -1
	}
	cp.buf = make([]byte, opts.ChunkSize)
	if h, ok := c.Handler().(eddy.EOFHandler); ok {
		eh := &eofDrainHook{drainHook{Handler: h, cp: cp}}
		cp.hook, cp.wrap = &eh.drainHook, eh
	} else {
		cp.hook = &drainHook{Handler: c.Handler(), cp: cp}
		cp.wrap = cp.hook
	}
	c.SetHandler(cp.wrap)
	p.OnCancel(func(err error) { cp.finish(err) })
	cp.step()
	return res
}

// loopOf returns the loop of f or else of c, for a future that must
// settle on it; nil (callbacks inline) when both are nil.
func loopOf(c *eddy.Conn, f *File) future.Executor {
	switch {
	case f != nil:
		return f.loop
	case c != nil:
		return c.Loop()
	}
	return nil
}

type copier struct {
	c       *eddy.Conn
	f       *File
	p       *future.Promise[int64]
	hook    *drainHook
	wrap    eddy.Handler // what Copy put on c: hook, or an eofDrainHook holding it
	buf     []byte
	pend    []byte // read but not yet accepted by the connection
	off     int64
	left    int64 // -1: to the end of the file
	total   int64
	low     int
	reading bool
	waiting bool
	done    bool
	timer   *eddy.Timer
}

// drainHook passes every event on to the connection's handler, and lets
// the copy know about OnDrain and OnClose.
type drainHook struct {
	eddy.Handler
	cp *copier
}

func (h *drainHook) OnDrain(c *eddy.Conn) {
	h.Handler.OnDrain(c)
	h.cp.resume()
}

func (h *drainHook) OnClose(c *eddy.Conn, err error) {
	h.Handler.OnClose(c, err)
	h.cp.finish(eddy.ErrClosed)
}

// eofDrainHook is the drainHook of a handler that is an
// eddy.EOFHandler, and stays one: a peer that half-closes after its
// request still reads the reply, so its end of stream must reach the
// handler's OnEOF during the copy rather than close the connection.
type eofDrainHook struct {
	drainHook
}

func (h *eofDrainHook) OnEOF(c *eddy.Conn) {
	h.Handler.(eddy.EOFHandler).OnEOF(c)
}

func (cp *copier) step() {
	for !cp.done && !cp.reading && !cp.waiting {
		if cp.c.Closed() {
			cp.finish(eddy.ErrClosed)
			return
		}
		if len(cp.pend) > 0 {
			err := cp.c.Write(cp.pend)
			if errors.Is(err, eddy.ErrQueueFull) {
				cp.wait()
				return
			}
			if err != nil {
				cp.finish(err)
				return
			}
			cp.total += int64(len(cp.pend))
			cp.pend = nil
			continue
		}
		if cp.c.Buffered() > cp.low {
			cp.wait()
			return
		}
		n := int64(len(cp.buf))
		if cp.left >= 0 && cp.left < n {
			n = cp.left
		}
		if n == 0 {
			cp.finish(nil)
			return
		}
		cp.reading = true
		cp.f.ReadAt(cp.buf[:n], cp.off).OnSettle(func(k int, err error) {
			cp.reading = false
			if cp.done {
				return
			}
			if err == io.EOF {
				if cp.left > 0 {
					// The file ends before the length asked
					// for: the peer got less than announced.
					err = io.ErrUnexpectedEOF
				} else {
					err = nil
				}
				cp.finish(err)
				return
			}
			if err != nil {
				cp.finish(err)
				return
			}
			cp.off += int64(k)
			if cp.left >= 0 {
				cp.left -= int64(k)
			}
			cp.pend = cp.buf[:k]
			cp.step()
		})
	}
}

// wait parks the copy until OnDrain, with a polling timer as a safety net.
func (cp *copier) wait() {
	cp.waiting = true
	if cp.timer == nil {
		cp.timer = cp.c.Loop().Every(drainPoll, func() {
			if cp.c.Closed() || (cp.c.Buffered() <= cp.low && cp.c.Writable()) {
				cp.resume()
			}
		})
	}
}

func (cp *copier) resume() {
	if !cp.waiting || cp.done {
		return
	}
	cp.waiting = false
	if cp.timer != nil {
		cp.timer.Stop()
		cp.timer = nil
	}
	cp.step()
}

func (cp *copier) finish(err error) {
	if cp.done {
		return
	}
	cp.done = true
	if cp.timer != nil {
		cp.timer.Stop()
		cp.timer = nil
	}
	if cp.c.Handler() == cp.wrap {
		cp.c.SetHandler(cp.hook.Handler)
	}
	cp.p.Settle(cp.total, err)
}

// SendFile queues n bytes of f, from offset off, to be copied into c by
// the kernel (Conn.SendFile: sendfile(2), no copy through user space).
// With n < 0 it sends to the end of the file, which it stats off the loop
// first. The future resolves with the number of bytes queued; f must stay
// open until they are written (c.Buffered counts them). Loop-only.
func SendFile(c *eddy.Conn, f *File, off, n int64) *future.Future[int64] {
	if c == nil || f == nil || off < 0 {
		return future.Rejected[int64](loopOf(c, f), ErrInvalidArgument)
	}
	if n >= 0 {
		return future.Resolved(f.loop, n).Tap(func(n int64) error { return c.SendFile(f.f, off, n) })
	}
	return future.Then(f.Stat(), func(fi fs.FileInfo) (int64, error) {
		n := fi.Size() - off
		if n < 0 {
			n = 0
		}
		return n, c.SendFile(f.f, off, n)
	})
}
