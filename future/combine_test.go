package future_test

import (
	"context"
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

func TestAll(t *testing.T) {
	l := newLoop(t)
	fs := make([]*future.Future[int], 5)
	ps := make([]*future.Promise[int], 5)
	for i := range fs {
		fs[i], ps[i] = future.New[int](l)
	}
	all := future.All(fs...)
	for i := len(ps) - 1; i >= 0; i-- { // settle out of order, from goroutines
		go ps[i].Resolve(i * i)
	}
	if v := mustGet(t, all); !slices.Equal(v, []int{0, 1, 4, 9, 16}) {
		t.Fatalf("got %v", v)
	}
	if all.Executor() != future.Executor(l) {
		t.Fatal("result executor")
	}
}

func TestAllEmpty(t *testing.T) {
	all := future.All[int]()
	r, ok := all.Peek()
	if !ok || r.Err != nil || r.Value == nil || len(r.Value) != 0 {
		t.Fatalf("got %+v %v", r, ok)
	}
	s, ok := future.AllSettled[int]().Peek()
	if !ok || s.Err != nil || len(s.Value) != 0 {
		t.Fatalf("AllSettled: %+v %v", s, ok)
	}
}

func TestAllRejectsFastAndReleasesOthers(t *testing.T) {
	l := newLoop(t)
	slow, _, canceled := producer(t, l)
	all := future.All(slow, future.Rejected[int](l, errBoom), future.Resolved(l, 1))
	if _, err := get(t, all); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	if cause := <-canceled; !errors.Is(cause, errBoom) {
		t.Fatalf("pending input cancelled with %v", cause)
	}
}

func TestAllNilInput(t *testing.T) {
	all := future.All(future.Resolved[int](nil, 1), nil)
	if r, _ := all.Peek(); !errors.Is(r.Err, future.ErrNilFuture) {
		t.Fatalf("got %+v", r)
	}
}

func TestAllSettled(t *testing.T) {
	l := newLoop(t)
	res := mustGet(t, future.AllSettled(future.Resolved(l, 1), future.Rejected[int](l, errBoom), nil))
	if len(res) != 3 || res[0].Value != 1 || res[0].Err != nil || !errors.Is(res[1].Err, errBoom) || !errors.Is(res[2].Err, future.ErrNilFuture) {
		t.Fatalf("got %+v", res)
	}
}

func TestAny(t *testing.T) {
	l := newLoop(t)
	slow, _, canceled := producer(t, l)
	v := mustGet(t, future.Any(future.Rejected[int](l, errBoom), slow, future.Resolved(l, 7)))
	if v != 7 {
		t.Fatalf("got %d", v)
	}
	if cause := <-canceled; !errors.Is(cause, future.ErrCanceled) && cause == nil {
		t.Fatalf("loser cause %v", cause)
	}
}

func TestAnyAllFail(t *testing.T) {
	l := newLoop(t)
	errA, errB := errors.New("a"), errors.New("b")
	_, err := get(t, future.Any(future.Rejected[int](l, errA), future.Rejected[int](l, errB)))
	var agg *future.AggregateError
	if !errors.As(err, &agg) || len(agg.Errors) != 2 || agg.Errors[0] != errA || agg.Errors[1] != errB {
		t.Fatalf("got %v", err)
	}
	if !errors.Is(err, errA) || !errors.Is(err, errB) {
		t.Fatal("errors.Is through AggregateError")
	}
	if err.Error() != "future: all 2 futures failed: a; b" {
		t.Fatalf("message %q", err.Error())
	}
}

func TestAnyRaceEmpty(t *testing.T) {
	for _, f := range []*future.Future[int]{future.Any[int](), future.Race[int]()} {
		if r, ok := f.Peek(); !ok || !errors.Is(r.Err, future.ErrNoFutures) {
			t.Fatalf("got %+v %v", r, ok)
		}
		f.OnSettle(func(int, error) {})
	}
}

func TestRace(t *testing.T) {
	l := newLoop(t)
	slow, _, canceled := producer(t, l)
	fast, fp := future.New[int](l)
	r := future.Race(slow, fast)
	fp.Reject(errBoom)
	if _, err := get(t, r); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	<-canceled
	v := mustGet(t, future.Race(future.Resolved(l, 3), future.Rejected[int](l, errBoom)))
	if v != 3 {
		t.Fatalf("got %d", v)
	}
}

func TestTimeoutFires(t *testing.T) {
	l := newLoop(t)
	f, _, canceled := producer(t, l)
	g := future.Timeout(f, time.Millisecond)
	_, err := get(t, g)
	var te *future.TimeoutError
	if !errors.Is(err, future.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) || te.After != time.Millisecond {
		t.Fatalf("got %v", err)
	}
	if cause := <-canceled; !errors.Is(cause, future.ErrTimeout) {
		t.Fatalf("producer saw %v", cause)
	}
}

func TestTimeoutNotNeeded(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	g := future.Timeout(f, time.Hour)
	p.Resolve(4)
	if v := mustGet(t, g); v != 4 {
		t.Fatalf("got %d", v)
	}
	if v := mustGet(t, future.Timeout(future.Resolved(l, 5), 0)); v != 5 {
		t.Fatalf("settled input: got %d", v)
	}
	_, err := get(t, future.Timeout(future.Rejected[int](l, errBoom), time.Hour))
	if !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
}

func TestTimeoutFromOffLoopAndNilExecutor(t *testing.T) {
	l := newLoop(t)
	var g *future.Future[int]
	l.Do(func() {
		f, _ := future.New[int](l)
		g = future.Timeout(f, time.Millisecond)
	})
	if _, err := get(t, g); !errors.Is(err, future.ErrTimeout) {
		t.Fatalf("on loop: %v", err)
	}
	f, _ := future.New[int](nil)
	if _, err := get(t, future.Timeout(f, time.Millisecond)); !errors.Is(err, future.ErrTimeout) {
		t.Fatalf("nil executor: %v", err)
	}
	h, hp := future.New[int](nil)
	th := future.Timeout(h, time.Hour)
	hp.Resolve(1)
	if v := mustGet(t, th); v != 1 {
		t.Fatalf("got %d", v)
	}
}

func TestCancelCombinatorReleasesInputs(t *testing.T) {
	l := newLoop(t)
	a, _, ca := producer(t, l)
	b, _, cb := producer(t, l)
	all := future.All(a, b)
	all.Cancel(errBoom)
	if <-ca != errBoom || <-cb != errBoom {
		t.Fatal("inputs not cancelled")
	}
}

// An input that has settled already wins over any timeout, however short:
// the timer is not even started.
func TestTimeoutSettledInputWins(t *testing.T) {
	for _, exec := range []future.Executor{nil, newLoop(t)} {
		for i := range 300 {
			if v := mustGet(t, future.Timeout(future.Resolved(exec, i), 0)); v != i {
				t.Fatalf("got %d, want %d", v, i)
			}
		}
	}
}

// delayLoop is a testLoop that counts its Delay timers still pending.
type delayLoop struct {
	*testLoop
	pending atomic.Int32
}

func (l *delayLoop) Delay(d time.Duration, fn func()) func() {
	l.pending.Add(1)
	done := false // loop-only
	stop := l.testLoop.Delay(d, func() {
		done = true
		l.pending.Add(-1)
		fn()
	})
	return func() {
		if !done {
			done = true
			l.pending.Add(-1)
		}
		stop()
	}
}

// Cancelling a Timeout's result stops its timer, even when the input is
// still wanted elsewhere and so stays pending: the timer would otherwise
// hold the result, the input and the loop until it fired.
func TestTimeoutCancelStopsTimer(t *testing.T) {
	l := &delayLoop{testLoop: newLoop(t)}
	f, p := future.New[int](l)
	ch := f.Chan() // f stays wanted
	g := future.Timeout(f, time.Hour)
	l.Sync()
	if n := l.pending.Load(); n != 1 {
		t.Fatalf("%d timers pending, want 1", n)
	}
	g.Cancel(errBoom)
	l.Sync()
	if n := l.pending.Load(); n != 0 {
		t.Fatalf("%d timers pending after the cancel", n)
	}
	// Cancelled before its setup ran on the loop: no timer at all.
	var h *future.Future[int]
	l.Do(func() {
		h = future.Timeout(f, time.Hour)
		h.Cancel(nil)
	})
	l.Sync()
	if n := l.pending.Load(); n != 0 {
		t.Fatalf("%d timers pending after an early cancel", n)
	}
	p.Resolve(1)
	if r := <-ch; r.Value != 1 {
		t.Fatalf("got %+v", r)
	}
}

// A duration of zero or less is a deadline already past, as with
// context.WithTimeout: a pending input times out (and is cancelled) at
// once, on a loop or without executor, while a settled one still wins.
func TestTimeoutNonPositive(t *testing.T) {
	l := newLoop(t)
	for _, d := range []time.Duration{0, -time.Hour} {
		f, _, canceled := producer(t, l)
		if _, err := get(t, future.Timeout(f, d)); !errors.Is(err, future.ErrTimeout) {
			t.Fatalf("Timeout(pending, %v): %v", d, err)
		}
		if cause := <-canceled; !errors.Is(cause, future.ErrTimeout) {
			t.Fatalf("Timeout(pending, %v): producer saw %v", d, cause)
		}
		g, _ := future.New[int](nil)
		if _, err := get(t, future.Timeout(g, d)); !errors.Is(err, future.ErrTimeout) {
			t.Fatalf("Timeout(pending without executor, %v): %v", d, err)
		}
		if v := mustGet(t, future.Timeout(future.Resolved(l, 5), d)); v != 5 {
			t.Fatalf("Timeout(settled, %v): got %d", d, v)
		}
	}
}
