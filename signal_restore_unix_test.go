//go:build unix

package eddy

import (
	"os"
	"os/signal"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A loop that ends, with its handler of a signal, leaves a channel the
// program subscribed to that signal itself with signal.Notify receiving
// it.
func TestSignalLoopEndKeepsProgramsNotify(t *testing.T) {
	leakcheck.Check(t)
	mine := make(chan os.Signal, 1)
	signal.Notify(mine, syscall.SIGUSR1)
	defer signal.Stop(mine)
	l := newLoop(t)
	got := 0
	var s *Signal
	s, err := l.Signal(syscall.SIGUSR1, func(os.Signal) { got++; s.Stop() })
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(func() { syscall.Kill(os.Getpid(), syscall.SIGUSR1) })
	run(t, l) // ends once the handler has run and stopped
	if got != 1 {
		t.Fatalf("loop handler ran %d times, want 1", got)
	}
	<-mine // the program's copy of that signal
	// No loop watches the signal now. Had the loop's end dropped the
	// program's subscription, the default action would kill the test.
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	<-mine
}
