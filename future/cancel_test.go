package future_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/future"
)

// producer returns a pending future whose OnCancel hook reports the cause
// on the returned channel, and checks it runs on the loop.
func producer(t *testing.T, l *testLoop) (*future.Future[int], *future.Promise[int], <-chan error) {
	f, p := future.New[int](l)
	ch := make(chan error, 1)
	p.OnCancel(func(cause error) {
		if !l.OnLoop() {
			t.Error("OnCancel hook not on the loop")
		}
		ch <- cause
	})
	return f, p, ch
}

func TestCancelReachesProducer(t *testing.T) {
	l := newLoop(t)
	f, p, canceled := producer(t, l)
	g := future.Map(f, func(v int) int { return v })
	h := g.Catch(func(err error) (int, error) { return 0, err })
	if !h.Cancel(errBoom) {
		t.Fatal("Cancel reported false")
	}
	if h.Cancel(errBoom) {
		t.Fatal("second Cancel reported true")
	}
	if cause := <-canceled; cause != errBoom {
		t.Fatalf("producer saw %v", cause)
	}
	if p.Resolve(1) {
		t.Fatal("a cancelled promise could still be resolved")
	}
	for i, fut := range []*future.Future[int]{f, g, h} {
		_, err := get(t, fut)
		var ce *future.CancelError
		if !errors.Is(err, future.ErrCanceled) || !errors.Is(err, errBoom) || !errors.As(err, &ce) || ce.Cause != errBoom {
			t.Errorf("%d: %v", i, err)
		}
	}
}

func TestCancelDefaultCause(t *testing.T) {
	l := newLoop(t)
	f, _, canceled := producer(t, l)
	f.Cancel(nil)
	if cause := <-canceled; cause != context.Canceled {
		t.Fatalf("cause %v", cause)
	}
	_, err := get(t, f)
	if !errors.Is(err, context.Canceled) || err.Error() != "future: canceled: context canceled" {
		t.Fatalf("got %v", err)
	}
}

func TestCancelSharedFutureNeedsAllConsumers(t *testing.T) {
	l := newLoop(t)
	f, p, canceled := producer(t, l)
	a := future.Map(f, func(v int) int { return v })
	b := future.Map(f, func(v int) int { return v * 10 })
	a.Cancel(nil)
	l.Sync()
	select {
	case <-canceled:
		t.Fatal("producer cancelled while another consumer still wants it")
	default:
	}
	p.Resolve(2)
	if v := mustGet(t, b); v != 20 {
		t.Fatalf("got %d", v)
	}
	if _, err := get(t, a); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("a: %v", err)
	}
}

func TestCancelBlockedByPinningConsumer(t *testing.T) {
	l := newLoop(t)
	f, p, canceled := producer(t, l)
	ch := f.Chan() // wants the result for good
	future.Map(f, func(v int) int { return v }).Cancel(nil)
	l.Sync()
	select {
	case <-canceled:
		t.Fatal("cancelled despite Chan")
	default:
	}
	p.Resolve(3)
	if r := <-ch; r.Value != 3 {
		t.Fatalf("got %+v", r)
	}
}

func TestCancelSettledIsNoop(t *testing.T) {
	l := newLoop(t)
	f := future.Resolved(l, 1)
	if f.Cancel(nil) {
		t.Fatal("cancelled a settled future")
	}
	if v := mustGet(t, f); v != 1 {
		t.Fatalf("got %d", v)
	}
}

func TestCancelWhileForwarding(t *testing.T) {
	l := newLoop(t)
	inner, _, canceled := producer(t, l)
	g := future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] { return inner })
	l.Sync() // the step has run and g now waits on inner
	g.Cancel(errBoom)
	if cause := <-canceled; cause != errBoom {
		t.Fatalf("cause %v", cause)
	}
}

