//go:build windows

package eddy

import (
	"os"
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
