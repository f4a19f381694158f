//go:build linux || darwin || freebsd || dragonfly || netbsd || openbsd

package eddy

import (
	"context"
	"errors"
	"sync"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Stopping a loop with a child still running, whose owner set only
// OnExit and never asked for Wait's future, reports no unhandled
// rejection: nobody asked for the future, so nobody lost its error. The
// child is left running, as documented, and reaped once it exits.
func TestSpawnLoopStoppedNoUnhandledRejection(t *testing.T) {
	testSpawnLoopStopped(t)
}

func testSpawnLoopStopped(t *testing.T) {
	leakcheck.Check(t)
	var mu sync.Mutex
	var reports []error
	prev := future.SetUnhandledRejectionHandler(func(err error) {
		mu.Lock()
		reports = append(reports, err)
		mu.Unlock()
	})
	defer future.SetUnhandledRejectionHandler(prev)
	l := newLoop(t)
	exits := 0
	p, err := l.Spawn(ProcessOptions{
		Path:   "/bin/sleep",
		Args:   []string{"sleep", "10"},
		OnExit: func(*Process, ExitStatus) { exits++ },
	})
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(l.Stop)
	run(t, l)
	mu.Lock()
	got := reports
	mu.Unlock()
	if len(got) != 0 {
		t.Errorf("unhandled rejections reported: %v", got)
	}
	if exits != 0 {
		t.Errorf("OnExit ran %d times for a child still running", exits)
	}
	// Wait asked for afterwards still tells that the loop stopped.
	if _, err := p.Wait().Await(context.Background()); !errors.Is(err, ErrLoopStopped) {
		t.Errorf("Wait after the stop: %v, want ErrLoopStopped", err)
	}
	// The child was left running: it is still there to be killed. Once
	// it dies, the loop's goroutine reaps it (leakcheck sees that
	// goroutine end), so no zombie is left.
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("the child was not left running: %v", err)
	}
}

// Wait asked for only once the process has exited, as it now makes its
// future on demand, resolves with the exit status.
func TestSpawnWaitAfterExit(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var inExit ExitStatus
	var inExitErr error
	p, err := l.Spawn(ProcessOptions{
		Path: "/bin/sh",
		Args: []string{"sh", "-c", "exit 3"},
		OnExit: func(p *Process, _ ExitStatus) {
			p.Wait().OnSettle(func(st ExitStatus, err error) { inExit, inExitErr = st, err })
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if inExitErr != nil || inExit.Code != 3 {
		t.Errorf("Wait from OnExit: %v %v, want exit status 3", inExit, inExitErr)
	}
	st, err := p.Wait().Await(context.Background())
	if err != nil || st.Code != 3 {
		t.Errorf("Wait after the loop ended: %v %v, want exit status 3", st, err)
	}
}
