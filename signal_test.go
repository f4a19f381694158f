//go:build unix

package eddy

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestSignalAddRemove(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	got := 0
	var s1, s2 *Signal
	s1, err := l.Signal(syscall.SIGUSR1, func(os.Signal) {
		got++
		s1.Stop()
		// Removing one of two handlers keeps the other.
		syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	})
	if err != nil {
		t.Fatal(err)
	}
	second := 0
	s2, _ = l.Signal(syscall.SIGUSR1, func(os.Signal) {
		second++
		if second == 2 {
			s2.Stop()
		}
	})
	l.NextTick(func() { syscall.Kill(os.Getpid(), syscall.SIGUSR1) })
	run(t, l)
	if got != 1 || second != 2 {
		t.Fatalf("first handler ran %d times, second %d", got, second)
	}
	if n := l.Stats().Signals; n != 0 {
		t.Fatalf("%d signal handlers left", n)
	}
}

// waitPosted spins on the loop until at least n functions are posted to
// it, failing the test if that takes more than a few seconds.
func waitPosted(t *testing.T, l *Loop, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for l.Stats().Posted < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d functions posted, want %d", l.Stats().Posted, n)
		}
		runtime.Gosched()
	}
}

// A signal that reached a handler already stopped is not delivered to a
// handler added afterwards for the same signal.
func TestSignalNotDeliveredToLaterHandler(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	first, second := 0, 0
	l.NextTick(func() {
		s1, err := l.Signal(syscall.SIGUSR2, func(os.Signal) { first++ })
		if err != nil {
			t.Fatal(err)
		}
		syscall.Kill(os.Getpid(), syscall.SIGUSR2)
		waitPosted(t, l, 1) // its delivery waits in the loop's queue
		s1.Stop()
		var s2 *Signal
		s2, _ = l.Signal(syscall.SIGUSR2, func(os.Signal) {
			second++
			l.NextTick(s2.Stop)
		})
		syscall.Kill(os.Getpid(), syscall.SIGUSR2)
		waitPosted(t, l, 2) // the second signal's delivery too
	})
	run(t, l)
	if first != 0 || second != 1 {
		t.Fatalf("first handler ran %d times, second %d; want 0 and 1", first, second)
	}
}
