package future

// Future returns the future that p settles. Safe for concurrent use.
func (p *Promise[T]) Future() *Future[T] { return (*Future[T])(p) }

// Resolve resolves p's future with v. It reports false, and does nothing,
// if the future has already settled (or follows another future): later
// attempts to settle are ignored but can be detected. The future's
// callbacks run on its executor, never inside Resolve, unless the future
// has no executor. Safe for concurrent use.
func (p *Promise[T]) Resolve(v T) bool { return p.settle(v, nil) }

// Reject rejects p's future with err (ErrNilError if err is nil). It
// reports false, and does nothing, if the future has already settled.
// Safe for concurrent use.
func (p *Promise[T]) Reject(err error) bool {
	if err == nil {
		err = ErrNilError
	}
	var zero T
	return p.settle(zero, err)
}

// Settle resolves p's future with v if err is nil, and otherwise rejects
// it with err (v is then dropped). It suits functions that return
// (value, error). It reports whether it settled the future. Safe for
// concurrent use.
func (p *Promise[T]) Settle(v T, err error) bool {
	if err != nil {
		var zero T
		return p.settle(zero, err)
	}
	return p.settle(v, nil)
}

func (p *Promise[T]) settle(v T, err error) bool {
	f := p.Future()
	final := finalState(err)
	if !f.claim(final) {
		return false
	}
	f.val, f.err = v, err
	runList(f.complete(final))
	return true
}

// Run calls fn on the calling goroutine and settles p with its result; a
// panic in fn rejects p with a *PanicError. If p has already settled (for
// example it was cancelled while the job waited in a queue), Run does not
// call fn and returns false. Run is the bridge to goroutines and worker
// pools: a pool job is simply func() { p.Run(fn) }. Safe for concurrent
// use.
func (p *Promise[T]) Run(fn func() (T, error)) bool {
	if p.Future().state.Load() != stPending {
		return false
	}
	v, err := call0(fn)
	return p.Settle(v, err)
}

func call0[T any](fn func() (T, error)) (v T, err error) {
	defer catchPanic(&err)
	return fn()
}

// Follow makes p settle as src does: p's future takes src's value or
// error once src settles. It reports false, and does nothing, if p has
// already settled or follows another future; afterwards Resolve and
// Reject report false. If p's future is cancelled, src loses its
// interest (and is cancelled if nothing else wants it). Safe for
// concurrent use.
func (p *Promise[T]) Follow(src *Future[T]) bool {
	f := p.Future()
	if src == nil {
		return p.Reject(ErrNilFuture)
	}
	if src == f {
		return p.Reject(ErrFollowSelf)
	}
	if !f.state.CompareAndSwap(stPending, stFollowing) {
		return false
	}
	fw := &follower[T]{dst: f, src: src}
	fw.n = node{c: fw}
	fw.hook = node{c: (*followHook[T])(fw), flags: flagHook}
	fw.wait.init(&src.core)
	src.want.Add(1)
	if !f.attach(&fw.hook) {
		runList(&fw.hook) // cancelled meanwhile
	}
	if !src.attach(&fw.n) {
		runList(&fw.n)
	}
	return true
}

// follower copies src into dst for Follow; its hook withdraws the
// interest in src when dst is cancelled.
type follower[T any] struct {
	n    node
	hook node
	dst  *Future[T]
	src  *Future[T]
	wait awaiting
}

func (fw *follower[T]) fire(*node) *node {
	dst, src := fw.dst, fw.src
	final := finalState(src.err)
	if !dst.state.CompareAndSwap(stFollowing, final) {
		return nil
	}
	dst.val, dst.err = src.val, src.err
	return dst.complete(final)
}

func (fw *follower[T]) abort(*node, error) *node { return nil }

type followHook[T any] follower[T]

func (h *followHook[T]) fire(*node) *node {
	if h.dst.state.Load() != stCanceled {
		return nil
	}
	ce, _ := h.dst.err.(*CancelError)
	if ce == nil {
		ce = &CancelError{}
	}
	return releaseUp(h.wait.release(ce, nil), ce)
}

func (h *followHook[T]) abort(n *node, _ error) *node { return h.fire(n) }

// OnCancel registers fn to run, on the future's executor, if p's future is
// cancelled (by Cancel, WithContext, Timeout, Await's context, or because
// every consumer lost interest); cause is the cancellation's cause. If the
// future was already cancelled, fn runs soon; if it settles any other way,
// fn never runs. This is how a producer learns to drop work in flight.
// A panic in fn is reported as an unhandled rejection. Safe for
// concurrent use.
func (p *Promise[T]) OnCancel(fn func(cause error)) {
	f := p.Future()
	h := &cancelHook{c: &f.core, fn: fn}
	h.n = node{c: h, s: f.s, flags: flagHook}
	if !f.attach(&h.n) && f.state.Load() == stCanceled {
		runList(&h.n)
	}
}

// onCancelInline is OnCancel for internal hooks that must run even if the
// executor is gone; fn runs on the cancelling goroutine.
func (f *Future[T]) onCancelInline(fn func(cause error)) {
	h := &cancelHook{c: &f.core, fn: fn}
	h.n = node{c: h, flags: flagHook}
	if !f.attach(&h.n) && f.state.Load() == stCanceled {
		runList(&h.n)
	}
}

type cancelHook struct {
	n  node
	c  *core
	fn func(error)
}

func (h *cancelHook) fire(*node) *node {
	if h.c.state.Load() != stCanceled {
		return nil
	}
	var cause error
	if ce, ok := h.c.err.(*CancelError); ok {
		cause = ce.Cause
	}
	if err := callHook(h.fn, cause); err != nil {
		reportOn(h.n.s, err)
	}
	return nil
}

func (h *cancelHook) abort(*node, error) *node { return nil }

func callHook(fn func(error), cause error) (err error) {
	defer catchPanic(&err)
	fn(cause)
	return nil
}
