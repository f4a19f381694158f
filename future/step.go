package future

import (
	"errors"
	"unsafe"
)

// Step modes of step (type-changing) and same (type-preserving).
const (
	modeThen uint8 = iota
	modeMap
	modeThenFuture
	modeCatch
	modeCatchFuture
	modeFinally
	modeTap
	modeMirror
	modeOnSettle
)

// Then returns a future for fn applied to f's value. If f is rejected, fn
// is not called and the result is rejected with the same error. If fn
// returns an error or panics (see PanicError), the result is rejected with
// it. fn runs on f's executor. Safe for concurrent use.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	return newStep[T, U](f, modeThen, fn)
}

// Map is Then for a function that cannot fail. Safe for concurrent use.
func Map[T, U any](f *Future[T], fn func(T) U) *Future[U] {
	return newStep[T, U](f, modeMap, fn)
}

// ThenFuture is Then for a step that is itself asynchronous: the result
// settles as the future fn returns does (it is flattened, never a future
// of a future). A nil future from fn rejects the result with ErrNilFuture;
// the result itself, which could never settle, with ErrFollowSelf. Safe
// for concurrent use.
func ThenFuture[T, U any](f *Future[T], fn func(T) *Future[U]) *Future[U] {
	return newStep[T, U](f, modeThenFuture, fn)
}

// TapFuture runs fn on f's value for its side effect and waits for the
// future it returns before passing f's value on unchanged. If f is
// rejected, fn is not called and the error passes through; if fn's future
// is rejected, the result is rejected with that error. Safe for concurrent
// use.
func TapFuture[T, U any](f *Future[T], fn func(T) *Future[U]) *Future[T] {
	return ThenFuture(f, func(v T) *Future[T] {
		h := fn(v)
		if h == nil {
			return rejectedOn[T](nil, ErrNilFuture)
		}
		return Map(h, func(U) T { return v })
	})
}

// Catch returns a future that recovers from f's rejection: fn gets the
// error and returns a replacement value, or an error to stay rejected (it
// may return the same error to pass it through). A resolved f passes
// through without calling fn. Safe for concurrent use.
func (f *Future[T]) Catch(fn func(error) (T, error)) *Future[T] {
	return newSame(f, modeCatch, fn)
}

// CatchFuture is Catch for an asynchronous recovery, such as a retry: the
// result settles as the future fn returns does. Safe for concurrent use.
func (f *Future[T]) CatchFuture(fn func(error) *Future[T]) *Future[T] {
	return newSame(f, modeCatchFuture, fn)
}

// Finally returns a future that settles as f does, after running fn
// whether f resolved or was rejected. If fn panics, the result is rejected
// with the *PanicError (joined with f's error, if any). Safe for
// concurrent use.
func (f *Future[T]) Finally(fn func()) *Future[T] {
	return newSame(f, modeFinally, fn)
}

// Tap runs fn on f's value for its side effect, before the chain goes on,
// and passes the value on unchanged. If f is rejected, fn is not called
// and the error passes through; if fn returns an error or panics, the
// result is rejected with it. For an asynchronous side effect see
// TapFuture. Safe for concurrent use.
func (f *Future[T]) Tap(fn func(T) error) *Future[T] {
	return newSame(f, modeTap, fn)
}

// OnSettle calls fn with f's value and error once f settles, on f's
// executor. It handles the rejection: a rejected f is not reported as
// unhandled. A panic in fn is reported as an unhandled rejection. Safe for
// concurrent use.
func (f *Future[T]) OnSettle(fn func(v T, err error)) {
	newSame(f, modeOnSettle, fn)
}

// step is the consumer behind Then, Map and ThenFuture: one allocation
// holding the output future (first, so that the future is the start of
// the allocation), the node it waits with, what it waits on and the step
// function. The mode is kept in n.aux.
type step[T, U any] struct {
	out  Future[U]
	n    node
	wait awaiting // the source, a *Future[T]; the flattened *Future[U] once n.aux&auxInner
	fn   any
}

// auxInner marks, in a step's n.aux, that it waits for a flattened future.
const auxInner uint8 = 0x80

// futureOf returns the Future[T] whose core is c (a Future starts with its
// core).
func futureOf[T any](c *core) *Future[T] { return (*Future[T])(unsafe.Pointer(c)) }

func newStep[T, U any](f *Future[T], mode uint8, fn any) *Future[U] {
	if f == nil {
		return rejectedOn[U](nil, ErrNilFuture)
	}
	st := &step[T, U]{fn: fn}
	st.out.s = f.s
	st.out.up = &st.wait
	st.n.c = st
	st.n.s = f.s
	st.n.flags = flagUser
	st.n.aux = mode
	st.wait.init(&f.core)
	if !f.attachCounted(&st.n) { // f.take, without the extra call
		runList(&st.n)
	}
	return &st.out
}

func (st *step[T, U]) fire(*node) *node {
	fn := st.fn
	st.fn = nil
	c := st.wait.load()
	if c == nil || c == &releasedCore {
		return nil // cancelled: the output is settled already
	}
	if st.n.aux&auxInner != 0 {
		in := futureOf[U](c)
		return settleStep(&st.out, &st.wait, in.val, in.err)
	}
	if st.out.state.Load() != stPending {
		return nil
	}
	src := futureOf[T](c)
	var zero U
	if src.err != nil {
		return settleStep(&st.out, &st.wait, zero, src.err)
	}
	switch st.n.aux {
	// The step functions are called bare: a panic is recovered by the
	// drain, which settles the output through abort (see flagUser).
	case modeThen:
		v, err := fn.(func(T) (U, error))(src.val)
		return settleStep(&st.out, &st.wait, v, err)
	case modeMap:
		return settleStep(&st.out, &st.wait, fn.(func(T) U)(src.val), nil)
	default:
		return forward(&st.out, &st.n, &st.wait, fn.(func(T) *Future[U])(src.val))
	}
}

