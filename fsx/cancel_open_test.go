package fsx

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A ReadFile or WriteFile cancelled after its open has completed, but
// before the loop has handed it the file, still closes the file. The
// loop is held until the cancel is queued right behind the open's result.
func TestCancelAfterOpenClosesFile(t *testing.T) {
	gc := debug.SetGCPercent(-1) // see TestOpenCancelledClosesFile
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	starts := map[string]func(l *eddy.Loop) *future.Future[struct{}]{
		"ReadFile": func(l *eddy.Loop) *future.Future[struct{}] {
			return future.Then(ReadFile(l, name), func([]byte) (struct{}, error) { return struct{}{}, nil })
		},
		"WriteFile": func(l *eddy.Loop) *future.Future[struct{}] {
			return WriteFile(l, name, []byte("data"), 0o644)
		},
	}
	for what, start := range starts {
		pool := eddy.NewPool(1)
		var got error
		runLoop(t, func(l *eddy.Loop) {
			f := start(l)
			f.OnSettle(func(_ struct{}, err error) { got = err })
			queued := make(chan struct{})
			// The single worker runs this after the open, which has
			// posted its result by then.
			pool.Go(func() {
				_ = l.Post(func() { f.Cancel(nil) })
				close(queued)
			})
			<-queued // hold the loop until both are queued
		}, eddy.WithPool(pool))
		pool.Close()
		if !errors.Is(got, future.ErrCanceled) {
			t.Errorf("%s: got %v, want a cancellation", what, got)
		}
	}
}
