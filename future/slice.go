package future

import "sync/atomic"

// The slice operations call fn on exec's goroutine (inline when exec is
// nil), never inside the call that starts them. The first failure — an
// error, a panic, a nil future from fn — rejects the result, and no
// further items are started. Cancelling the result withdraws its interest
// in the futures in flight and starts nothing more.

// Each calls fn on each item in turn, waiting for the future fn returns
// before moving to the next, and resolves once the last has resolved.
// Safe for concurrent use.
func Each[T, U any](exec Executor, items []T, fn func(T) *Future[U]) *Future[struct{}] {
	return startSeq[T, U, struct{}](exec, items, seqEach, fn)
}

// MapSlice calls fn on each item in turn, as Each does, and resolves with
// the values in order. Safe for concurrent use.
func MapSlice[T, U any](exec Executor, items []T, fn func(T) *Future[U]) *Future[[]U] {
	return startSeq[T, U, []U](exec, items, seqMap, fn)
}

// Filter calls fn on each item in turn and resolves with the items for
// which fn's future resolved true, in order. Safe for concurrent use.
func Filter[T any](exec Executor, items []T, fn func(T) *Future[bool]) *Future[[]T] {
	return startSeq[T, bool, []T](exec, items, seqFilter, fn)
}

// Reduce folds items in turn: acc starts as init and becomes the value of
// fn(acc, item)'s future for each item. It resolves with the final acc
// (init for no items). Safe for concurrent use.
func Reduce[T, A any](exec Executor, items []T, init A, fn func(acc A, item T) *Future[A]) *Future[A] {
	op := newSeq[T, A, A](exec, items, seqReduce, fn)
	op.acc = init
	runList(&op.n)
	return &op.out
}

const (
	seqEach uint8 = iota
	seqMap
	seqFilter
	seqReduce
)

type seqOp[T, U, R any] struct {
	out   Future[R]
	n     node
	items []T
	i     int
	mode  uint8
	fn    any
	cur   *Future[U]
	wait  awaiting
	vals  []U
	kept  []T
	acc   U
}

func newSeq[T, U, R any](exec Executor, items []T, mode uint8, fn any) *seqOp[T, U, R] {
	op := &seqOp[T, U, R]{items: items, mode: mode, fn: fn}
	op.out.s = schedOf(exec)
	op.out.up = &op.wait
	op.n = node{c: op, s: op.out.s}
	if mode == seqMap {
		op.vals = make([]U, 0, len(items))
	}
	return op
}

func startSeq[T, U, R any](exec Executor, items []T, mode uint8, fn any) *Future[R] {
	op := newSeq[T, U, R](exec, items, mode, fn)
	runList(&op.n)
	return &op.out
}

func (op *seqOp[T, U, R]) fire(*node) *node {
	if op.out.state.Load() != stPending {
		op.cur = nil
		return nil
	}
	if h := op.cur; h != nil {
		op.cur = nil
		if h.err != nil {
			return op.fail(h.err)
		}
		op.take(h.val)
	}
	for op.i < len(op.items) {
		h, err := op.call(op.items[op.i])
		if err != nil {
			return op.fail(err)
		}
		if h == nil {
			return op.fail(ErrNilFuture)
		}
		h.want.Add(1)
		if !op.wait.move(&h.core, &op.out.core) {
			return nil
		}
		op.cur = h
		if h.reattach(&op.n) {
			return nil
		}
		op.cur = nil
		if h.err != nil {
			return op.fail(h.err)
		}
		op.take(h.val)
	}
	var r any
	switch op.mode {
	case seqEach:
		r = struct{}{}
	case seqMap:
		r = op.vals
	case seqFilter:
		r = op.kept
	default:
		r = op.acc
	}
	return op.out.finish(r.(R), nil)
}

func (op *seqOp[T, U, R]) call(item T) (*Future[U], error) {
	if op.mode == seqReduce {
		return callReduce(op.fn.(func(U, T) *Future[U]), op.acc, item)
	}
	return callFut(op.fn.(func(T) *Future[U]), item)
}

