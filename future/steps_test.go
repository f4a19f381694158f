package future_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

func TestForwarding(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	inner, ip := future.New[string](l)
	g := future.ThenFuture(f, func(v int) *future.Future[string] { return inner })
	h := future.Map(g, strings.ToUpper)
	p.Resolve(1)
	l.Sync()
	if g.Done() {
		t.Fatal("forwarded future settled before the inner one")
	}
	go ip.Resolve("abc")
	if v := mustGet(t, h); v != "ABC" {
		t.Fatalf("got %q", v)
	}
}

func TestForwardingError(t *testing.T) {
	l := newLoop(t)
	g := future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] {
		return future.Rejected[int](l, errBoom)
	})
	if _, err := get(t, g); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
}

func TestForwardingAcrossExecutors(t *testing.T) {
	a, b := newLoop(t), newLoop(t)
	onA := make(chan bool, 1)
	g := future.ThenFuture(future.Resolved(a, 1), func(v int) *future.Future[int] {
		return future.Go(b, func() (int, error) { return v + 1, nil })
	})
	h := future.Map(g, func(v int) int { onA <- a.OnLoop(); return v })
	if v := mustGet(t, h); v != 2 {
		t.Fatalf("got %d", v)
	}
	if !<-onA {
		t.Fatal("step after a forward from another loop did not run on its own loop")
	}
}

func TestCatchCatches(t *testing.T) {
	l := newLoop(t)
	var seen error
	f := future.Rejected[int](l, errBoom).Catch(func(err error) (int, error) {
		seen = err
		return 99, nil
	})
	if v := mustGet(t, f); v != 99 || !errors.Is(seen, errBoom) {
		t.Fatalf("got %d, saw %v", v, seen)
	}
}

func TestCatchPassesThrough(t *testing.T) {
	l := newLoop(t)
	wrapped := future.Rejected[int](l, errBoom).Catch(func(err error) (int, error) {
		return 0, fmt.Errorf("while testing: %w", err)
	})
	if _, err := get(t, wrapped); !errors.Is(err, errBoom) || !strings.Contains(err.Error(), "while testing") {
		t.Fatalf("got %v", err)
	}
	called := false
	ok := future.Resolved(l, 5).Catch(func(error) (int, error) { called = true; return 0, nil })
	if v := mustGet(t, ok); v != 5 || called {
		t.Fatalf("got %d, called %v", v, called)
	}
}

func TestCatchFuture(t *testing.T) {
	l := newLoop(t)
	attempts := 0
	var op func() *future.Future[string]
	op = func() *future.Future[string] {
		attempts++
		if attempts < 3 {
			return future.Rejected[string](l, errBoom).CatchFuture(func(error) *future.Future[string] { return op() })
		}
		return future.Resolved(l, "ok")
	}
	var f *future.Future[string]
	l.Do(func() { f = op() })
	if v := mustGet(t, f); v != "ok" || attempts != 3 {
		t.Fatalf("got %q after %d attempts", v, attempts)
	}
}

func TestTapFinishesBeforeChainGoesOn(t *testing.T) {
	l := newLoop(t)
	var events []string
	f, p := future.New[int](l)
	tapped := future.TapFuture(f, func(v int) *future.Future[struct{}] {
		sf, sp := future.New[struct{}](l)
		events = append(events, "tap start")
		l.Delay(5*time.Millisecond, func() {
			events = append(events, "tap end")
			sp.Resolve(struct{}{})
		})
		return sf
	})
	g := future.Map(tapped, func(v int) int { events = append(events, "next"); return v + 1 })
	p.Resolve(1)
	if v := mustGet(t, g); v != 2 {
		t.Fatalf("got %d: tap must pass the value through", v)
	}
	if strings.Join(events, ",") != "tap start,tap end,next" {
		t.Fatalf("events = %v", events)
	}
}

func TestTapSync(t *testing.T) {
	l := newLoop(t)
	var seen int
	g := future.Resolved(l, 3).Tap(func(v int) error { seen = v; return nil })
	if v := mustGet(t, g); v != 3 || seen != 3 {
		t.Fatalf("got %d, seen %d", v, seen)
	}
	bad := future.Resolved(l, 3).Tap(func(int) error { return errBoom })
	if _, err := get(t, bad); !errors.Is(err, errBoom) {
		t.Fatalf("tap error: %v", err)
	}
}