func TestCancelFollowingPromise(t *testing.T) {
	l := newLoop(t)
	src, _, canceled := producer(t, l)
	f, p := future.New[int](l)
	p.Follow(src)
	f.Cancel(errBoom)
	if cause := <-canceled; cause != errBoom {
		t.Fatalf("cause %v", cause)
	}
}

func TestOnCancelAfterCancel(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	f.Cancel(errBoom)
	got := make(chan error, 1)
	p.OnCancel(func(cause error) { got <- cause })
	if cause := <-got; cause != errBoom {
		t.Fatalf("cause %v", cause)
	}
	g, q := future.New[int](l)
	q.Resolve(1)
	q.OnCancel(func(error) { t.Error("hook ran on a resolved future") })
	mustGet(t, g)
	l.Sync()
}

func TestOnCancelNotRunOnNormalSettle(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	p.OnCancel(func(error) { t.Error("hook ran") })
	p.Resolve(1)
	mustGet(t, f)
	l.Sync()
}

func TestWithContext(t *testing.T) {
	l := newLoop(t)
	f, _, canceled := producer(t, l)
	ctx, cancel := context.WithCancelCause(context.Background())
	g := f.WithContext(ctx)
	cancel(errBoom)
	if cause := <-canceled; cause != errBoom {
		t.Fatalf("cause %v", cause)
	}
	if _, err := get(t, g); !errors.Is(err, errBoom) || !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("got %v", err)
	}
	// A context that never ends adds nothing.
	if f.WithContext(context.Background()) != f {
		t.Fatal("WithContext(Background) should return f")
	}
	// Settling first stops the context watch.
	h, hp := future.New[int](l)
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	w := h.WithContext(ctx2)
	hp.Resolve(5)
	if v := mustGet(t, w); v != 5 {
		t.Fatalf("got %d", v)
	}
}

func TestWithContextAlreadyDone(t *testing.T) {
	l := newLoop(t)
	f, _, canceled := producer(t, l)
	ctx, cancel := context.WithTimeout(context.Background(), 0)
	defer cancel()
	<-ctx.Done()
	g := f.WithContext(ctx)
	if cause := <-canceled; cause != context.DeadlineExceeded {
		t.Fatalf("cause %v", cause)
	}
	if _, err := get(t, g); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

func TestAwaitContextCancelsProducer(t *testing.T) {
	l := newLoop(t)
	f, _, canceled := producer(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := f.Await(ctx)
		errc <- err
	}()
	cancel() // before or after Await attaches: the same outcome

	if err := <-errc; err != context.Canceled {
		t.Fatalf("Await returned %v", err)
	}
	if cause := <-canceled; !errors.Is(cause, context.Canceled) {
		t.Fatalf("cause %v", cause)
	}
}

func TestCancelFromManyGoroutines(t *testing.T) {
	l := newLoop(t)
	for range 50 {
		f, p, canceled := producer(t, l)
		g := future.Map(f, func(v int) int { return v })
		wins := make(chan bool, 8)
		for range 4 {
			go func() { wins <- g.Cancel(nil) }()
			go func() { wins <- p.Resolve(1) }()
		}
		n := 0
		for range 8 {
			if <-wins {
				n++
			}
		}
		if n < 1 || n > 2 {
			t.Fatalf("%d winners", n)
		}
		mustSettle(t, g)
		l.Sync()
		select {
		case <-canceled:
		default:
		}
	}
}

func mustSettle[T any](t *testing.T, f *future.Future[T]) {
	t.Helper()
	if _, err := get(t, f); err != nil && !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("got %v", err)
	}
}

