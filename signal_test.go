//go:build unix

package eddy

import (
	"os"
	"syscall"
	"testing"

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
