package future

import (
	"context"
	"sync/atomic"
	"unsafe"
)

// The combinators' result belongs to the executor of the first input
// that has one (nil inputs and inputs without executor are skipped);
// with no such input it has no executor. Their input nodes run inline,
// wherever an input settles, and only touch atomics and per-input slots.
// A nil input counts as a future rejected with ErrNilFuture.

// All returns a future for the values of fs, in order, once all of them
// have resolved. It is rejected with the first error to arrive; the
// inputs still pending then lose its interest (they are cancelled unless
// another consumer wants them), as with errgroup. With no inputs it
// resolves at once with an empty slice. Safe for concurrent use.
func All[T any](fs ...*Future[T]) *Future[[]T] {
	op := &allOp[T]{vals: make([]T, len(fs))}
	op.left.Store(int32(len(fs)))
	op.out.up = &op.inputs
	return startGather(&op.out, &op.inputs, fs, op, op.vals)
}

// AllSettled returns a future for the results of fs, in order, once every
// one has settled. It never rejects (a nil input gives a Result with
// ErrNilFuture). Safe for concurrent use.
func AllSettled[T any](fs ...*Future[T]) *Future[[]Result[T]] {
	op := &settledOp[T]{res: make([]Result[T], len(fs))}
	op.left.Store(int32(len(fs)))
	op.out.up = &op.inputs
	return startGather(&op.out, &op.inputs, fs, op, op.res)
}

// Any returns a future for the first value among fs to resolve. The other
// inputs then lose its interest. If every input is rejected, the result
// is rejected with an *AggregateError holding all their errors in order;
// with no inputs, with ErrNoFutures. Safe for concurrent use.
func Any[T any](fs ...*Future[T]) *Future[T] {
	if len(fs) == 0 {
		return rejectedOn[T](nil, ErrNoFutures)
	}
	op := &anyOp[T]{errs: make([]error, len(fs))}
	op.left.Store(int32(len(fs)))
	op.out.up = &op.inputs
	var zero T
	return startGather(&op.out, &op.inputs, fs, op, zero)
}

// Race returns a future that settles as the first of fs to settle does,
// resolved or rejected. The other inputs then lose its interest. With no
// inputs it is rejected with ErrNoFutures. Safe for concurrent use.
func Race[T any](fs ...*Future[T]) *Future[T] {
	if len(fs) == 0 {
		return rejectedOn[T](nil, ErrNoFutures)
	}
	op := &raceOp[T]{}
	op.out.up = &op.inputs
	var zero T
	return startGather(&op.out, &op.inputs, fs, op, zero)
}

// gatherIn is a combinator's node for one input. Its consumer is the
// combinator itself (allOp, settledOp, anyOp, raceOp), whose fire finds
// the input from the node: the input costs one indirect call when it
// settles, and its node needs no pointer back to the combinator.
type gatherIn[T any] struct {
	n   node // first: a node's address is its gatherIn's
	src *Future[T]
	i   int
}

// inputOf returns the gatherIn whose node is n.
func inputOf[T any](n *node) *gatherIn[T] { return (*gatherIn[T])(unsafe.Pointer(n)) }

// inputs is the upstream of a combinator: releasing it withdraws the
// interest in every input, once.
type inputs[T any] struct {
	nodes    []gatherIn[T]
	released atomic.Bool
}

func (in *inputs[T]) release(ce *CancelError, stack []*core) []*core {
	if in.released.Swap(true) {
		return stack
	}
	for i := range in.nodes {
		stack = dropInterest(&in.nodes[i].src.core, ce, stack)
	}
	return stack
}

// releaseOthers is release for a combinator that has settled early.
func (in *inputs[T]) releaseOthers(cause error) {
	if cause == nil {
		cause = context.Canceled
	}
	ce := &CancelError{Cause: cause}
	runList(releaseUp(in.release(ce, nil), ce))
}

// startGather wires the inputs to a combinator whose output is out, and
// resolves out with empty at once if there are no inputs.
func startGather[T, R any](out *Future[R], in *inputs[T], fs []*Future[T], to consumer, empty R) *Future[R] {
	if len(fs) == 0 {
		out.val = empty
		out.state.Store(stResolved)
		out.head.Store(&settledMarker)
		return out
	}
	in.nodes = make([]gatherIn[T], len(fs))
	for i, f := range fs {
		if f == nil {
			f = rejectedOn[T](nil, ErrNilFuture)
		}
		if out.s == nil {
			out.s = f.s
		}
		g := &in.nodes[i]
		g.n.c = to
		g.src = f
		g.i = i
		f.want.Add(1) // all interests first: an early settle releases them all
	}
	for i := range in.nodes {
		g := &in.nodes[i]
		if !g.src.attach(&g.n) {
			runList(&g.n)
		}
	}
	return out
}

type allOp[T any] struct {
	out Future[[]T]
	inputs[T]
	vals []T
	left atomic.Int32
}

func (op *allOp[T]) fire(n *node) *node {
	g := inputOf[T](n)
	i, src := g.i, g.src
	if src.err != nil {
		list := op.out.finish(nil, src.err)
		op.releaseOthers(src.err)
		return list
	}
	op.vals[i] = src.val
	if op.left.Add(-1) == 0 {
		return op.out.finish(op.vals, nil)
	}
	return nil
}

func (op *allOp[T]) abort(n *node, _ error) *node { return op.fire(n) }

type settledOp[T any] struct {
	out Future[[]Result[T]]
	inputs[T]
	res  []Result[T]
	left atomic.Int32
}

func (op *settledOp[T]) fire(n *node) *node {
	g := inputOf[T](n)
	i, src := g.i, g.src
	op.res[i] = Result[T]{Value: src.val, Err: src.err}
	if op.left.Add(-1) == 0 {
		return op.out.finish(op.res, nil)
	}
	return nil
}

func (op *settledOp[T]) abort(n *node, _ error) *node { return op.fire(n) }

type anyOp[T any] struct {
	out Future[T]
	inputs[T]
	errs []error
	left atomic.Int32
}

func (op *anyOp[T]) fire(n *node) *node {
	g := inputOf[T](n)
	i, src := g.i, g.src
	if src.err == nil {
		list := op.out.finish(src.val, nil)
		op.releaseOthers(nil)
		return list
	}
	op.errs[i] = src.err
	if op.left.Add(-1) == 0 {
		var zero T
		return op.out.finish(zero, &AggregateError{Errors: op.errs})
	}
	return nil
}

func (op *anyOp[T]) abort(n *node, _ error) *node { return op.fire(n) }

type raceOp[T any] struct {
	out Future[T]
	inputs[T]
}

func (op *raceOp[T]) fire(n *node) *node {
	src := inputOf[T](n).src
	list := op.out.finish(src.val, src.err)
	op.releaseOthers(nil)
	return list
}

func (op *raceOp[T]) abort(n *node, _ error) *node { return op.fire(n) }
