package future_test

import (
	"errors"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/future"
)

var errBoom = errors.New("boom")

func TestPromiseCreation(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	if f.Done() {
		t.Fatal("new future is done")
	}
	if _, ok := f.Peek(); ok {
		t.Fatal("Peek of a pending future reported ok")
	}
	if p.Future() != f {
		t.Fatal("Promise.Future is not the future")
	}
	if f.Executor() != future.Executor(l) {
		t.Fatal("wrong executor")
	}
	if !p.Resolve(7) {
		t.Fatal("first Resolve reported false")
	}
	if !f.Done() {
		t.Fatal("resolved future not done")
	}
	if r, ok := f.Peek(); !ok || r.Value != 7 || r.Err != nil {
		t.Fatalf("Peek = %+v, %v", r, ok)
	}
	if got := mustGet(t, f); got != 7 {
		t.Fatalf("got %d", got)
	}
}

func TestCallbacksAndErrbacks(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[string](l)
	type call struct {
		v      string
		err    error
		onLoop bool
	}
	calls := make(chan call, 2)
	f.OnSettle(func(v string, err error) { calls <- call{v, err, l.OnLoop()} })
	g, q := future.New[string](l)
	g.OnSettle(func(v string, err error) { calls <- call{v, err, l.OnLoop()} })
	go p.Resolve("hi") // settled off the loop: callbacks still run on it
	go q.Reject(errBoom)
	got := map[string]call{}
	for range 2 {
		c := <-calls
		got[c.v+"|"+strconv.FormatBool(c.err != nil)] = c
	}
	if c, ok := got["hi|false"]; !ok || !c.onLoop {
		t.Errorf("callback: %+v (found %v)", c, ok)
	}
	if c, ok := got["|true"]; !ok || !errors.Is(c.err, errBoom) || !c.onLoop {
		t.Errorf("errback: %+v (found %v)", c, ok)
	}
}

func TestCallbacksNeverRunInsideResolveOnLoop(t *testing.T) {
	l := newLoop(t)
	var ran atomic.Bool
	done := make(chan bool, 1)
	l.Do(func() {
		f, p := future.New[int](l)
		f.OnSettle(func(int, error) { ran.Store(true) })
		p.Resolve(1)
		done <- ran.Load()
	})
	if <-done {
		t.Fatal("callback ran inside Resolve")
	}
	l.Sync()
	if !ran.Load() {
		t.Fatal("callback never ran")
	}
}

func TestNilExecutorRunsInline(t *testing.T) {
	f, p := future.New[int](nil)
	var got int
	g := future.Map(f, func(v int) int { got = v; return v * 2 })
	p.Resolve(21)
	if got != 21 {
		t.Fatal("callback did not run inline")
	}
	if r, ok := g.Peek(); !ok || r.Value != 42 {
		t.Fatalf("Peek = %+v, %v", r, ok)
	}
	// Attaching to a settled future without executor runs at once too.
	h := future.Map(g, func(v int) string { return strconv.Itoa(v) })
	if r, _ := h.Peek(); r.Value != "42" {
		t.Fatalf("got %q", r.Value)
	}
	if h.Executor() != nil {
		t.Fatal("executor should be nil")
	}
}

func TestSettleOnce(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	if !p.Resolve(1) {
		t.Fatal("Resolve false")
	}
	if p.Resolve(2) || p.Reject(errBoom) || p.Settle(3, nil) || p.Follow(future.Resolved(l, 4)) {
		t.Fatal("a later settle reported true")
	}
	if p.Run(func() (int, error) { t.Error("Run called fn"); return 5, nil }) {
		t.Fatal("Run on a settled promise reported true")
	}
	if v := mustGet(t, f); v != 1 {
		t.Fatalf("got %d", v)
	}
}

func TestFollowedThenIgnored(t *testing.T) {
	// Once finishing is forwarded to another future, later attempts to
	// finish do nothing.
	l := newLoop(t)
	f, p := future.New[int](l)
	src, sp := future.New[int](l)
	if !p.Follow(src) {
		t.Fatal("Follow false")
	}
	if p.Resolve(1) || p.Reject(errBoom) || p.Follow(future.Resolved(l, 2)) {
		t.Fatal("settling a following promise reported true")
	}
	if f.Done() {
		t.Fatal("follower settled before its source")
	}
	sp.Resolve(9)
	if v := mustGet(t, f); v != 9 {
		t.Fatalf("got %d", v)
	}
}

func TestFollowSelfAndNil(t *testing.T) {
	f, p := future.New[int](nil)
	p.Follow(f)
	if r, _ := f.Peek(); !errors.Is(r.Err, future.ErrFollowSelf) {
		t.Fatalf("got %v", r.Err)
	}
	g, q := future.New[int](nil)
	q.Follow(nil)
	if r, _ := g.Peek(); !errors.Is(r.Err, future.ErrNilFuture) {
		t.Fatalf("got %v", r.Err)
	}
}

