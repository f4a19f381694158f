package future

import (
	"context"
	"sync/atomic"
)

// Future is the eventual result of an asynchronous operation: a value of
// type T or an error. It settles exactly once. Consumers attach steps
// (Then, Catch, ...), combine futures (All, Race, ...), or wait for it from
// a goroutine (Await, Chan).
//
// The zero Future is not usable; futures come from New, Resolved,
// Rejected, Go, FromChan and the steps and combinators of this package.
// A *Future is safe for concurrent use: any goroutine may attach
// consumers, cancel it or wait for it; consumer callbacks run on the
// future's Executor.
type Future[T any] struct {
	core
	val T
}

// Promise is the producer side of a Future: the only way to resolve or
// reject it. It shares the future's memory, so creating the pair costs one
// allocation. Safe for concurrent use: a Promise may be settled from any
// goroutine, for example a worker.
type Promise[T any] Future[T]

// Result is a settled value or error, as delivered by Chan, AllSettled and
// Peek. It is a plain value; copies are independent.
type Result[T any] struct {
	Value T
	Err   error
}

// New returns a pending future owned by exec and the promise that settles
// it. With a nil exec, callbacks run inline on the goroutine that settles
// the future or attaches to it. Safe for concurrent use.
func New[T any](exec Executor) (*Future[T], *Promise[T]) {
	f := &Future[T]{}
	f.s = schedOf(exec)
	return f, (*Promise[T])(f)
}

// Resolved returns a future owned by exec, already resolved with v.
// Safe for concurrent use.
func Resolved[T any](exec Executor, v T) *Future[T] {
	f := &Future[T]{val: v}
	f.s = schedOf(exec)
	f.state.Store(stResolved)
	f.head.Store(&settledMarker)
	return f
}

// Rejected returns a future owned by exec, already rejected with err (or
// ErrNilError if err is nil). Like any rejection other than a
// cancellation, it is reported as unhandled unless a consumer is attached
// before the check runs (see the package documentation). Safe for
// concurrent use.
func Rejected[T any](exec Executor, err error) *Future[T] {
	f := &Future[T]{}
	f.s = schedOf(exec)
	if err == nil {
		err = ErrNilError
	}
	f.err = err
	f.state.Store(stRejected)
	f.complete(stRejected)
	return f
}

// rejectedOn returns a rejected future that shares s.
func rejectedOn[T any](s *sched, err error) *Future[T] {
	f := &Future[T]{}
	f.s = s
	f.err = err
	f.state.Store(stRejected)
	f.complete(stRejected)
	return f
}

// Executor returns the executor that owns f (nil if callbacks run
// inline). Safe for concurrent use.
func (f *Future[T]) Executor() Executor {
	if f == nil || f.s == nil {
		return nil
	}
	if _, ok := f.s.exec.(inlineExec); ok {
		return nil
	}
	return f.s.exec
}

// Done reports whether f has settled. Safe for concurrent use.
func (f *Future[T]) Done() bool { return f != nil && f.settled() }

// Peek returns f's result and true if f has settled, or false if it is
// still pending. Peeking does not count as handling a rejection. Safe for
// concurrent use.
func (f *Future[T]) Peek() (Result[T], bool) {
	if f == nil {
		return Result[T]{Err: ErrNilFuture}, true
	}
	if !f.settled() {
		return Result[T]{}, false
	}
	return Result[T]{Value: f.val, Err: f.err}, true
}

// Cancel asks for f to be abandoned. If f is still pending it is rejected
// at once with a *CancelError carrying cause (context.Canceled if cause is
// nil), its consumers see that rejection, and the cancellation travels
// upstream: each future f was waiting on loses f's interest and, when no
// other consumer wants it, is cancelled in turn, up to the Promise whose
// OnCancel hooks then run on its executor. The upstream side is told
// before f's own consumers run. Cancel reports whether it
// cancelled f; it does nothing to a settled future. Cancellation is never
// reported as an unhandled rejection, neither on f nor on the steps below
// it that receive it and that nobody consumes (see
// SetUnhandledRejectionHandler). Safe for concurrent use.
func (f *Future[T]) Cancel(cause error) bool {
	if f == nil {
		return false
	}
	return cancelTree(&f.core, cause)
}

// take attaches n, a fresh node, with an interest in f, or runs n at
// once if f has settled.
func (f *Future[T]) take(n *node) {
	if !f.attachCounted(n) {
		runList(n)
	}
}

// WithContext returns a future that settles as f does, and is cancelled,
// with context.Cause(ctx) as its cause, if ctx is done first; the
// cancellation then travels upstream as for Cancel. If ctx can never be
// done, WithContext returns f itself. A nil ctx gives a future, owned by
// f's executor, rejected with ErrNilContext, and f is left alone. Safe
// for concurrent use.
func (f *Future[T]) WithContext(ctx context.Context) *Future[T] {
	if f == nil {
		return rejectedOn[T](nil, ErrNilFuture)
	}
	if ctx == nil {
		return rejectedOn[T](f.s, ErrNilContext)
	}
	if ctx.Done() == nil {
		return f
	}
	m := &ctxMirror[T]{}
	st := &m.st
	initSameStep(st, f, modeMirror, nil)
	st.n.s = nil
	out := &st.out
	out.up = m
	f.want.Add(1)
	stop := context.AfterFunc(ctx, func() { out.Cancel(context.Cause(ctx)) })
	st.fn = stop
	m.stop = stop
	m.set.Store(true)
	if !f.attach(&st.n) {
		runList(&st.n)
	}
	return out
}

// ctxMirror is the consumer behind WithContext: a mirror step whose
// cancellation also stops watching the context, which would otherwise
// hold the step until the context ended or f settled.
type ctxMirror[T any] struct {
	st   same[T] // first: the future starts the allocation
	stop func() bool
	set  atomic.Bool // stop is written (the watch may fire before)
}

func (m *ctxMirror[T]) release(ce *CancelError, stack []*core) []*core {
	stack = m.st.wait.release(ce, stack)
	if m.set.Load() {
		m.stop()
	}
	return stack
}
