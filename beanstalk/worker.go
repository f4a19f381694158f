package beanstalk

import (
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// Handler processes one job, on the worker's loop. It must not block: it
// starts the work (with eddy.Submit for blocking code, or other futures)
// and returns a future that resolves once the job is done; it may belong
// to any executor, or none, since the worker waits for it on its own loop.
// A rejected future, or a panic, is a failure (see
// WorkerOptions.OnFailure).
type Handler func(job Job) *future.Future[struct{}]

// Failure says what to do with a job whose handler failed: release it
// (with Priority and after Delay) or, if Bury is set, bury it (with
// Priority).
type Failure struct {
	Bury     bool
	Priority uint32
	Delay    time.Duration
}

// WorkerOptions configure a Worker. The zero value is ready to use.
type WorkerOptions struct {
	// Options configure the worker's own connection; Watch is the list
	// of tubes to take jobs from.
	Options
	// Concurrency bounds the jobs handled at once (default 1).
	Concurrency int
	// OnFailure decides the fate of a failed job. The default releases
	// it with DefaultPriority after one second, as is done, and the panic
	// reported to OnError, if OnFailure panics.
	OnFailure func(job Job, err error) Failure
	// TouchEvery, if positive, touches each running job at this interval.
	// Zero touches automatically: a job still running after half a second
	// has its TTR looked up (stats-job) and is touched every half TTR.
	TouchEvery time.Duration
	// PollInterval is how long to wait before asking again when the tubes
	// were empty while jobs were running (default 100ms). With no job
	// running, the worker waits on the server instead (reserve with a
	// timeout), so that a new job starts at once.
	PollInterval time.Duration
	// OnError, if set, is told on the loop of failures that have no other
	// caller: a reserve, delete, release or touch that failed.
	OnError func(err error)
}

// Worker takes jobs from beanstalkd tubes on a connection of its own and
// runs a Handler for each, at most Concurrency at a time. A job whose
// handler succeeds is deleted; one that fails is released or buried (see
// WorkerOptions.OnFailure). Long jobs are touched so that they keep their
// reservation. After a reconnect the watch list is restored and the worker
// goes on. Jobs running when the connection dropped have gone back to the
// server, which may hand them out again: when one succeeds the worker
// still deletes it (if that fails, OnError is told), and when one fails it
// is neither released nor buried, since the new connection does not hold
// it, and OnError is told with an error matching ErrConnLost.
//
// Stop is safe for concurrent use; everything else happens on the loop.
type Worker struct {
	c    *Client
	loop *eddy.Loop
	h    Handler
	opts WorkerOptions

	running   int
	reserving bool
	stopping  bool
	poll      *eddy.Timer
	tasks     map[uint64]*task
	stopped   *future.Promise[struct{}]
	stopF     *future.Future[struct{}]
}

// task is a running job.
type task struct {
	job   Job
	timer *eddy.Timer
	gen   uint64 // the connection that reserved the job (Client.gen)
}

// NewWorker connects to addr and starts handling jobs on loop. An invalid
// tube name is reported at once. Safe for concurrent use.
func NewWorker(loop *eddy.Loop, addr string, h Handler, opts WorkerOptions) (*Worker, error) {
	if h == nil {
		return nil, errors.New("beanstalk: nil Handler")
	}
	c, err := Dial(loop, addr, opts.Options)
	if err != nil {
		return nil, err
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 100 * time.Millisecond
	}
	if opts.OnFailure == nil {
		opts.OnFailure = defaultFailure
	}
	w := &Worker{c: c, loop: loop, h: h, opts: opts, tasks: map[uint64]*task{}}
	w.stopF, w.stopped = future.New[struct{}](loop)
	if !c.conn.Loop().OnLoop() {
		if err := loop.Post(w.pump); err != nil {
			return nil, err
		}
	} else {
		w.pump()
	}
	return w, nil
}

// Client returns the worker's connection, for commands such as stats.
// Commands sent on it wait behind the worker's reserves.
func (w *Worker) Client() *Client { return w.c }

// Stop stops the worker gracefully: it takes no more jobs, waits for the
// running ones to finish and be deleted, released or buried, then closes
// the connection (a job reserved meanwhile but not started is released
// at once, with its priority). The future resolves when that is done.
// Safe for concurrent use.
func (w *Worker) Stop() *future.Future[struct{}] {
	onLoop(w.loop, func() {
		if w.stopping {
			return
		}
		w.stopping = true
		if w.poll != nil {
			w.poll.Stop()
			w.poll = nil
		}
		w.maybeStopped()
	})
	return w.stopF
}

func onLoop(l *eddy.Loop, fn func()) {
	if l.OnLoop() {
		fn()
	} else if l.Post(fn) != nil {
		fn() // the loop is gone: nothing runs there any more
	}
}

func (w *Worker) maybeStopped() {
	if w.stopping && w.running == 0 {
		w.c.Close()
		w.stopped.Resolve(struct{}{})
	}
}

func (w *Worker) report(err error) {
	if w.opts.OnError != nil && err != nil {
		w.opts.OnError(err)
	}
}

// pump asks for a job when there is room for one.
func (w *Worker) pump() {
	if w.stopping || w.reserving || w.running >= w.opts.Concurrency {
		return
	}
	if w.poll != nil {
		w.poll.Stop()
		w.poll = nil
	}
	w.reserving = true
	// With nothing running, wait on the server; with jobs running, ask
	// without waiting so that their deletes are not held up behind a
	// blocked reserve.
	wait := time.Second
	if w.running > 0 {
		wait = 0
	}
	w.c.ReserveWithTimeout(wait).OnSettle(w.reserved)
}

func (w *Worker) reserved(j Job, err error) {
	w.reserving = false
	if w.stopping {
		// Stop takes no more jobs. One reserved meanwhile would go back
		// only when the connection closes, after the running jobs, which
		// may take long: release it now, with its priority.
		if err == nil {
			w.c.releaseOrphan(j.ID)
		}
		return
	}
	switch {
	case err == nil:
		w.start(j)
		w.pump()
	case errors.Is(err, ErrTimedOut) && w.running == 0:
		w.pump()
	case errors.Is(err, ErrDeadlineSoon):
		// Touch the running jobs, then wait before asking again: a job
		// with a TTR of one second stays within its deadline margin even
		// after a touch, and every reserve would answer at once.
		for _, t := range w.tasks {
			w.touch(t)
		}
		w.poll = w.loop.AfterFunc(w.opts.PollInterval, func() { w.poll = nil; w.pump() })
	default:
		w.poll = w.loop.AfterFunc(w.opts.PollInterval, func() { w.poll = nil; w.pump() })
		if !errors.Is(err, ErrTimedOut) {
			w.report(err) // last: a panic in OnError must not stop the worker
		}
	}
}

func (w *Worker) start(j Job) {
	w.running++
	t := &task{job: j, gen: w.c.gen}
	w.tasks[j.ID] = t
	if w.opts.TouchEvery > 0 {
		t.timer = w.loop.Every(w.opts.TouchEvery, func() { w.touch(t) })
	} else {
		t.timer = w.loop.AfterFunc(500*time.Millisecond, func() { w.autoTouch(t) })
	}
	w.settleOnLoop(w.call(j)).OnSettle(func(_ struct{}, err error) { w.finish(t, err) })
}

// settleOnLoop returns f or, if f's callbacks would run elsewhere (it
// has no executor, or another loop's), a future that follows f on the
// worker's loop: the worker's state and timers are loop-only.
func (w *Worker) settleOnLoop(f *future.Future[struct{}]) *future.Future[struct{}] {
	if f.Executor() == future.Executor(w.loop) {
		return f
	}
	g, p := future.New[struct{}](w.loop)
	p.Follow(f)
	return g
}

// call runs the handler, turning a panic or a nil future into a failure.
func (w *Worker) call(j Job) (f *future.Future[struct{}]) {
	defer func() {
		if v := recover(); v != nil {
			f = future.Rejected[struct{}](w.loop, &future.PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	if f = w.h(j); f == nil {
		f = future.Rejected[struct{}](w.loop, fmt.Errorf("beanstalk: handler for job %d: %w", j.ID, future.ErrNilFuture))
	}
	return f
}

// autoTouch looks up a long job's TTR, touches it, and keeps touching it
// every half TTR.
func (w *Worker) autoTouch(t *task) {
	t.timer = nil
	w.c.StatsJob(t.job.ID).OnSettle(func(st JobStats, err error) {
		if err != nil {
			if t.gen == w.c.gen {
				w.report(err)
			}
			return
		}
		if _, running := w.tasks[t.job.ID]; !running || w.tasks[t.job.ID] != t || t.gen != w.c.gen {
			return
		}
		w.touch(t)
		t.timer = w.loop.Every(max(st.TTR/2, 200*time.Millisecond), func() { w.touch(t) })
	})
}

// touch extends a running job's TTR. A reservation lost with the
// connection that made it is touched no more: on a new connection the
// touch would fail with NOT_FOUND at every interval, or extend a later
// reservation of the same job. The job's end reports the loss.
func (w *Worker) touch(t *task) {
	if t.gen != w.c.gen {
		if t.timer != nil {
			t.timer.Stop()
			t.timer = nil
		}
		return
	}
	w.c.Touch(t.job.ID).OnSettle(func(_ struct{}, err error) {
		if t.gen == w.c.gen { // else the connection dropped meanwhile
			w.report(err)
		}
	})
}

func (w *Worker) finish(t *task, err error) {
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
	if w.tasks[t.job.ID] == t { // the job may run again, reserved anew
		delete(w.tasks, t.job.ID)
	}
	var ack *future.Future[struct{}]
	var panicked error
	if err == nil {
		// Even if the reservation was lost, deleting the job spares it a
		// second run where it is still ready.
		ack = w.c.Delete(t.job.ID)
	} else if t.gen != w.c.gen {
		// The reservation went with the connection that made it, and the
		// server has made the job ready again. A release or bury now
		// would act on whoever holds the job on the new connection,
		// maybe this worker running it again: leave it be.
		ack = future.Rejected[struct{}](w.loop, fmt.Errorf(
			"beanstalk: job %d failed (%w) after its reservation was lost with its connection: %w",
			t.job.ID, err, ErrConnLost))
	} else if f, perr := w.failure(t.job, err); f.Bury {
		ack, panicked = w.c.Bury(t.job.ID, f.Priority), perr
	} else {
		ack, panicked = w.c.Release(t.job.ID, f.Priority, f.Delay), perr
	}
	// The worker's own accounting comes before the user's OnError, so that
	// a panic there cannot leave a job counted as running for ever.
	ack.OnSettle(func(_ struct{}, err error) {
		w.running--
		w.maybeStopped()
		w.pump()
		w.report(err)
	})
	w.report(panicked)
}

// defaultFailure is the default OnFailure: release the job with
// DefaultPriority after one second.
func defaultFailure(Job, error) Failure {
	return Failure{Priority: DefaultPriority, Delay: time.Second}
}

// failure asks OnFailure what to do with a failed job. If OnFailure
// panics, the job gets defaultFailure and the panic is returned as a
// *future.PanicError.
func (w *Worker) failure(j Job, err error) (f Failure, panicked error) {
	defer func() {
		if v := recover(); v != nil {
			f, panicked = defaultFailure(j, err), &future.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return w.opts.OnFailure(j, err), nil
}