func TestSettleAndRejectNil(t *testing.T) {
	f, p := future.New[int](nil)
	p.Settle(5, errBoom)
	if r, _ := f.Peek(); r.Value != 0 || !errors.Is(r.Err, errBoom) {
		t.Fatalf("Settle(v, err) = %+v", r)
	}
	g, q := future.New[int](nil)
	g.OnSettle(func(int, error) {})
	q.Reject(nil)
	if r, _ := g.Peek(); !errors.Is(r.Err, future.ErrNilError) {
		t.Fatalf("Reject(nil) = %+v", r)
	}
	if r, _ := future.Rejected[int](nil, nil).Catch(func(err error) (int, error) { return 0, err }).Peek(); !errors.Is(r.Err, future.ErrNilError) {
		t.Fatalf("Rejected(nil) = %+v", r)
	}
}

func TestResolvedRejected(t *testing.T) {
	l := newLoop(t)
	if v := mustGet(t, future.Resolved(l, "x")); v != "x" {
		t.Fatalf("got %q", v)
	}
	_, err := get(t, future.Rejected[int](l, errBoom))
	if !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
}

func TestChaining(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	g := future.Then(f, func(v int) (string, error) { return strconv.Itoa(v + 1), nil })
	h := future.Map(g, func(s string) []byte { return []byte(s + "!") })
	i := future.Then(h, func(b []byte) (int, error) { return len(b), nil })
	p.Resolve(41)
	if v := mustGet(t, i); v != 3 {
		t.Fatalf("got %d", v)
	}
	if v := mustGet(t, h); string(v) != "42!" {
		t.Fatalf("got %q", v)
	}
}

func TestThenErrorSkipsSteps(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	called := false
	g := future.Then(f, func(v int) (int, error) { return 0, errBoom })
	h := future.Map(g, func(v int) int { called = true; return v })
	p.Resolve(1)
	_, err := get(t, h)
	if !errors.Is(err, errBoom) || called {
		t.Fatalf("err = %v, called = %v", err, called)
	}
}

func TestMultipleConsumersInOrder(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	var order []int
	done := make(chan struct{})
	for i := range 5 {
		f.OnSettle(func(int, error) {
			order = append(order, i)
			if i == 4 {
				close(done)
			}
		})
	}
	p.Resolve(0)
	<-done
	for i, v := range order {
		if v != i {
			t.Fatalf("order = %v", order)
		}
	}
}

func TestNilFutureInputs(t *testing.T) {
	var f *future.Future[int]
	checks := []error{
		errOf(future.Then(f, func(int) (int, error) { return 0, nil })),
		errOf(f.Catch(func(error) (int, error) { return 0, nil })),
		errOf(future.Timeout(f, 1)),
		errOf(f.WithContext(t.Context())),
	}
	for i, err := range checks {
		if !errors.Is(err, future.ErrNilFuture) {
			t.Errorf("%d: got %v", i, err)
		}
	}
	if _, err := f.Await(t.Context()); !errors.Is(err, future.ErrNilFuture) {
		t.Errorf("Await: %v", err)
	}
	if r := <-f.Chan(); !errors.Is(r.Err, future.ErrNilFuture) {
		t.Errorf("Chan: %v", r.Err)
	}
	if f.Cancel(nil) || f.Done() {
		t.Error("nil future cancel/done")
	}
	g := future.ThenFuture(future.Resolved[int](nil, 1), func(int) *future.Future[int] { return nil })
	if !errors.Is(errOf(g), future.ErrNilFuture) {
		t.Errorf("step returning nil: %v", errOf(g))
	}
}

// errOf returns the error of a settled future (handling it).
func errOf[T any](f *future.Future[T]) error {
	var err error
	f.OnSettle(func(_ T, e error) { err = e })
	r, ok := f.Peek()
	if !ok {
		return errors.New("pending")
	}
	if err == nil {
		err = r.Err
	}
	return err
}

// A step whose function returns the step's own future, which could never
// settle, is rejected with ErrFollowSelf, as Follow is.
func TestStepReturnsItsOwnFuture(t *testing.T) {
	l := newLoop(t)
	var g, h *future.Future[int]
	l.Do(func() {
		g = future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] { return g })
		h = future.Rejected[int](l, errBoom).CatchFuture(func(error) *future.Future[int] { return h })
	})
	for _, f := range []*future.Future[int]{g, h} {
		if _, err := get(t, f); !errors.Is(err, future.ErrFollowSelf) {
			t.Fatalf("got %v", err)
		}
	}
}