// Interests taken in different ways (a step's, counted in the consumer
// list; a combinator's and a forwarding step's, counted apart), with
// hooks attached between them, all keep a producer alive, and the
// producer is cancelled only when the last of them is withdrawn, in any
// order.
func TestCancelMixedInterests(t *testing.T) {
	type consumer struct {
		name   string
		attach func(f *future.Future[int]) func() // returns the withdrawal
	}
	consumers := []consumer{
		{"step", func(f *future.Future[int]) func() {
			g := future.Map(f, func(v int) int { return v })
			return func() { g.Cancel(nil) }
		}},
		{"all", func(f *future.Future[int]) func() {
			g := future.All(f)
			return func() { g.Cancel(nil) }
		}},
		{"forward", func(f *future.Future[int]) func() {
			g := future.ThenFuture(future.Resolved[int](nil, 0), func(int) *future.Future[int] { return f })
			return func() { g.Cancel(nil) }
		}},
	}
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {2, 1, 0}, {0, 2, 1}} {
		l := newLoop(t)
		f, p, canceled := producer(t, l)
		var withdraw []func()
		for _, i := range order {
			withdraw = append(withdraw, consumers[i].attach(f))
			p.OnCancel(func(error) {}) // a hook between interests
		}
		for k, w := range withdraw {
			w()
			l.Sync()
			select {
			case <-canceled:
				if k != len(withdraw)-1 {
					t.Fatalf("order %v: producer cancelled after %d of %d withdrawals", order, k+1, len(withdraw))
				}
			default:
				if k == len(withdraw)-1 {
					t.Fatalf("order %v: producer not cancelled after every withdrawal", order)
				}
			}
		}
		if p.Resolve(1) {
			t.Fatalf("order %v: Resolve after cancellation reported true", order)
		}
	}
}

// watchCtx counts the AfterFunc registrations still active on it.
type watchCtx struct {
	context.Context
	active atomic.Int32
}

// Value hides the parent's values, so that the context package does not
// find the parent's cancelCtx and does call AfterFunc.
func (c *watchCtx) Value(any) any { return nil }

func (c *watchCtx) AfterFunc(f func()) func() bool {
	c.active.Add(1)
	stop := context.AfterFunc(c.Context, f)
	return func() bool {
		if stop() {
			c.active.Add(-1)
			return true
		}
		return false
	}
}

// Cancelling WithContext's result stops watching the context, even when
// the input stays pending because another consumer wants it: the watch
// would otherwise hold the result and the input until the context ended.
func TestWithContextCancelStopsWatch(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	ch := f.Chan() // f stays wanted
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx := &watchCtx{Context: parent}
	g := f.WithContext(ctx)
	if n := ctx.active.Load(); n != 1 {
		t.Fatalf("%d watches, want 1", n)
	}
	g.Cancel(errBoom)
	if n := ctx.active.Load(); n != 0 {
		t.Fatalf("%d watches left after the cancel", n)
	}
	if _, err := get(t, g); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	p.Resolve(1)
	if r := <-ch; r.Value != 1 {
		t.Fatalf("got %+v", r)
	}
}

// A step whose result is cancelled while its function runs cancels the
// future the function returns with the cause given, not a default one;
// the same for the slice operations.
func TestCancelDuringStepKeepsCause(t *testing.T) {
	l := newLoop(t)
	inner, _, canceled := producer(t, l)
	var g *future.Future[int]
	l.Do(func() {
		g = future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] {
			g.Cancel(errBoom)
			return inner
		})
	})
	if cause := <-canceled; cause != errBoom {
		t.Errorf("ThenFuture: producer saw %v", cause)
	}
	item, _, itemCanceled := producer(t, l)
	var each *future.Future[struct{}]
	l.Do(func() {
		each = future.Each(l, []int{1}, func(int) *future.Future[int] {
			each.Cancel(errBoom)
			return item
		})
	})
	if cause := <-itemCanceled; cause != errBoom {
		t.Errorf("Each: producer saw %v", cause)
	}
	slot, _, slotCanceled := producer(t, l)
	var ml *future.Future[[]int]
	l.Do(func() {
		ml = future.MapLimit(l, []int{1}, 1, func(int) *future.Future[int] {
			ml.Cancel(errBoom)
			return slot
		})
	})
	if cause := <-slotCanceled; cause != errBoom {
		t.Fatalf("MapLimit: producer saw %v", cause)
	}
}
