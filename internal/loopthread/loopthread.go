// Package loopthread records which goroutines are running an eddy loop, so
// that code such as future.Await can refuse to block a loop goroutine.
//
// A goroutine is named by the address of its runtime descriptor (read with
// a few instructions of assembly on amd64 and arm64) or, elsewhere, by the
// id in its stack header. Either names one goroutine for its whole life,
// whether or not it is locked to an OS thread.
package loopthread

import (
	"sync"
	"sync/atomic"
)

var (
	active  atomic.Int32
	threads sync.Map // thread id -> struct{}
)

// Enter marks the calling goroutine as a loop goroutine. It returns the id
// to pass to Leave.
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

// Current returns an identifier of the calling goroutine, unique among the
// goroutines alive at the same time.
func Current() uint64 { return current() }
