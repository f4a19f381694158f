package timerload

import (
	"errors"
	"testing"
	"time"
)

func TestPlanIsDeterministicAndBounded(t *testing.T) {
	cfg := Config{N: 1000, MaxDelay: time.Millisecond, Seed: 7}
	a, b := cfg.plan(), cfg.plan()
	for range cfg.N {
		x, y := a.next(), b.next()
		if x != y {
			t.Fatalf("same seed, different delays %v and %v", x, y)
		}
		if x < 0 || x >= cfg.MaxDelay {
			t.Fatalf("delay %v outside [0, %v)", x, cfg.MaxDelay)
		}
	}
	if a.deadline.IsZero() {
		t.Fatal("deadline not tracked")
	}
}

func TestRunStd(t *testing.T) {
	res, err := RunStd(Config{N: 2000, MaxDelay: 20 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 2000 {
		t.Fatalf("%d timers fired, want 2000", res.N)
	}
	if res.Overshoot < 0 {
		t.Fatalf("last timer fired %v before the latest deadline", -res.Overshoot)
	}
}

func TestBadConfig(t *testing.T) {
	for _, c := range []Config{{N: 0, MaxDelay: time.Second}, {N: 1}} {
		if _, err := RunStd(c); !errors.Is(err, ErrBadConfig) {
			t.Errorf("RunStd(%+v) error = %v, want ErrBadConfig", c, err)
		}
	}
}

func TestRunEddy(t *testing.T) {
	res, err := RunEddy(Config{N: 2000, MaxDelay: 20 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.N != 2000 {
		t.Fatalf("%d timers fired, want 2000", res.N)
	}
}
