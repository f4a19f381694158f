package future

import (
	"context"

	"github.com/eddy-go/eddy/internal/loopthread"
)

// Await blocks the calling goroutine until f settles and returns its value
// and error, or until ctx is done and returns ctx.Err(). It counts as
// handling a rejection.
//
// When ctx is done first, Await withdraws its interest in f: if no other
// consumer wants f, f is cancelled with context.Cause(ctx) and its
// producer told (see Cancel). So a blocking facade
// `return op(...).Await(ctx)` drops the operation when its caller gives up.
// If f's producer settles it at that very moment, before the cancel can,
// Await returns the result rather than ctx.Err(), so that nothing
// delivered is lost.
//
// A nil ctx is a programming error: Await returns ErrNilContext at once
// rather than panicking when f is still pending.
//
// Await never blocks an event loop: called on a loop goroutine (any eddy
// loop, or f's executor), it returns ErrAwaitOnLoop at once, even if f has
// settled. Use Then and friends there. Safe for concurrent use.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	var zero T
	if f == nil {
		return zero, ErrNilFuture
	}
	if ctx == nil {
		return zero, ErrNilContext
	}
	if loopthread.OnLoop() || (f.s != nil && f.s.exec.OnLoop()) {
		return zero, ErrAwaitOnLoop
	}
	if h := f.head.Load(); h != nil && h.flags&flagSettled != 0 {
		markHandled(h)
		return f.val, f.err
	}
	w := &waiter{done: make(chan struct{})}
	w.n = node{c: w}
	f.want.Add(1)
	if !f.attach(&w.n) {
		return f.val, f.err
	}
	if ctx.Done() == nil {
		<-w.done
		return f.val, f.err
	}
	select {
	case <-w.done:
		return f.val, f.err
	case <-ctx.Done():
		select {
		case <-w.done: // settled as well: prefer the result
			return f.val, f.err
		default:
		}
		ce := &CancelError{Cause: context.Cause(ctx)}
		runList(releaseUp(dropInterest(&f.core, ce, nil), ce))
		if st := f.state.Load(); st == stResolved || st == stRejected {
			// Its producer settled it meanwhile, before this cancel
			// could: the result is the caller's (a reply received, a job
			// reserved), not to be dropped. The settler is running the
			// consumers, this one among them.
			<-w.done
			return f.val, f.err
		}
		return zero, ctx.Err()
	}
}

func markHandled(h *node) {
	if h != &settledMarker {
		h.c.(*checkNode).handled.Store(true)
	}
}

// waiter wakes Await; it runs inline, on the settling goroutine.
type waiter struct {
	n    node
	done chan struct{}
}

func (w *waiter) fire(*node) *node             { close(w.done); return nil }
func (w *waiter) abort(n *node, _ error) *node { return w.fire(n) }

// Chan returns a channel that receives f's result once f settles. The
// channel is buffered, so the send never blocks, and it is never closed.
// It counts as handling a rejection and keeps f wanted (f is never
// cancelled for lack of interest). Safe for concurrent use.
func (f *Future[T]) Chan() <-chan Result[T] {
	ch := make(chan Result[T], 1)
	if f == nil {
		ch <- Result[T]{Err: ErrNilFuture}
		return ch
	}
	c := &chanSender[T]{src: f, ch: ch}
	c.n = node{c: c}
	f.take(&c.n)
	return ch
}

type chanSender[T any] struct {
	n   node
	src *Future[T]
	ch  chan Result[T]
}

func (c *chanSender[T]) fire(*node) *node {
	c.ch <- Result[T]{Value: c.src.val, Err: c.src.err}
	return nil
}

func (c *chanSender[T]) abort(n *node, _ error) *node { return c.fire(n) }

// FromChan returns a future owned by exec that resolves with the first
// value received from ch, or is rejected with ErrChanClosed if ch is
// closed first. It uses one goroutine, which ends when a value arrives,
// the channel closes, or the future is cancelled. Safe for concurrent use.
func FromChan[T any](exec Executor, ch <-chan T) *Future[T] {
	f, p := New[T](exec)
	stop := make(chan struct{})
	f.onCancelInline(func(error) { close(stop) })
	go func() {
		select {
		case v, ok := <-ch:
			if ok {
				p.Resolve(v)
			} else {
				p.Reject(ErrChanClosed)
			}
		case <-stop:
		}
	}()
	return f
}

// Go runs fn in a new goroutine and returns a future owned by exec for its
// result; a panic in fn rejects the future with a *PanicError. It is the
// simplest bridge from blocking code; a worker pool does the same with
// New and Promise.Run. Safe for concurrent use.
func Go[T any](exec Executor, fn func() (T, error)) *Future[T] {
	f, p := New[T](exec)
	go p.Run(fn)
	return f
}
