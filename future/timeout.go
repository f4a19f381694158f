package future

import "time"

// Timeout returns a future that settles as f does, unless d elapses first:
// then it is rejected with a *TimeoutError (errors.Is ErrTimeout and
// context.DeadlineExceeded), and f loses its interest, so that f is
// cancelled, and its producer told, unless another consumer wants it.
// The timer runs on f's executor (Executor.Delay) and is stopped when f
// settles first; an f that has settled already starts no timer and always
// wins; a future without executor uses time.AfterFunc, and the
// timeout then settles on the timer's goroutine. A d of zero or less is a
// deadline already past, as with context.WithTimeout: a pending f times
// out as soon as the timer can run. Safe for concurrent use.
func Timeout[T any](f *Future[T], d time.Duration) *Future[T] {
	if f == nil {
		return rejectedOn[T](nil, ErrNilFuture)
	}
	op := &timeoutOp[T]{src: f, d: d}
	op.out.s = f.s
	op.out.up = op
	op.wait.init(&f.core)
	op.n = node{c: op, s: f.s}
	f.want.Add(1)
	if f.s == nil {
		// The timer must exist before op.n can run; an input that has
		// settled already needs none.
		if !f.settled() {
			op.timer = time.AfterFunc(d, op.expire)
		}
		if !f.attach(&op.n) {
			runList(&op.n)
		}
		return &op.out
	}
	// On an executor, the timer starts there once op.n is attached. An
	// input that has settled already gets no timer at all, so a short
	// timeout cannot beat it; one that settles meanwhile runs op.n
	// before or after the setup, which then starts nothing or is
	// stopped by op.n.
	if !f.attach(&op.n) {
		runList(&op.n)
		return &op.out
	}
	op.setup = node{c: (*timeoutSetup[T])(op), s: f.s}
	f.s.push(&op.setup)
	return &op.out
}

type timeoutOp[T any] struct {
	out   Future[T]
	n     node // on f: settles out, stops the timer
	setup node // starts the timer on the executor
	src   *Future[T]
	wait  awaiting
	d     time.Duration
	stop  func()      // executor timer; touched only on the executor
	timer *time.Timer // without executor
}

func (op *timeoutOp[T]) fire(*node) *node {
	if op.timer != nil {
		op.timer.Stop()
	} else if op.stop != nil {
		op.stop()
		op.stop = nil
	}
	src := op.src
	op.src = nil
	op.wait.done(&src.core)
	return op.out.finish(src.val, src.err)
}

func (op *timeoutOp[T]) abort(_ *node, err error) *node {
	var zero T
	return op.out.finish(zero, err)
}

// expire runs when the timer fires.
func (op *timeoutOp[T]) expire() {
	if !op.out.claim(stRejected) {
		return
	}
	// Tell the source's producer first, then the consumers.
	terr := &TimeoutError{After: op.d}
	ce := &CancelError{Cause: terr}
	runList(releaseUp(op.wait.release(ce, nil), ce))
	op.out.err = terr
	runList(op.out.complete(stRejected))
}

// release withdraws the interest in f when out is cancelled, and stops
// the timer, which would otherwise hold out (and the executor) until it
// fired: on an executor, through a node queued there, after the setup.
func (op *timeoutOp[T]) release(ce *CancelError, stack []*core) []*core {
	stack = op.wait.release(ce, stack)
	if op.timer != nil {
		op.timer.Stop()
	} else if op.out.s != nil {
		k := &timeoutStop[T]{op: op}
		k.n = node{c: k, s: op.out.s}
		op.out.s.push(&k.n)
	}
	return stack
}

// timeoutStop stops the executor timer of a cancelled Timeout.
type timeoutStop[T any] struct {
	n  node
	op *timeoutOp[T]
}

func (k *timeoutStop[T]) fire(*node) *node {
	if op := k.op; op.stop != nil {
		op.stop()
		op.stop = nil
	}
	return nil
}

func (k *timeoutStop[T]) abort(*node, error) *node { return nil }

type timeoutSetup[T any] timeoutOp[T]

func (s *timeoutSetup[T]) fire(*node) *node {
	op := (*timeoutOp[T])(s)
	if op.out.state.Load() == stPending {
		op.stop = op.out.s.exec.Delay(op.d, op.expire)
	}
	return nil
}

func (s *timeoutSetup[T]) abort(n *node, err error) *node { return (*timeoutOp[T])(s).abort(n, err) }
