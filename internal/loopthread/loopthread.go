// Package loopthread records which OS threads are running an eddy loop, so
// that code such as future.Await can refuse to block a loop goroutine.
//
// A loop goroutine locks itself to its OS thread for the whole of Run, and a
// locked thread runs no other goroutine, so "the current thread belongs to a
// loop" is the same as "the current goroutine is a loop goroutine".
package loopthread

import (
	"sync"
	"sync/atomic"
)

var (
	active  atomic.Int32
	threads sync.Map // thread id -> struct{}
)

// Enter marks the calling goroutine, which must be locked to its OS thread,
// as a loop goroutine. It returns the id to pass to Leave.
func Enter() uint64 {
	id := current()
	threads.Store(id, struct{}{})
	active.Add(1)
	return id
}

// Leave undoes Enter.
func Leave(id uint64) {
	threads.Delete(id)
	active.Add(-1)
}

// OnLoop reports whether the calling goroutine is running an eddy loop.
// It costs one atomic load when no loop is running.
func OnLoop() bool {
	if active.Load() == 0 {
		return false
	}
	_, ok := threads.Load(current())
	return ok
}

// Current returns an identifier of the calling thread (on systems with a
// cheap thread id) or goroutine. It is stable while the caller stays locked
// to its OS thread.
func Current() uint64 { return current() }
