package future

import "time"

// Executor is where a future's callbacks run: an event loop goroutine.
// *eddy.Loop implements it. A future created with a nil Executor runs its
// callbacks inline, on whichever goroutine settles it.
type Executor interface {
	// Post queues fn to run on the executor's goroutine. It is safe for
	// concurrent use. It returns an error (and never runs fn) once the
	// executor has stopped.
	Post(fn func()) error
	// OnLoop reports whether the calling goroutine is the executor's own.
	OnLoop() bool
	// Delay runs fn on the executor's goroutine after d, unless cancel is
	// called first. It must be called on the executor's goroutine.
	Delay(d time.Duration, fn func()) (cancel func())
}
