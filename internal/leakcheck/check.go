package leakcheck

import (
	"fmt"
	"os"
	"testing"
)

// Check takes a [Snapshot] now and verifies it when the test ends, failing
// the test (with t.Error) if goroutines or file descriptors leaked. Call it
// at the start of the test, before anything that registers cleanups, so
// that its check runs after them. It must not be used in a test that calls
// t.Parallel (see the package documentation).
func Check(t testing.TB, opts ...Option) {
	t.Helper()
	s := Take(opts...)
	t.Cleanup(func() {
		if err := s.Verify(); err != nil {
			t.Error(err)
		}
	})
}

// Main runs the tests of m and then verifies that they left no goroutines
// or file descriptors behind, compared to before the first test; it exits
// with the tests' status, or 1 if they passed but leaked. Use it as
//
//	func TestMain(m *testing.M) { leakcheck.Main(m) }
//
// It checks nothing when the tests failed, since a failed test often leaves
// things open.
func Main(m *testing.M, opts ...Option) {
	code, err := run(m, opts)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%v\nFAIL: leaks after all tests\n", err)
	}
	os.Exit(code)
}

// runner is the part of *testing.M that Main uses.
type runner interface{ Run() int }

// run is Main without the exit.
func run(m runner, opts []Option) (int, error) {
	s := Take(opts...)
	code := m.Run()
	if code != 0 {
		return code, nil
	}
	if err := s.Verify(); err != nil {
		return 1, err
	}
	return 0, nil
}
