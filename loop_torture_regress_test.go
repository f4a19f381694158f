package eddy_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Regressions found by TestLoopTorture, each shrunk to a deterministic
// case.

// The last callbacks of a loop run after it has closed (functions posted
// and ticks queued by exit callbacks), still on the loop goroutine.
// OnLoop said false there, so Shutdown called from one of them did not
// refuse with ErrOnLoop: it waited for the loop to end, from the loop,
// for ever.
func TestOnLoopInClosingCallbacks(t *testing.T) {
	leakcheck.Check(t)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	var posted, ticked, ran int
	l.OnExit(func() {
		if err := l.Post(func() {
			ran++
			if l.OnLoop() {
				posted++
			}
		}); err != nil {
			t.Errorf("Post from an exit callback: %v", err)
		}
		l.NextTick(func() {
			ran++
			if !l.OnLoop() {
				return // Shutdown would wait for the loop from the loop
			}
			ticked++
			if err := l.Shutdown(context.Background()); !errors.Is(err, eddy.ErrOnLoop) {
				t.Errorf("Shutdown on the closing loop: %v, want ErrOnLoop", err)
			}
		})
	})
	l.AfterFunc(0, func() {})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if ran != 2 {
		t.Fatalf("%d of 2 closing callbacks ran", ran)
	}
	if posted != 1 || ticked != 1 {
		t.Errorf("OnLoop false in a closing callback on the loop: posted function %v, tick %v", posted == 1, ticked == 1)
	}
	if l.OnLoop() {
		t.Error("OnLoop true after Run returned")
	}
}

// A timer's deadline is the loop's time plus d, which overflowed for a
// huge d (math.MaxInt64 as "never"): the timer fired at once, and a
// repeating one on every turn.
func TestTimerHugeDuration(t *testing.T) {
	leakcheck.Check(t)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	const never = time.Duration(math.MaxInt64)
	var fired []string
	l.AfterFunc(never, func() { fired = append(fired, "AfterFunc") }).Unref()
	l.Every(never, func() { fired = append(fired, "Every") }).Unref()
	r := l.AfterFunc(time.Millisecond, func() { fired = append(fired, "Reset") })
	r.Unref()
	r.Reset(never - time.Nanosecond)
	// Repeating every half of forever: its second deadline overflows.
	half := l.Every(never/2+1, func() { fired = append(fired, "Every half") })
	half.Unref()
	// A few turns, then the loop ends by itself (the others are unref'd).
	n := 0
	var step func()
	step = func() {
		if n++; n < 5 {
			l.AfterFunc(time.Millisecond, step)
		}
	}
	l.AfterFunc(0, step)
	// The loop used to sleep for days after an overflowed timer fired:
	// its deadline, far below the loop's time, made the time to sleep
	// overflow too, and the other timers never ran.
	var hung atomic.Bool
	dog := time.AfterFunc(5*time.Second, func() { hung.Store(true); l.Stop() })
	defer dog.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if hung.Load() {
		t.Errorf("loop still running after 5 s: its other timers did not run (%d of 5 steps)", n)
	}
	if len(fired) > 0 {
		t.Errorf("timers due in ~292 years fired: %d times, the first %v", len(fired), fired[:min(len(fired), 4)])
	}
}

// OnExit called from an exit callback registered a callback that never
// ran: teardown ranged over the callbacks of that time, then dropped the
// list.
func TestOnExitFromExitCallback(t *testing.T) {
	leakcheck.Check(t)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	var order []int
	l.OnExit(func() {
		order = append(order, 1)
		l.OnExit(func() {
			order = append(order, 3)
			l.OnExit(func() { order = append(order, 4) })
		})
	})
	l.OnExit(func() { order = append(order, 2) })
	l.AfterFunc(0, func() {})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(order) != "[1 2 3 4]" {
		t.Errorf("exit callbacks ran as %v, want [1 2 3 4]", order)
	}
}

// A loop stopped before Run tears down at once, and those callbacks ran
// before Run recorded its goroutine: OnLoop said false in them, and
// Shutdown called from an exit callback waited for the loop from the
// loop, for ever (found by review).
func TestOnLoopWhenStoppedBeforeRun(t *testing.T) {
	leakcheck.Check(t)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	onLoop := false
	l.OnExit(func() {
		if onLoop = l.OnLoop(); !onLoop {
			return // Shutdown would wait for the loop from the loop
		}
		if err := l.Shutdown(context.Background()); !errors.Is(err, eddy.ErrOnLoop) {
			t.Errorf("Shutdown from an exit callback: %v, want ErrOnLoop", err)
		}
	})
	l.Stop()
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if !onLoop {
		t.Error("OnLoop false in an exit callback of a loop stopped before Run")
	}
	if l.OnLoop() {
		t.Error("OnLoop true after Run returned")
	}
}

// An exit callback registered by a function that an exit callback posted
// (it runs after the loop has closed) was kept and never run (found by
// review).
func TestOnExitFromClosingPost(t *testing.T) {
	leakcheck.Check(t)
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	l.OnExit(func() {
		order = append(order, "exit")
		if err := l.Post(func() {
			order = append(order, "posted")
			l.OnExit(func() { order = append(order, "exit from posted") })
		}); err != nil {
			t.Errorf("Post from an exit callback: %v", err)
		}
	})
	l.AfterFunc(0, func() {})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(order) != "[exit posted exit from posted]" {
		t.Errorf("closing callbacks ran as %v, want [exit posted exit from posted]", order)
	}
}
