package eddy

import (
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A zero-delay timer that starts itself again from its own callback fires
// once per loop turn; it must not hold the loop inside one timer pass.
func TestTimerRestartedByItselfWaitsForNextTurn(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	const n = 50
	var turns []uint64
	ticked := 0
	var tm *Timer
	tm = l.AfterFunc(0, func() {
		turns = append(turns, l.iterations)
		l.NextTick(func() { ticked++ })
		if len(turns) < n {
			tm.Reset(0)
		}
	})
	run(t, l)
	if len(turns) != n {
		t.Fatalf("timer fired %d times, want %d", len(turns), n)
	}
	for i := 1; i < n; i++ {
		if turns[i] == turns[i-1] {
			t.Fatalf("fires %d and %d ran in the same turn (%d)", i-1, i, turns[i])
		}
	}
	// Each fire's next-tick callback ran before the next fire.
	if ticked != n {
		t.Fatalf("%d next-tick callbacks ran, want %d", ticked, n)
	}
}

// The same for a new timer started from a callback: it fires on a later
// turn, and timers due before it still fire in this one.
func TestTimerStartedInPassFiresNextTurn(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var order []string
	var firstTurn, newTurn uint64
	l.AfterFunc(0, func() {
		order = append(order, "a")
		firstTurn = l.iterations
		l.AfterFunc(0, func() { order = append(order, "new"); newTurn = l.iterations })
	})
	l.AfterFunc(0, func() { order = append(order, "b") })
	run(t, l)
	if len(order) != 3 || order[0] != "a" || order[1] != "b" || order[2] != "new" {
		t.Fatalf("order = %v", order)
	}
	if newTurn == firstTurn {
		t.Fatalf("timer started in a pass fired in the same turn %d", newTurn)
	}
}

// Reset with d <= 0 keeps a repeating timer repeating, as Every does.
func TestResetRepeatingTimerNonPositive(t *testing.T) {
	leakcheck.Check(t)
	for _, d := range []time.Duration{0, -time.Second} {
		l := newLoop(t)
		count := 0
		var tk *Timer
		tk = l.Every(time.Hour, func() {
			count++
			if count == 3 {
				tk.Stop()
			}
		})
		tk.Reset(d)
		if tk.period <= 0 {
			t.Fatalf("Reset(%v) made the timer one-shot", d)
		}
		guard := l.AfterFunc(5*time.Second, func() { tk.Stop() })
		guard.Unref()
		run(t, l)
		if count != 3 {
			t.Fatalf("Reset(%v): timer fired %d times, want 3", d, count)
		}
	}
}