// take records the value for item i and moves on.
func (op *seqOp[T, U, R]) take(v U) {
	switch op.mode {
	case seqMap:
		op.vals = append(op.vals, v)
	case seqFilter:
		if keep, _ := any(v).(bool); keep {
			op.kept = append(op.kept, op.items[op.i])
		}
	case seqReduce:
		op.acc = v
	}
	op.i++
}

func (op *seqOp[T, U, R]) fail(err error) *node {
	var zero R
	return op.out.finish(zero, err)
}

func (op *seqOp[T, U, R]) abort(_ *node, err error) *node { return op.fail(err) }

func callReduce[T, A any](fn func(A, T) *Future[A], acc A, item T) (h *Future[A], err error) {
	defer catchPanic(&err)
	return fn(acc, item), nil
}

// MapLimit calls fn on the items with at most limit futures in flight at
// once (no bound if limit <= 0), and resolves with the values in item
// order (an empty slice, not nil, for no items). Items start in order.
// Safe for concurrent use.
func MapLimit[T, U any](exec Executor, items []T, limit int, fn func(T) *Future[U]) *Future[[]U] {
	op := &limitOp[T, U]{items: items, fn: fn, vals: make([]U, len(items)), left: len(items)}
	op.out.s = schedOf(exec)
	op.out.up = op
	if len(items) == 0 {
		op.out.val = op.vals // empty, not nil, as MapSlice and All give
		op.out.state.Store(stResolved)
		op.out.head.Store(&settledMarker)
		return &op.out
	}
	if limit <= 0 || limit > len(items) {
		limit = len(items)
	}
	s := serial(op.out.s)
	op.slots = make([]limitSlot[T, U], limit)
	for i := range op.slots {
		sl := &op.slots[i]
		sl.op = op
		sl.n = node{c: sl, s: s}
	}
	for i := range op.slots {
		runList(&op.slots[i].n)
	}
	return &op.out
}

// limitOp's slots all run on one sched (the executor's, or a private
// serializing one), so its counters need no locks.
type limitOp[T, U any] struct {
	out      Future[[]U]
	items    []T
	fn       func(T) *Future[U]
	vals     []U
	next     int
	left     int
	slots    []limitSlot[T, U]
	released atomic.Bool
}

type limitSlot[T, U any] struct {
	n    node
	op   *limitOp[T, U]
	idx  int
	cur  *Future[U]
	wait awaiting
}

func (op *limitOp[T, U]) release(ce *CancelError, stack []*core) []*core {
	if op.released.Swap(true) {
		return stack
	}
	for i := range op.slots {
		stack = op.slots[i].wait.release(ce, stack)
	}
	return stack
}

func (op *limitOp[T, U]) fail(err error) *node {
	list := op.out.finish(nil, err)
	ce := &CancelError{Cause: err}
	runList(releaseUp(op.release(ce, nil), ce))
	return list
}

func (sl *limitSlot[T, U]) fire(*node) *node {
	op := sl.op
	if op.out.state.Load() != stPending {
		sl.cur = nil
		return nil
	}
	if h := sl.cur; h != nil {
		sl.cur = nil
		if h.err != nil {
			return op.fail(h.err)
		}
		op.vals[sl.idx] = h.val
		if op.left--; op.left == 0 {
			return op.out.finish(op.vals, nil)
		}
	}
	for op.next < len(op.items) {
		i := op.next
		op.next++
		h, err := callFut(op.fn, op.items[i])
		if err != nil {
			return op.fail(err)
		}
		if h == nil {
			return op.fail(ErrNilFuture)
		}
		h.want.Add(1)
		if !sl.wait.move(&h.core, &op.out.core) {
			return nil
		}
		sl.idx, sl.cur = i, h
		if h.reattach(&sl.n) {
			return nil
		}
		sl.cur = nil
		if h.err != nil {
			return op.fail(h.err)
		}
		op.vals[i] = h.val
		if op.left--; op.left == 0 {
			return op.out.finish(op.vals, nil)
		}
	}
	return nil
}

func (sl *limitSlot[T, U]) abort(_ *node, err error) *node { return sl.op.fail(err) }
