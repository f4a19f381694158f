package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

// waitReports polls seen until it holds n errors, collecting garbage so
// that the checks of futures without executor run; it gives up after 10 s.
func waitReports(l *testLoop, seen func() []error, n int) []error {
	deadline := time.Now().Add(10 * time.Second)
	for len(seen()) < n && time.Now().Before(deadline) {
		runtime.GC()
		l.Sync()
		time.Sleep(time.Millisecond)
	}
	return seen()
}

// settleChecks lets every pending unhandled-rejection check run: those on
// the loop, and those of futures without executor, which run when they
// are collected.
func settleChecks(l *testLoop) {
	for range 3 {
		runtime.GC()
		l.Sync()
		time.Sleep(5 * time.Millisecond) // cleanups run on their own goroutine
	}
}

// A cancellation is what its caller asked for, not a lost error: when it
// travels down to steps nobody consumes, it is not reported, whatever the
// cause given to Cancel and however it reached them.
func TestUnhandledNotForPropagatedCancel(t *testing.T) {
	errMine := errors.New("cancel cause, not an error")
	errControl := errors.New("control: a real error, reported")
	seen := catchUnhandled(t, func(err error) bool {
		return errors.Is(err, errMine) || errors.Is(err, future.ErrCanceled) ||
			errors.Is(err, context.Canceled) || errors.Is(err, errControl)
	})
	l := newLoop(t)
	ctx, cancel := context.WithCancel(context.Background())
	l.Do(func() {
		// The root cancelled, with two unconsumed branches below it.
		f, _ := future.New[int](l)
		future.Map(f, func(v int) int { return v })
		f.Tap(func(int) error { return nil }).Finally(func() {})
		f.Cancel(nil)

		// The middle of a chain cancelled with a cause.
		g, _ := future.New[int](l)
		mid := future.Then(g, func(v int) (int, error) { return v, nil })
		future.Map(mid, func(v int) string { return "x" })
		mid.Cancel(errMine)

		// A Catch that wraps the cancellation passes it on.
		h, _ := future.New[int](l)
		h.Catch(func(err error) (int, error) { return 0, fmt.Errorf("fetch: %w", err) })
		h.Cancel(errMine)

		// A combinator whose input was cancelled.
		a, _ := future.New[int](l)
		b, _ := future.New[int](l)
		future.All(a, b)
		future.Any(a).Catch(func(err error) (int, error) { return 0, err })
		a.Cancel(errMine)

		// A promise that follows a future which is then cancelled.
		src, _ := future.New[int](l)
		_, pf := future.New[int](l)
		pf.Follow(src)
		src.Cancel(errMine)

		// A producer that gives up because its caller's context was
		// cancelled, the Go way.
		future.Rejected[int](l, fmt.Errorf("dial: %w", context.Canceled))

		// A context ending.
		w, _ := future.New[int](l)
		future.Map(w.WithContext(ctx), func(v int) int { return v })

		// The control: the handler does see real errors.
		future.Rejected[int](l, errControl)
	})
	cancel()
	// A chain without executor.
	func() {
		f, _ := future.New[int](nil)
		future.Map(future.Map(f, func(v int) int { return v }), func(v int) int { return v })
		f.Cancel(errMine)
	}()
	settleChecks(l)
	if errs := seen(); len(errs) != 1 || errs[0] != errControl {
		t.Fatalf("want only the control reported, got: %v", errs)
	}
}

// A real error is still reported, even when a cancellation is part of its
// story: a Catch that turns a cancellation into an error, a Finally that
// panics on a cancelled chain, an Any whose other input was cancelled, and
// the rejection of a Timeout (the deadline is the caller's, but missing it
// is a failure; only the input that Timeout abandons is cancelled
// silently). So is a panic, and a deadline missed.
func TestUnhandledRealErrorAfterCancel(t *testing.T) {
	errReal := errors.New("real failure after a cancel")
	seen := catchUnhandled(t, func(err error) bool {
		var te *future.TimeoutError
		return errors.Is(err, errReal) || errors.Is(err, future.ErrCanceled) || errors.As(err, &te)
	})
	l := newLoop(t)
	var timedOut *future.Future[int]
	l.Do(func() {
		f, _ := future.New[int](l)
		f.Catch(func(error) (int, error) { return 0, errReal })
		f.Cancel(nil)

		g, _ := future.New[int](l)
		g.Finally(func() { panic(errReal) })
		g.Cancel(nil)

		a, pa := future.New[int](l)
		b, _ := future.New[int](l)
		future.Any(a, b)
		pa.Reject(errReal)
		b.Cancel(nil)

		// A panic is a bug, even one that carries the cancellation.
		c, _ := future.New[int](l)
		c.Catch(func(err error) (int, error) { panic(errors.Join(errReal, err)) })
		c.Cancel(nil)

		// A deadline missed is a failure, not a cancellation.
		future.Rejected[int](l, fmt.Errorf("%w: %w", errReal, context.DeadlineExceeded))

		s, _ := future.New[int](l)
		timedOut = future.Timeout(s, time.Millisecond)
	})
	const want = 6
	waitReports(l, seen, want)
	settleChecks(l)
	errs := seen()
	if len(errs) != want {
		t.Fatalf("want %d reports, got %d: %v", want, len(errs), errs)
	}
	var timeouts int
	for _, err := range errs {
		var te *future.TimeoutError
		switch {
		case errors.As(err, &te):
			timeouts++
		case !errors.Is(err, errReal):
			t.Errorf("reported %v", err)
		}
	}
	if timeouts != 1 {
		t.Errorf("%d timeouts reported, want 1: %v", timeouts, errs)
	}
	if r, ok := timedOut.Peek(); !ok || !errors.Is(r.Err, future.ErrTimeout) {
		t.Fatalf("timeout result %v %v", r, ok)
	}
}

// A step that could not run because its executor had stopped (ErrStopped)
// is not reported either: the loop is gone, and with it whoever would
// have handled the rejection; a loop shutting down would log one line per
// pending chain.
func TestUnhandledNotForStoppedExecutor(t *testing.T) {
	seen := catchUnhandled(t, is(future.ErrStopped))
	l := startLoop()
	f, p := future.New[int](l)
	future.Map(f, func(v int) int { return v }) // nobody consumes it
	l.Close()
	p.Resolve(1)
	future.Map(future.Resolved(l, 1), func(v int) int { return v }) // made afterwards
	// With the executor gone, the checks run inline, before this line.
	if got := seen(); len(got) > 0 {
		t.Fatalf("reported: %v", got)
	}
}
