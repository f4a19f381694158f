package eddy

import (
	"time"

	"github.com/eddy-go/eddy/future"
)

// The loop as a future.Executor: futures created with a loop run their
// callbacks on it.
var _ future.Executor = (*Loop)(nil)

// Sleep returns a future that resolves after d, on a loop timer.
// Cancelling the future stops the timer. Loop-only.
func (l *Loop) Sleep(d time.Duration) *future.Future[struct{}] {
	f, p := future.New[struct{}](l)
	t := l.AfterFunc(d, func() { p.Resolve(struct{}{}) })
	p.OnCancel(func(error) { t.Stop() })
	return f
}

// Submit runs fn in the loop's worker pool and returns a future of its
// result, settled on the loop. A panic in fn becomes a rejection matching
// ErrPanic. Cancelling the future does not interrupt fn, which cannot be
// stopped from outside, but its result is dropped. If the loop closes
// before the result can be delivered, the future is rejected with
// ErrLoopClosed (so that Await returns) and the result is dropped: use
// SubmitOwned when it holds something that must be released. Loop-only.
func Submit[T any](l *Loop, fn func() (T, error)) *future.Future[T] {
	return submit(l, fn, nil)
}

// SubmitOwned is Submit for a result that owns a resource, such as an
// open file: release is called with a result that nobody can receive
// instead of it being dropped. That is when the future was cancelled
// before fn returned (release then runs on the loop), and when the loop
// has stopped (on the loop while it tears down, or on the worker
// goroutine once it has closed; the future is then rejected with
// ErrLoopStopped or ErrLoopClosed). release is not called for a result
// that came with an error. Loop-only.
func SubmitOwned[T any](l *Loop, fn func() (T, error), release func(T)) *future.Future[T] {
	return submit(l, fn, release)
}

func submit[T any](l *Loop, fn func() (T, error), release func(T)) *future.Future[T] {
	f, p := future.New[T](l)
	var done func(T, error) // one closure made, not two
	if release == nil {
		done = func(v T, err error) { p.Settle(v, err) }
	} else {
		done = func(v T, err error) {
			if err != nil {
				p.Reject(err)
				return
			}
			if l.state.Load() == stateClosed {
				// The loop is running what raced with its closing: the
				// future's callbacks can no longer run on it.
				release(v)
				p.Reject(ErrLoopStopped)
				return
			}
			if !p.Resolve(v) {
				release(v) // cancelled
			}
		}
	}
	lost := func(v T, err error) {
		if err == nil && release != nil {
			release(v)
		}
		p.Reject(ErrLoopClosed)
	}
	work(l, fn, done, lost)
	return f
}

// DialFuture dials like Dial and returns a future of the connection,
// resolved when it is established, just before h.OnOpen runs. A failed
// dial rejects the future with the dial error and, since the connection
// never opened, h.OnClose is not called: the error travels one path.
// Cancelling the future aborts the dial. Loop-only.
func (l *Loop) DialFuture(network, address string, h Handler, opts ...DialOption) *future.Future[*Conn] {
	f, p := future.New[*Conn](l)
	w := &dialWatch{h: h, p: p}
	c, err := l.Dial(network, address, w, opts...)
	if err != nil {
		p.Reject(err)
		return f
	}
	p.OnCancel(func(error) {
		if c.flags&cOpen == 0 {
			c.Abort()
		}
	})
	return f
}

// dialWatch stands in for a handler until its connection opens, then
// steps aside.
type dialWatch struct {
	BaseHandler
	h Handler
	p *future.Promise[*Conn]
}

func (w *dialWatch) OnOpen(c *Conn) {
	c.SetHandler(w.h)
	w.p.Resolve(c)
	w.h.OnOpen(c)
}

func (w *dialWatch) OnClose(c *Conn, err error) {
	if err == nil {
		err = ErrClosed
	}
	w.p.Reject(err)
}
