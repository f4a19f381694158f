package leakcheck

import (
	"fmt"
	"sync"
	"testing"
)

// recorder is a testing.TB that records failures and cleanups instead of
// acting on them, so a test can check that Check fails a test.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	failures []any
	cleanups []func()
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(args) == 1 {
		r.failures = append(r.failures, args[0])
	} else {
		r.failures = append(r.failures, fmt.Sprint(args...))
	}
}

func (r *recorder) Errorf(format string, args ...any) { r.Error(fmt.Sprintf(format, args...)) }

func (r *recorder) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// finish runs the recorded cleanups, last first, as testing does.
func (r *recorder) finish() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}
