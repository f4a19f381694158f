//go:build unix

package fsx

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A file whose open completes after its loop has stopped is closed, not
// leaked: nobody is left to receive it. Opening a FIFO for reading
// without O_NONBLOCK (OpenFile; Open refuses one) blocks until a writer
// opens it, which holds the open in the worker pool while the loop stops.
func TestOpenLoopStoppedClosesFile(t *testing.T) {
	gc := debug.SetGCPercent(-1) // see TestOpenCancelledClosesFile
	t.Cleanup(func() { debug.SetGCPercent(gc) })
	leakcheck.Check(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := eddy.New()
	if err != nil {
		t.Fatal(err)
	}
	l.NextTick(func() {
		OpenFile(l, fifo, os.O_RDONLY, 0).OnSettle(func(f *File, err error) {
			t.Errorf("the open settled on a stopped loop: %v %v", f, err)
		})
		l.Stop()
	})
	if err := l.Run(); err != nil {
		t.Fatal(err)
	}
	// The loop has stopped; now let the open finish.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
}
