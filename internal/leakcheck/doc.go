// Package leakcheck finds goroutines and file descriptors that a test leaves
// behind.
//
// Call [Check] first thing in a test. It records the goroutines and open file
// descriptors of the process, and when the test ends (at cleanup time, after
// every cleanup registered later, such as a server stop or a Close) it checks
// that no goroutine started during the test is still running and that the
// number of open file descriptors did not grow:
//
//	func TestConnCloses(t *testing.T) {
//		leakcheck.Check(t)
//		c := dial(t)
//		t.Cleanup(func() { c.Close() })
//		...
//	}
//
// Closing is often asynchronous (a reader goroutine notices the close a
// moment later), so the check retries for up to two seconds
// ([DefaultTimeout]; the [Timeout] option changes it) before it reports the leftover goroutines' stacks and the new descriptors.
//
// [Main] does the same for a whole test binary from TestMain, and [Take]
// with [Snapshot.Verify] is the building block both use.
//
// # What is compared
//
// Goroutines are told apart by id, so a goroutine that existed before the
// snapshot is never reported, and one started during the test is reported
// unless its stack matches an ignore pattern: the os/signal loop, goroutines
// created by the runtime, the process spawner of internal/testenv, and
// anything passed to [Ignore]. File descriptors are counted; a test may close
// one descriptor and open another. New descriptors are listed by what they
// point to, to help find them.
//
// The process is global state: tests that run at the same time see each
// other's goroutines and descriptors. Do not use leakcheck in a test that
// calls t.Parallel, nor while any parallel test of the same binary runs.
//
// # Portability
//
// Descriptor counting reads /proc/self/fd and so works on Linux only;
// elsewhere only goroutines are checked.
package leakcheck
