package leakcheck

import (
	"errors"
	"fmt"
	"strings"
)

// ErrGoroutineLeak is matched by a [*LeakError] that found goroutines left
// running. Test with errors.Is.
var ErrGoroutineLeak = errors.New("leakcheck: goroutine leak")

// ErrFDLeak is matched by a [*LeakError] that found more open file
// descriptors than the snapshot had. Test with errors.Is.
var ErrFDLeak = errors.New("leakcheck: file descriptor leak")

// LeakError describes what [Snapshot.Verify] found still there when its
// timeout ran out. It matches [ErrGoroutineLeak] and/or [ErrFDLeak] with
// errors.Is.
type LeakError struct {
	// Goroutines holds the stack trace of each leaked goroutine.
	Goroutines []string
	// FDsBefore and FDsAfter are the open descriptor counts at the snapshot
	// and at the last check. Both are zero when descriptors are not counted.
	FDsBefore, FDsAfter int
	// NewFDs describes descriptors open now that were not open (or pointed
	// elsewhere) at the snapshot, as "fd N -> target".
	NewFDs []string
}

// Error returns a summary followed by the leaked goroutines' stacks and the
// new descriptors.
func (e *LeakError) Error() string {
	var b strings.Builder
	var parts []string
	if len(e.Goroutines) > 0 {
		parts = append(parts, fmt.Sprintf("%d goroutine(s) leaked", len(e.Goroutines)))
	}
	if e.FDsAfter > e.FDsBefore {
		parts = append(parts, fmt.Sprintf("open file descriptors grew from %d to %d", e.FDsBefore, e.FDsAfter))
	}
	b.WriteString("leakcheck: ")
	b.WriteString(strings.Join(parts, "; "))
	for _, g := range e.Goroutines {
		b.WriteString("\n\n")
		b.WriteString(g)
	}
	if len(e.NewFDs) > 0 {
		b.WriteString("\n\nnew file descriptors:")
		for _, fd := range e.NewFDs {
			b.WriteString("\n  ")
			b.WriteString(fd)
		}
	}
	return b.String()
}

// Unwrap returns the sentinels that apply: [ErrGoroutineLeak],
// [ErrFDLeak] or both.
func (e *LeakError) Unwrap() []error {
	var errs []error
	if len(e.Goroutines) > 0 {
		errs = append(errs, ErrGoroutineLeak)
	}
	if e.FDsAfter > e.FDsBefore {
		errs = append(errs, ErrFDLeak)
	}
	return errs
}
