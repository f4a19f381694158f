//go:build unix

package fsx

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Open, ReadFile and WriteFile expect a regular file. A named pipe with
// no writer (or, for WriteFile, no reader) used to hold a worker in
// open(2) until one came (forever, for a FIFO left in a directory being
// read); it is refused at once instead, with an error that says why, and
// no descriptor is left open.
func TestOpenAndReadFileRefuseFIFO(t *testing.T) {
	leakcheck.Check(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Before the fix the opens below never finished: once the loop has
	// given up, a writer that opens and closes the FIFO at once releases
	// them, so the workers end and the test can report.
	t.Cleanup(func() {
		for range 2 {
			if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
			r.Close()
		}
	})
	var errs []error
	runLoop(t, func(l *eddy.Loop) {
		get(t, Open(l, fifo), func(f *File, err error) {
			if f != nil {
				f.Close()
			}
			errs = append(errs, err)
		})
		get(t, ReadFile(l, fifo), func(_ []byte, err error) { errs = append(errs, err) })
	})
	if len(errs) != 2 {
		t.Fatalf("%d of 2 reading operations settled: a FIFO blocked a worker", len(errs))
	}
	// Apart: a reader and a writer opening together would release each
	// other.
	runLoop(t, func(l *eddy.Loop) {
		get(t, WriteFile(l, fifo, []byte("x"), 0o644), func(_ struct{}, err error) { errs = append(errs, err) })
	})
	if len(errs) != 3 {
		t.Fatal("WriteFile did not settle: a FIFO blocked a worker")
	}
	for _, err := range errs {
		var pe *fs.PathError
		if !errors.Is(err, ErrNotRegular) || !errors.As(err, &pe) || pe.Path != fifo {
			t.Errorf("got %v (%T), want an *fs.PathError for %s matching ErrNotRegular", err, err, fifo)
		}
	}
}

// ReadFile refuses a device too: its contents are not a file's (a
// read of /dev/zero never ends). A directory still fails as the system
// says (EISDIR), and a regular file under /proc, whose size reads as 0,
// is read in full.
func TestReadFileKinds(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	var devErr, dirErr error
	var self []byte
	_, perr := os.Stat("/proc/self/status")
	hasProc := perr == nil
	runLoop(t, func(l *eddy.Loop) {
		get(t, ReadFile(l, os.DevNull), func(_ []byte, err error) { devErr = err })
		get(t, ReadFile(l, dir), func(_ []byte, err error) { dirErr = err })
		if hasProc {
			get(t, ReadFile(l, "/proc/self/status"), func(b []byte, err error) {
				if err != nil {
					t.Errorf("/proc/self/status: %v", err)
				}
				self = b
			})
		}
	})
	if !errors.Is(devErr, ErrNotRegular) {
		t.Errorf("%s: %v, want ErrNotRegular", os.DevNull, devErr)
	}
	if !errors.Is(dirErr, syscall.EISDIR) {
		t.Errorf("directory: %v, want EISDIR", dirErr)
	}
	if hasProc && len(self) == 0 {
		t.Error("/proc/self/status read as empty")
	}
}
