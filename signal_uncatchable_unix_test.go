//go:build unix

package eddy

import (
	"errors"
	"os"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// SIGKILL and SIGSTOP never reach a handler (nor does a nil signal, or
// signal 0), so Signal refuses them rather than adding a handle that
// would keep the loop alive for ever; the loop then ends at once, as it
// has nothing else to do.
func TestSignalRefusesUncatchable(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	for _, sig := range []os.Signal{syscall.SIGKILL, syscall.SIGSTOP, os.Kill, nil, syscall.Signal(0)} {
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
