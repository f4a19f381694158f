package eddy

import (
	"fmt"
	"runtime/debug"
	"sync"
)

// Pool is a bounded pool of worker goroutines for blocking work: file
// system calls, CPU-heavy steps, or code that was not written for a loop.
// Workers start on demand, up to the bound, and the queue of waiting jobs
// is unbounded, so submitting never blocks a loop. Safe for concurrent
// use.
type Pool struct {
	mu      sync.Mutex
	cond    sync.Cond
	jobs    []poolJob
	head    int
	max     int
	workers int
	idle    int
	closed  bool
}

// poolJob is a queued job: fn, or dfn for one that may leave the pool.
type poolJob struct {
	fn  func()
	dfn func(detach func())
}

// NewPool returns a pool of at most n workers (at least 1).
func NewPool(n int) *Pool {
	if n < 1 {
		n = 1
	}
	p := &Pool{max: n}
	p.cond.L = &p.mu
	return p
}

// Go queues fn to run on a worker. It reports false, without running fn,
// once the pool is closed.
func (p *Pool) Go(fn func()) bool { return p.queue(poolJob{fn: fn}) }

// goDetachable is Go for a job that may leave the pool (see
// WorkDetachable).
func (p *Pool) goDetachable(fn func(detach func())) bool { return p.queue(poolJob{dfn: fn}) }

// queue queues j and wakes or starts a worker for it, or reports false
// once the pool is closed.
func (p *Pool) queue(j poolJob) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.jobs = append(p.jobs, j)
	if p.idle > 0 {
		p.cond.Signal()
	} else if p.workers < p.max {
		p.workers++
		go p.work()
	}
	return true
}

func (p *Pool) work() {
	p.mu.Lock()
	for {
		for p.head == len(p.jobs) && !p.closed {
			p.idle++
			p.cond.Wait()
			p.idle--
		}
		if p.head == len(p.jobs) {
			p.workers--
			p.mu.Unlock()
			return
		}
		j := p.jobs[p.head]
		p.jobs[p.head] = poolJob{}
		p.head++
		if p.head == len(p.jobs) {
			p.jobs, p.head = p.jobs[:0], 0
		}
		p.mu.Unlock()
		if j.dfn == nil {
			j.fn()
			p.mu.Lock()
			continue
		}
		left := false
		j.dfn(func() { p.detach(&left) })
		p.mu.Lock()
		if left {
			// The job gave this worker's place back: another worker
			// has it, and this goroutine ends with the job.
			p.mu.Unlock()
			return
		}
	}
}

// detach gives the place of the worker running a job back to the pool,
// once (*left records it): the job goes on as a plain goroutine, and a
// new worker starts if jobs are waiting for one.
func (p *Pool) detach(left *bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if *left {
		return
	}
	*left = true
	p.workers--
	if len(p.jobs) > p.head && p.idle == 0 && p.workers < p.max {
		p.workers++
		go p.work()
	}
}

// Close stops the pool: jobs already queued still run, then the workers
// exit. Go fails afterwards.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Pending returns the number of queued jobs not yet started.
func (p *Pool) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.jobs) - p.head
}

func (l *Loop) workPool() *Pool {
	if l.pool == nil {
		l.pool = NewPool(l.cfg.workers)
	}
	return l.pool
}

// Work runs fn in the loop's worker pool and then done, with fn's result,
// on the loop. A panic in fn becomes an error matching ErrPanic. Pending
// work keeps the loop alive. If the loop has stopped by the time fn
// returns, done does not run, and the result is dropped: use WorkOwned
// when it holds something that must be released. Loop-only.
func Work[T any](l *Loop, fn func() (T, error), done func(T, error)) {
	work(l, fn, done, nil)
}

// WorkOwned is Work for a result that owns a resource, such as an open
// file: if the loop has stopped by the time fn returns, so that done
// cannot run, release is called with the result instead, on the worker
// goroutine (only when fn returned no error). Loop-only.
func WorkOwned[T any](l *Loop, fn func() (T, error), done func(T, error), release func(T)) {
	if release == nil {
		work(l, fn, done, nil)
		return
	}
	work(l, fn, done, func(v T, err error) {
		if err == nil {
			release(v)
		}
	})
}

// WorkDetachable is Work for a function that may turn into a long-lived
// task, such as a net/http handler that has taken over its connection
// (httpserver.Std's Hijack): fn gets detach, which, called from fn, gives
// its worker's place in the pool back at once (another worker may start
// on the queued work) while fn goes on as a plain goroutine. done still
// runs, and the work still keeps the loop alive, when fn returns. Calls
// of detach after the first do nothing. Loop-only.
func WorkDetachable[T any](l *Loop, fn func(detach func()) (T, error), done func(T, error)) {
	l.refs++
	l.stats.pendingWork.Add(1)
	ok := l.workPool().goDetachable(func(detach func()) {
		v, err := runGuarded(func() (T, error) { return fn(detach) })
		finishWork(l, v, err, done, nil)
	})
	if !ok {
		workRefused(l, done)
	}
}

// work runs fn in the pool and done on the loop, or lost on the worker
// when the loop has closed and done cannot run.
func work[T any](l *Loop, fn func() (T, error), done, lost func(T, error)) {
	l.refs++
	l.stats.pendingWork.Add(1)
	ok := l.workPool().Go(func() {
		v, err := runGuarded(fn)
		finishWork(l, v, err, done, lost)
	})
	if !ok {
		workRefused(l, done)
	}
}

// finishWork takes a worker's result to done on l, or to lost, on the
// worker, when the loop has closed. Any goroutine.
func finishWork[T any](l *Loop, v T, err error, done, lost func(T, error)) {
	if l.Post(func() {
		l.refs--
		l.stats.pendingWork.Add(-1)
		done(v, err)
	}) != nil {
		l.stats.pendingWork.Add(-1) // dropped: no longer pending
		if lost != nil {
			lost(v, err)
		}
	}
}

// workRefused undoes the accounting of work the closed pool refused and
// fails it with ErrLoopClosed on the next tick. Loop-only.
func workRefused[T any](l *Loop, done func(T, error)) {
	l.refs--
	l.stats.pendingWork.Add(-1)
	var zero T
	l.NextTick(func() { done(zero, ErrLoopClosed) })
}

func runGuarded[T any](fn func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return fn()
}

// PanicError is the error of work or a handler that panicked. It matches
// ErrPanic with errors.Is, and unwraps to the panic value when that is an
// error.
type PanicError struct {
	Value any
	Stack []byte
}

// Error describes the failure.
func (e *PanicError) Error() string { return fmt.Sprintf("eddy: panic: %v", e.Value) }

// Unwrap returns ErrPanic and, if the panic value is an error, that error.
func (e *PanicError) Unwrap() []error {
	if err, ok := e.Value.(error); ok {
		return []error{ErrPanic, err}
	}
	return []error{ErrPanic}
}
