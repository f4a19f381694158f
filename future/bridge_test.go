package future_test

import (
	"context"
	"errors"
	"testing"

	"github.com/eddy-go/eddy/future"
)

func TestAwaitOnLoopRefuses(t *testing.T) {
	l := newLoop(t)
	other := newLoop(t)
	errs := make(chan error, 3)
	l.Do(func() {
		_, err := future.Resolved(l, 1).Await(context.Background())
		errs <- err
		pending, _ := future.New[int](l)
		_, err = pending.Await(context.Background())
		errs <- err
		// Any eddy loop goroutine is refused, not only the future's own.
		_, err = future.Resolved(other, 1).Await(context.Background())
		errs <- err
	})
	for range 3 {
		if err := <-errs; !errors.Is(err, future.ErrAwaitOnLoop) {
			t.Fatalf("got %v", err)
		}
	}
}

func TestAwaitFromGoroutine(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[string](l)
	go p.Resolve("ok")
	if v, err := f.Await(context.Background()); v != "ok" || err != nil {
		t.Fatalf("got %q %v", v, err)
	}
	if v, err := f.Await(context.Background()); v != "ok" || err != nil {
		t.Fatalf("second Await: %q %v", v, err)
	}
}

func TestAwaitPrefersResult(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if v, err := future.Resolved[int](nil, 3).Await(ctx); v != 3 || err != nil {
		t.Fatalf("got %d %v", v, err)
	}
}

func TestChan(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	ch := f.Chan()
	p.Reject(errBoom)
	r := <-ch
	if !errors.Is(r.Err, errBoom) {
		t.Fatalf("got %+v", r)
	}
	if r := <-future.Resolved(l, 2).Chan(); r.Value != 2 || r.Err != nil {
		t.Fatalf("got %+v", r)
	}
}

func TestFromChan(t *testing.T) {
	l := newLoop(t)
	ch := make(chan int)
	f := future.FromChan(l, ch)
	ch <- 5
	if v := mustGet(t, f); v != 5 {
		t.Fatalf("got %d", v)
	}
	closed := make(chan int)
	close(closed)
	if _, err := get(t, future.FromChan(l, closed)); !errors.Is(err, future.ErrChanClosed) {
		t.Fatalf("got %v", err)
	}
	// Cancelling ends the goroutine (the leak check in TestMain sees it).
	never := make(chan int)
	g := future.FromChan(l, never)
	g.Cancel(nil)
	if _, err := get(t, g); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("got %v", err)
	}
}

func TestGoAndRun(t *testing.T) {
	l := newLoop(t)
	if v := mustGet(t, future.Go(l, func() (int, error) { return 8, nil })); v != 8 {
		t.Fatalf("got %d", v)
	}
	_, err := get(t, future.Go(l, func() (int, error) { panic(errBoom) }))
	var pe *future.PanicError
	if !errors.As(err, &pe) || !errors.Is(err, errBoom) || len(pe.Stack) == 0 {
		t.Fatalf("got %v", err)
	}
	// A job cancelled while queued is skipped by Run.
	f, p := future.New[int](l)
	f.Cancel(nil)
	if p.Run(func() (int, error) { t.Error("ran"); return 0, nil }) {
		t.Fatal("Run reported true")
	}
}

// submit shows how a worker pool plugs in: New, a job that calls Run, and
// OnCancel to skip queued work.
func submit[T any](exec future.Executor, jobs chan<- func(), fn func() (T, error)) *future.Future[T] {
	f, p := future.New[T](exec)
	jobs <- func() { p.Run(fn) }
	return f
}

func TestWorkerPoolBridge(t *testing.T) {
	l := newLoop(t)
	jobs := make(chan func(), 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for job := range jobs {
			job()
		}
	}()
	fs := make([]*future.Future[int], 10)
	for i := range fs {
		fs[i] = submit(l, jobs, func() (int, error) { return i, nil })
	}
	close(jobs)
	sum := 0
	for _, v := range mustGet(t, future.All(fs...)) {
		sum += v
	}
	<-done
	if sum != 45 {
		t.Fatalf("sum %d", sum)
	}
}

// settleOnErr is a done context whose Err first settles a future, as a
// producer on another goroutine might between Await seeing the context
// end and withdrawing its interest.
type settleOnErr struct {
	context.Context
	done   chan struct{}
	settle func()
}

func (c *settleOnErr) Done() <-chan struct{} { return c.done }
func (c *settleOnErr) Err() error {
	if c.settle != nil {
		c.settle()
		c.settle = nil
	}
	return context.Canceled
}

// TestAwaitKeepsResultSettledAtCancel: a result that arrives while Await
// gives up on its context is returned, not dropped, since the producer
// delivered it and nobody else will see it.
func TestAwaitKeepsResultSettledAtCancel(t *testing.T) {
	f, p := future.New[int](nil)
	ctx := &settleOnErr{Context: context.Background(), done: make(chan struct{}), settle: func() { p.Resolve(7) }}
	close(ctx.done)
	v, err := f.Await(ctx)
	if err != nil || v != 7 {
		t.Fatalf("Await = %v, %v; want 7, nil", v, err)
	}
	// Without a concurrent settlement the context's error is returned and
	// the future is cancelled.
	g, _ := future.New[int](nil)
	ctx2 := &settleOnErr{Context: context.Background(), done: make(chan struct{})}
	close(ctx2.done)
	if _, err := g.Await(ctx2); !errors.Is(err, context.Canceled) {
		t.Fatalf("Await = %v, want context.Canceled", err)
	}
	if r, ok := g.Peek(); !ok || !errors.Is(r.Err, future.ErrCanceled) {
		t.Fatalf("future after Await gave up: %+v, %v; want cancelled", r, ok)
	}
}

// noPanic runs fn and fails the test, rather than crash the test binary,
// if it panics.
func noPanic(t *testing.T, what string, fn func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("%s panicked: %v", what, r)
		}
	}()
	fn()
}

// A nil context is bad input: Await and WithContext say so with
// ErrNilContext instead of a nil pointer panic (which Await used to hit
// only when the future was still pending).
func TestNilContext(t *testing.T) {
	var nilCtx context.Context
	l := newLoop(t)
	f, p := future.New[int](l)
	noPanic(t, "Await(nil)", func() {
		if _, err := f.Await(nilCtx); !errors.Is(err, future.ErrNilContext) {
			t.Fatalf("Await(nil) on a pending future: %v", err)
		}
	})
	var g *future.Future[int]
	noPanic(t, "WithContext(nil)", func() { g = f.WithContext(nilCtx) })
	if _, err := get(t, g); !errors.Is(err, future.ErrNilContext) {
		t.Fatalf("WithContext(nil): %v", err)
	}
	if g.Executor() != future.Executor(l) {
		t.Fatal("WithContext(nil)'s future is not owned by f's executor")
	}
	// f is left alone: still pending, still the producer's.
	if !p.Resolve(1) {
		t.Fatal("f was settled by WithContext(nil)")
	}
	if _, err := f.Await(nilCtx); !errors.Is(err, future.ErrNilContext) {
		t.Fatalf("Await(nil) on a settled future: %v", err)
	}
}
