package fsx

import (
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// stopWithStepQueued runs start on a loop whose pool has one worker, and
// stops the loop while the step start's operation queues after its open
// is waiting in the pool: a job queued behind the open holds the worker
// until that step is queued, stops the loop, and lets the step run only
// once the loop has closed, so its result can no longer be delivered.
func stopWithStepQueued(t *testing.T, start func(l *eddy.Loop) *future.Future[struct{}]) {
	t.Helper()
	pool := eddy.NewPool(1)
	l, err := eddy.New(eddy.WithPool(pool))
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	l.NextTick(func() {
		start(l).OnSettle(func(_ struct{}, err error) {
			t.Errorf("settled on a stopped loop: %v", err)
		})
		// Queued behind the open, which has the worker first.
		pool.Go(func() {
			for pool.Pending() == 0 { // the step after the open
				runtime.Gosched()
			}
			l.Stop()
			<-closed
		})
	})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	close(closed)
	pool.Close() // the queued step still runs, then the worker exits
}

// ReadFile's file is closed when the loop stops with a read in the pool:
// the read's callback, which would close it, never runs.
func TestReadFileLoopStoppedClosesFile(t *testing.T) {
	gc := debug.SetGCPercent(-1) // see TestOpenCancelledClosesFile
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	stopWithStepQueued(t, func(l *eddy.Loop) *future.Future[struct{}] {
		return future.Then(ReadFile(l, name), func([]byte) (struct{}, error) { return struct{}{}, nil })
	})
}

// WriteFile's file is closed when the loop stops with the write in the
// pool.
func TestWriteFileLoopStoppedClosesFile(t *testing.T) {
	gc := debug.SetGCPercent(-1) // see TestOpenCancelledClosesFile
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "f")
	stopWithStepQueued(t, func(l *eddy.Loop) *future.Future[struct{}] {
		return WriteFile(l, name, []byte("data"), 0o644)
	})
}