func (st *step[T, U]) abort(_ *node, err error) *node {
	st.fn = nil
	var zero U
	return settleStep(&st.out, &st.wait, zero, err)
}

// same is the consumer behind the steps that keep the type: Catch,
// CatchFuture, Finally, Tap, OnSettle and the mirror of WithContext. The
// mode is kept in n.aux.
type same[T any] struct {
	out  Future[T]
	n    node
	wait awaiting // the source, then the flattened future; both *Future[T]
	fn   any
}

func newSame[T any](f *Future[T], mode uint8, fn any) *Future[T] {
	if f == nil {
		return rejectedOn[T](nil, ErrNilFuture)
	}
	st := newSameStep(f, mode, fn)
	f.take(&st.n)
	return &st.out
}

func newSameStep[T any](f *Future[T], mode uint8, fn any) *same[T] {
	st := &same[T]{}
	initSameStep(st, f, mode, fn)
	return st
}

// initSameStep prepares st, not yet shared, to wait on f.
func initSameStep[T any](st *same[T], f *Future[T], mode uint8, fn any) {
	st.fn = fn
	st.out.s = f.s
	st.out.up = &st.wait
	st.n.c = st
	st.n.s = f.s
	st.n.flags = flagUser
	st.n.aux = mode
	st.wait.init(&f.core)
}

func (st *same[T]) fire(*node) *node {
	mode := st.n.aux
	fn := st.fn
	st.fn = nil
	if mode == modeMirror {
		if stop, ok := fn.(func() bool); ok {
			stop()
		}
	}
	c := st.wait.load()
	if c == nil || c == &releasedCore {
		return nil // cancelled: the output is settled already
	}
	src := futureOf[T](c)
	if mode&auxInner != 0 {
		return settleStep(&st.out, &st.wait, src.val, src.err)
	}
	if st.out.state.Load() != stPending {
		return nil
	}
	v, err := src.val, src.err
	var zero T
	// The functions are called bare, as in step.fire (see flagUser);
	// Finally's own recover joins its panic with the error it saw.
	switch mode {
	case modeCatch:
		if err != nil {
			v, err = fn.(func(error) (T, error))(err)
		}
	case modeCatchFuture:
		if err != nil {
			return forward(&st.out, &st.n, &st.wait, fn.(func(error) *Future[T])(err))
		}
	case modeFinally:
		if perr := callFinally(fn.(func())); perr != nil {
			if err != nil {
				perr = errors.Join(err, perr)
			}
			v, err = zero, perr
		}
	case modeTap:
		if err == nil {
			if terr := fn.(func(T) error)(v); terr != nil {
				v, err = zero, terr
			}
		}
	case modeOnSettle:
		fn.(func(T, error))(v, err)
		err = nil
	}
	return settleStep(&st.out, &st.wait, v, err)
}

func (st *same[T]) abort(_ *node, err error) *node {
	if stop, ok := st.fn.(func() bool); ok && st.n.aux == modeMirror {
		stop()
	}
	st.fn = nil
	var zero T
	return settleStep(&st.out, &st.wait, zero, err)
}

// forward makes out settle as h does. If h has settled already, out
// settles now; otherwise forward takes interest in h, makes h the awaited
// future (for cancellation) and attaches n, whose next fire copies h's
// result into out.
func forward[U any](out *Future[U], n *node, w *awaiting, h *Future[U]) *node {
	var zero U
	if h == nil {
		return settleStep(out, w, zero, ErrNilFuture)
	}
	if h == out {
		return settleStep(out, w, zero, ErrFollowSelf) // it could never settle
	}
	if hd := h.head.Load(); hd != nil && hd.flags&flagSettled != 0 {
		// Settled already (say, Resolved): copy it, without taking an
		// interest in h or waiting on it.
		markHandled(hd)
		return settleStep(out, w, h.val, h.err)
	}
	h.want.Add(1)
	if !w.move(&h.core, &out.core) {
		return nil
	}
	n.aux |= auxInner
	n.s = nil // copying a settled result is safe anywhere
	if h.reattach(n) {
		return nil
	}
	return settleStep(out, w, h.val, h.err)
}

// settleStep settles out, the output of a single-input consumer that waits
// through w, from inside a drain, and returns out's consumers for the
// drain to run. Once it has won out, nothing can release w any more, so
// it forgets the awaited future without atomics. It does nothing (and
// returns nil) if out was settled meanwhile, for example cancelled.
func settleStep[U any](out *Future[U], w *awaiting, v U, err error) *node {
	final := finalState(err)
	if !out.claim(final) {
		return nil
	}
	w.forget()
	out.val, out.err = v, err
	return out.complete(final)
}

// finish settles a future that is still pending, from inside a drain, and
// returns its consumers for the drain to run. It does nothing (and returns
// nil) if the future was settled meanwhile, for example cancelled.
func (f *Future[T]) finish(v T, err error) *node {
	final := finalState(err)
	if !f.claim(final) {
		return nil
	}
	f.val, f.err = v, err
	return f.complete(final)
}

// The call helpers run user code and turn a panic into a *PanicError, for
// the callers that cannot leave that to the drain (see flagUser).

func catchPanic(err *error) {
	if r := recover(); r != nil {
		*err = newPanicError(r)
	}
}

func callFut[T, U any](fn func(T) *Future[U], v T) (h *Future[U], err error) {
	defer catchPanic(&err)
	return fn(v), nil
}

func callFinally(fn func()) (err error) {
	defer catchPanic(&err)
	fn()
	return nil
}