func TestTapPassesErrorsThrough(t *testing.T) {
	l := newLoop(t)
	called := false
	g := future.Rejected[int](l, errBoom).Tap(func(int) error { called = true; return nil })
	h := future.TapFuture(g, func(int) *future.Future[int] { called = true; return future.Resolved(l, 0) })
	if _, err := get(t, h); !errors.Is(err, errBoom) || called {
		t.Fatalf("err %v, called %v", err, called)
	}
	failing := future.TapFuture(future.Resolved(l, 1), func(int) *future.Future[int] {
		return future.Rejected[int](l, errBoom)
	})
	if _, err := get(t, failing); !errors.Is(err, errBoom) {
		t.Fatalf("tap's own error: %v", err)
	}
	nilTap := future.TapFuture(future.Resolved(l, 1), func(int) *future.Future[int] { return nil })
	if _, err := get(t, nilTap); !errors.Is(err, future.ErrNilFuture) {
		t.Fatalf("nil tap: %v", err)
	}
}

func TestFinally(t *testing.T) {
	l := newLoop(t)
	runs := 0
	ok := future.Resolved(l, 1).Finally(func() { runs++ })
	bad := future.Rejected[int](l, errBoom).Finally(func() { runs++ })
	if v := mustGet(t, ok); v != 1 {
		t.Fatalf("got %d", v)
	}
	if _, err := get(t, bad); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	if runs != 2 {
		t.Fatalf("finally ran %d times", runs)
	}
	panicky := future.Rejected[int](l, errBoom).Finally(func() { panic("finally") })
	_, err := get(t, panicky)
	var pe *future.PanicError
	if !errors.Is(err, errBoom) || !errors.As(err, &pe) {
		t.Fatalf("finally panic: %v", err)
	}
	// After a resolution there is nothing to join: the rejection is the
	// *PanicError itself, as documented.
	_, err = get(t, future.Resolved(l, 1).Finally(func() { panic("finally") }))
	if pe, ok := err.(*future.PanicError); !ok || pe.Value != "finally" || len(pe.Stack) == 0 {
		t.Fatalf("finally panic after a resolution: %#v", err)
	}
}

func TestPanicBecomesRejection(t *testing.T) {
	l := newLoop(t)
	g := future.Then(future.Resolved(l, 1), func(int) (int, error) { panic("kaboom") })
	_, err := get(t, g)
	var pe *future.PanicError
	if !errors.As(err, &pe) {
		t.Fatalf("got %T %v", err, err)
	}
	if pe.Value != "kaboom" || !strings.Contains(string(pe.Stack), "steps_test.go") {
		t.Fatalf("value %v, stack:\n%s", pe.Value, pe.Stack)
	}
	if pe.Unwrap() != nil {
		t.Fatal("Unwrap of a non-error panic")
	}
	h := future.Map(future.Resolved(l, 1), func(int) int { panic(errBoom) })
	if _, err := get(t, h); !errors.Is(err, errBoom) {
		t.Fatalf("panic(error) not unwrapped: %v", err)
	}
	var nilFn func(int) (int, error)
	if _, err := get(t, future.Then(future.Resolved(l, 1), nilFn)); !errors.As(err, &pe) {
		t.Fatalf("nil step: %v", err)
	}
}

