//go:build windows

package eddy

import (
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/windows"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A console control event (CTRL_BREAK here, which reaches only this
// process group) arrives as os.Interrupt, through os/signal.
func TestSignalConsoleCtrl(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	got := 0
	var s *Signal
	s, err := l.Signal(os.Interrupt, func(sig os.Signal) {
		if sig == os.Interrupt {
			got++
		}
		s.Stop()
	})
	if err != nil {
		t.Fatal(err)
	}
	var genErr error
	l.NextTick(func() {
		genErr = windows.GenerateConsoleCtrlEvent(windows.CTRL_BREAK_EVENT, 0)
		if genErr != nil {
			s.Stop()
		}
	})
	dog := time.AfterFunc(3*time.Second, func() { l.Post(func() { s.Stop() }) })
	defer dog.Stop()
	run(t, l)
	if genErr != nil {
		t.Skipf("no console to send a control event to (Wine with piped output has none): %v", genErr)
	}
	if got != 1 {
		t.Fatalf("handler ran %d times", got)
	}
	if n := l.Stats().Signals; n != 0 {
		t.Fatalf("%d signal handlers left", n)
	}
}

// SIGKILL (os.Kill) is what Process.Kill sends, and nothing ever delivers
// it (nor a nil signal, or signal 0): Signal refuses it rather than
// adding a handle that would keep the loop alive for ever.
func TestSignalRefusesKill(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	for _, sig := range []os.Signal{syscall.SIGKILL, os.Kill, nil, syscall.Signal(0)} {
		s, err := l.Signal(sig, func(os.Signal) { t.Errorf("handler of %v ran", sig) })
		if !errors.Is(err, ErrUncatchableSignal) {
			t.Errorf("Signal(%v) = %v, %v; want ErrUncatchableSignal", sig, s, err)
		}
		if s != nil {
			s.Stop()
		}
	}
	run(t, l)
	if n := l.Stats().Signals; n != 0 {
		t.Fatalf("%d signal handlers left", n)
	}
}
