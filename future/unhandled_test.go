package future_test

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

// Tests that use the unhandled-rejection hook must not run in parallel.

func TestUnhandledFiresOnce(t *testing.T) {
	errMine := errors.New("fires once")
	seen := catchUnhandled(t, is(errMine))
	l := newLoop(t)
	f, p := future.New[int](l)
	g := future.Map(f, func(v int) int { return v }) // the end of the chain
	_ = g
	p.Reject(errMine)
	l.Sync()
	errs := seen()
	if len(errs) != 1 {
		t.Fatalf("reported %v", errs)
	}
}

func TestUnhandledNotForHandled(t *testing.T) {
	errMine := errors.New("handled")
	seen := catchUnhandled(t, is(errMine))
	l := newLoop(t)
	// A handler attached before the rejection.
	f, p := future.New[int](l)
	f.Catch(func(error) (int, error) { return 0, nil })
	p.Reject(errMine)
	// Handlers attached in the same loop turn as the rejection count: an
	// OnSettle, a Chan, a combinator, a chain that ends in a Catch.
	var ch <-chan future.Result[int]
	l.Do(func() {
		future.Rejected[int](l, errMine).OnSettle(func(int, error) {})
		ch = future.Rejected[int](l, errMine).Chan()
		future.AllSettled(future.Rejected[int](l, errMine))
		future.Map(future.Rejected[int](l, errMine), func(v int) int { return v }).
			Catch(func(error) (int, error) { return 1, nil })
		// Cancellations are never reported.
		c, _ := future.New[int](l)
		c.Cancel(errMine)
	})
	<-ch
	// Await handles too (a future without executor is checked when it is
	// collected, so this is deterministic).
	func() {
		_, _ = future.Rejected[int](nil, errMine).Await(context.Background())
	}()
	runtime.GC()
	l.Sync()
	time.Sleep(10 * time.Millisecond) // cleanups run on their own goroutine
	if errs := seen(); len(errs) != 0 {
		t.Fatalf("reported %v", errs)
	}
}

func TestUnhandledPanicInCallback(t *testing.T) {
	seen := catchUnhandled(t, func(err error) bool {
		var pe *future.PanicError
		return errors.As(err, &pe) && (pe.Value == "in callback" || pe.Value == "in hook")
	})
	l := newLoop(t)
	future.Resolved(l, 1).OnSettle(func(int, error) { panic("in callback") })
	_, p := future.New[int](l)
	p.OnCancel(func(error) { panic("in hook") })
	p.Future().Cancel(nil)
	l.Sync()
	errs := seen()
	if len(errs) != 2 {
		t.Fatalf("reported %v", errs)
	}
	for _, err := range errs {
		var pe *future.PanicError
		if !errors.As(err, &pe) {
			t.Fatalf("got %v", err)
		}
	}
}

func TestUnhandledNilExecutorOnCollection(t *testing.T) {
	errMine := errors.New("collected unhandled")
	seen := catchUnhandled(t, is(errMine))
	func() {
		_, p := future.New[int](nil)
		p.Reject(errMine)
		h := future.Rejected[int](nil, errMine)
		h.OnSettle(func(int, error) {}) // handled: never reported
	}()
	mine := func() int { return len(seen()) }
	deadline := time.Now().Add(5 * time.Second)
	for mine() == 0 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	if n := mine(); n != 1 {
		t.Fatalf("reported %d times", n)
	}
}

func TestDefaultUnhandledHandler(t *testing.T) {
	prev := future.SetUnhandledRejectionHandler(nil) // default: slog
	defer future.SetUnhandledRejectionHandler(prev)
	l := newLoop(t)
	future.Rejected[int](l, errBoom)
	l.Sync()
	h := func(error) {}
	future.SetUnhandledRejectionHandler(h)
	if future.SetUnhandledRejectionHandler(nil) == nil {
		t.Fatal("previous handler not returned")
	}
}

// A step that returns a future settled already hands its result on at
// once; a rejection it returns counts as handled by the step, so only the
// end of the chain is reported, or nothing if the chain catches it.
func TestForwardSettledFuture(t *testing.T) {
	errMine := errors.New("forwarded settled")
	seen := catchUnhandled(t, is(errMine))
	l := newLoop(t)
	var caught, ok *future.Future[int]
	l.Do(func() {
		caught = future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] {
			return future.Rejected[int](l, errMine)
		}).Catch(func(err error) (int, error) { return 7, nil })
		ok = future.ThenFuture(future.Resolved(l, 1), func(v int) *future.Future[int] {
			return future.Resolved(l, v+1)
		})
	})
	if v := mustGet(t, caught); v != 7 {
		t.Fatalf("caught %d", v)
	}
	if v := mustGet(t, ok); v != 2 {
		t.Fatalf("forwarded %d", v)
	}
	l.Sync()
	if errs := seen(); len(errs) != 0 {
		t.Fatalf("reported %v", errs)
	}
}

// recoverLoop is a testLoop that, like an eddy loop, recovers a panic in
// a posted function and goes on.
type recoverLoop struct {
	*testLoop
	panics chan any
}

func (l *recoverLoop) Post(fn func()) error {
	return l.testLoop.Post(func() {
		defer func() {
			if v := recover(); v != nil {
				l.panics <- v
			}
		}()
		fn()
	})
}

// A panicking unhandled-rejection handler meets the loop's own panic
// handling; it does not strand the futures of that loop: their callbacks,
// queued before or after the report, still run.
func TestUnhandledHandlerPanicDoesNotWedgeLoop(t *testing.T) {
	errMine := errors.New("handler panics")
	prev := future.SetUnhandledRejectionHandler(func(err error) {
		if errors.Is(err, errMine) {
			panic("handler")
		}
	})
	defer future.SetUnhandledRejectionHandler(prev)
	l := &recoverLoop{testLoop: newLoop(t), panics: make(chan any, 10)}
	var after *future.Future[int]
	l.Do(func() {
		future.Rejected[int](l, errMine) // reported in this turn's drain
		f, p := future.New[int](l)
		after = future.Map(f, func(v int) int { return v + 1 })
		p.Resolve(1) // queued behind the report
	})
	if v := mustGet(t, after); v != 2 {
		t.Fatalf("got %d", v)
	}
	if v := <-l.panics; v != "handler" {
		t.Fatalf("loop saw panic %v", v)
	}
	if v := mustGet(t, future.Map(future.Resolved(l, 1), func(v int) int { return v * 3 })); v != 3 {
		t.Fatalf("got %d", v)
	}
}