func TestPanicInEveryStepKind(t *testing.T) {
	l := newLoop(t)
	ok, bad := future.Resolved(l, 1), future.Rejected[int](l, errBoom)
	boom := func() { panic("x") }
	fs := map[string]*future.Future[int]{
		"catch":       bad.Catch(func(error) (int, error) { boom(); return 0, nil }),
		"catchFuture": bad.CatchFuture(func(error) *future.Future[int] { boom(); return nil }),
		"tap":         ok.Tap(func(int) error { boom(); return nil }),
		"thenFuture":  future.ThenFuture(ok, func(int) *future.Future[int] { boom(); return nil }),
		"each":        future.Map(future.Each(l, []int{1}, func(int) *future.Future[int] { boom(); return nil }), func(struct{}) int { return 0 }),
		"reduce":      future.Reduce(l, []int{1}, 0, func(int, int) *future.Future[int] { boom(); return nil }),
	}
	for name, f := range fs {
		var pe *future.PanicError
		if _, err := get(t, f); !errors.As(err, &pe) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

type codeError struct{ code int }

func (e *codeError) Error() string { return fmt.Sprintf("code %d", e.code) }

func TestErrorIdentityThroughChains(t *testing.T) {
	l := newLoop(t)
	f, p := future.New[int](l)
	g := future.Then(f, func(v int) (string, error) { return "", nil })
	h := future.ThenFuture(g, func(string) *future.Future[int] { return future.Resolved(l, 1) })
	i := h.Tap(func(int) error { return nil }).Finally(func() {})
	j := future.All(i, future.Resolved(l, 2))
	k := future.Timeout(future.Map(j, func(v []int) int { return len(v) }), time.Minute)
	p.Reject(fmt.Errorf("layer: %w", &codeError{42}))
	_, err := get(t, k)
	var ce *codeError
	if !errors.As(err, &ce) || ce.code != 42 {
		t.Fatalf("errors.As lost the error: %v", err)
	}
	if !errors.Is(err, err) {
		t.Fatal("errors.Is")
	}
}

func TestErrorDelayedAcrossTurns(t *testing.T) {
	l := newLoop(t)
	start := l.turns.Load()
	g := future.ThenFuture(future.Resolved(l, 1), func(int) *future.Future[int] {
		f, p := future.New[int](l)
		l.Delay(time.Millisecond, func() {
			l.Post(func() { p.Reject(errBoom) }) // one more turn
		})
		return f
	})
	next := future.Map(g, func(v int) int { return v })
	_, err := get(t, next)
	if !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	if l.turns.Load()-start < 3 {
		t.Fatalf("error arrived in %d turns", l.turns.Load()-start)
	}
}

// TestPanicMidDrain: a step that panics is settled with the *PanicError
// by the drain that runs it, and the drain goes on with the rest of its
// work: the steps after the panic in the same chain, the other chains
// resolved in the same loop turn, and, for futures without executor, the
// rest of what the Resolve propagates (Resolve itself does not panic).
func TestPanicMidDrain(t *testing.T) {
	for _, name := range []string{"loop", "inline"} {
		t.Run(name, func(t *testing.T) {
			var exec future.Executor
			if name == "loop" {
				exec = newLoop(t)
			}
			var outs []*future.Future[int]
			var ps []*future.Promise[int]
			for range 4 {
				f, p := future.New[int](exec)
				ps = append(ps, p)
				g := future.Then(f, func(v int) (int, error) {
					if v%2 == 1 {
						panic(fmt.Sprint("odd ", v))
					}
					return v, nil
				})
				// The recovery runs after the panic, in the same drain.
				g = g.Catch(func(err error) (int, error) {
					var pe *future.PanicError
					if !errors.As(err, &pe) {
						return 0, err
					}
					return -1, nil
				})
				outs = append(outs, future.Map(g, func(v int) int { return v * 10 }))
			}
			resolveAll := func() {
				for i, p := range ps {
					if !p.Resolve(i) {
						t.Errorf("Resolve(%d) reported false", i)
					}
				}
			}
			if l, ok := exec.(*testLoop); ok {
				l.Do(resolveAll) // one loop turn: one drain runs every chain
			} else {
				resolveAll()
			}
			want := []int{0, -10, 20, -10}
			for i, f := range outs {
				if v := mustGet(t, f); v != want[i] {
					t.Errorf("chain %d: got %d, want %d", i, v, want[i])
				}
			}
			// Every kind of bare step, inline: the panic rejects it.
			ok, bad := future.Resolved(exec, 1), future.Rejected[int](exec, errBoom)
			boom := func() { panic("x") }
			fs := map[string]*future.Future[int]{
				"then":        future.Then(ok, func(int) (int, error) { boom(); return 0, nil }),
				"map":         future.Map(ok, func(int) int { boom(); return 0 }),
				"thenFuture":  future.ThenFuture(ok, func(int) *future.Future[int] { boom(); return nil }),
				"catch":       bad.Catch(func(error) (int, error) { boom(); return 0, nil }),
				"catchFuture": bad.CatchFuture(func(error) *future.Future[int] { boom(); return nil }),
				"tap":         ok.Tap(func(int) error { boom(); return nil }),
			}
			for kind, f := range fs {
				var pe *future.PanicError
				if _, err := get(t, f); !errors.As(err, &pe) || pe.Value != "x" {
					t.Errorf("%s: %v", kind, err)
				}
			}
		})
	}
}
