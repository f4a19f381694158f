package beanstalk_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func startWorker(t *testing.T, l *eddy.Loop, srv *testenv.Server, h beanstalk.Handler, o beanstalk.WorkerOptions) *beanstalk.Worker {
	t.Helper()
	o.Options = fastOpts(o.Options)
	w, err := beanstalk.NewWorker(l, srv.Addr, h, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Stop().Await(ctx(t)) })
	return w
}

func done() *future.Future[struct{}] { return future.Resolved(nil, struct{}{}) }

func TestWorkerDeletesReleasesBuries(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "work"})
	c := ctx(t)
	ids := map[string]uint64{}
	for _, body := range []string{"ok1", "ok2", "ok3", "fail-release", "fail-bury"} {
		ids[body] = must[uint64](t)(s.Put(c, []byte(body), beanstalk.PutOptions{Priority: 100}))
	}
	var handled atomic.Int32
	startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		handled.Add(1)
		if strings.HasPrefix(string(j.Body), "fail") {
			return future.Rejected[struct{}](l, errors.New(string(j.Body)))
		}
		return future.Map(l.Sleep(10*time.Millisecond), func(struct{}) struct{} { return struct{}{} })
	}, beanstalk.WorkerOptions{
		Options:     beanstalk.Options{Watch: []string{"work"}},
		Concurrency: 2,
		OnFailure: func(j beanstalk.Job, err error) beanstalk.Failure {
			if err.Error() == "fail-bury" {
				return beanstalk.Failure{Bury: true, Priority: 3}
			}
			return beanstalk.Failure{Priority: 4, Delay: time.Hour}
		},
	})
	eventually(t, "jobs handled", func() bool {
		st, err := s.StatsTube(c, "work")
		return err == nil && st.CmdDelete == 3 && st.CurrentJobsBuried == 1 && st.CurrentJobsDelayed == 1
	})
	if st := must[beanstalk.JobStats](t)(s.StatsJob(c, ids["fail-bury"])); st.State != bs.StateBuried || st.Pri != 3 {
		t.Errorf("buried job %+v", st)
	}
	if st := must[beanstalk.JobStats](t)(s.StatsJob(c, ids["fail-release"])); st.State != bs.StateDelayed || st.Pri != 4 {
		t.Errorf("released job %+v", st)
	}
	if _, err := s.Peek(c, ids["ok1"]); !errors.Is(err, beanstalk.ErrNotFound) {
		t.Errorf("succeeded job still there: %v", err)
	}
	if handled.Load() != 5 {
		t.Errorf("handled %d jobs, want 5", handled.Load())
	}
}

func TestWorkerConcurrencyBound(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	for i := range 20 {
		must[uint64](t)(s.Put(ctx(t), fmt.Append(nil, i), beanstalk.PutOptions{}))
	}
	var running, most, total atomic.Int32
	startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		n := running.Add(1)
		if n > most.Load() {
			most.Store(n) // handlers run on the loop, one at a time
		}
		return l.Sleep(20 * time.Millisecond).Finally(func() { running.Add(-1); total.Add(1) })
	}, beanstalk.WorkerOptions{Concurrency: 4})
	eventually(t, "20 jobs", func() bool { return total.Load() == 20 })
	if m := most.Load(); m > 4 || m < 2 {
		t.Fatalf("at most %d jobs ran at once, want 2..4", m)
	}
}

func TestWorkerTouchesLongJob(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	id := must[uint64](t)(s.Put(ctx(t), []byte("long"), beanstalk.PutOptions{TTR: time.Second}))
	var runs atomic.Int32
	var errs []error
	var mu sync.Mutex
	finished := make(chan struct{})
	startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		runs.Add(1)
		// Three times the TTR: without touches the job would time out.
		return l.Sleep(2500 * time.Millisecond).Finally(func() { close(finished) })
	}, beanstalk.WorkerOptions{OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }})
	<-finished
	eventually(t, "job deleted", func() bool {
		_, err := s.Peek(ctx(t), id)
		return errors.Is(err, beanstalk.ErrNotFound)
	})
	st := must[beanstalk.ServerStats](t)(s.Stats(ctx(t)))
	if st.JobTimeouts != 0 || st.CmdTouch < 2 || runs.Load() != 1 {
		t.Fatalf("timeouts %d, touches %d, runs %d", st.JobTimeouts, st.CmdTouch, runs.Load())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatalf("worker errors: %v", errs)
	}
}

func TestWorkerGracefulStop(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	id := must[uint64](t)(s.Put(ctx(t), []byte("slow"), beanstalk.PutOptions{}))
	started := make(chan struct{})
	var finished atomic.Bool
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		close(started)
		return l.Sleep(300 * time.Millisecond).Finally(func() { finished.Store(true) })
	}, beanstalk.WorkerOptions{})
	<-started
	if _, err := w.Stop().Await(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if !finished.Load() {
		t.Fatal("Stop returned before the running job finished")
	}
	if _, err := s.Peek(ctx(t), id); !errors.Is(err, beanstalk.ErrNotFound) {
		t.Fatalf("job not deleted before Stop returned: %v", err)
	}
	// A job put after Stop stays in the tube.
	later := must[uint64](t)(s.Put(ctx(t), []byte("later"), beanstalk.PutOptions{}))
	if st := must[beanstalk.JobStats](t)(s.StatsJob(ctx(t), later)); st.State != bs.StateReady {
		t.Fatalf("job after Stop: %+v", st)
	}
}

func TestServerRestartWhileWorking(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	producer := dial(t, l, srv, beanstalk.Options{Tube: "restart"})
	waiter := dial(t, l, srv, beanstalk.Options{Watch: []string{"nothing"}})
	c := ctx(t)
	var mu sync.Mutex
	var seen []string
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		mu.Lock()
		seen = append(seen, string(j.Body))
		mu.Unlock()
		return done()
	}, beanstalk.WorkerOptions{Options: beanstalk.Options{Watch: []string{"restart"}}, Concurrency: 2})
	must[uint64](t)(producer.Put(c, []byte("before"), beanstalk.PutOptions{}))
	eventually(t, "job before restart", func() bool { mu.Lock(); defer mu.Unlock(); return len(seen) == 1 })

	// A command in flight when the server goes away fails with the typed
	// error.
	inflight := waiter.Client().ReserveWithTimeout(10 * time.Second)
	eventually(t, "reserve waiting", func() bool {
		st, err := producer.StatsTube(c, "nothing")
		return err == nil && st.CurrentWaiting == 1
	})
	srv.Restart()
	_, err := inflight.Await(c)
	if !errors.Is(err, beanstalk.ErrConnLost) {
		t.Fatalf("in-flight reserve: %v", err)
	}
	// Later calls succeed on a new connection that uses the same tube, and
	// the worker, watching its tube again, handles new jobs.
	eventually(t, "put after restart", func() bool {
		_, err := producer.Put(c, []byte("after"), beanstalk.PutOptions{})
		return err == nil
	})
	if tube := must[string](t)(producer.ListTubeUsed(c)); tube != "restart" {
		t.Fatalf("used tube after restart %q", tube)
	}
	eventually(t, "job after restart", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(seen, "after")
	})
	if w := must[[]string](t)(w.Client().Sync().ListTubesWatched(c)); !slices.Equal(w, []string{"restart"}) {
		t.Fatalf("worker watches %q after restart", w)
	}
}

func TestSyncFrom100Goroutines(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	var readies atomic.Int32
	s := dial(t, l, srv, beanstalk.Options{Tube: "many", OnState: func(st driver.State, _ error) {
		if st == driver.StateReady {
			readies.Add(1)
		}
	}})
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[uint64]string{}
	for g := range 100 {
		wg.Go(func() {
			for i := range 20 {
				body := fmt.Sprintf("%d/%d", g, i)
				id, err := s.Put(ctx(t), []byte(body), beanstalk.PutOptions{})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids[id] = body
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(ids) != 2000 {
		t.Fatalf("%d distinct ids, want 2000", len(ids))
	}
	for id, body := range ids {
		if id%97 == 0 {
			if j := must[beanstalk.Job](t)(s.Peek(ctx(t), id)); string(j.Body) != body {
				t.Fatalf("job %d is %q, want %q", id, j.Body, body)
			}
		}
	}
	if readies.Load() != 1 {
		t.Fatalf("%d connections, want one shared", readies.Load())
	}
	var onLoopErr error
	ch := make(chan struct{})
	l.Post(func() { _, onLoopErr = s.Put(ctx(t), nil, beanstalk.PutOptions{}); close(ch) })
	<-ch
	if !errors.Is(onLoopErr, future.ErrAwaitOnLoop) {
		t.Fatalf("Sync on the loop: %v", onLoopErr)
	}
}

// TestWorkerDeadlineSoonDoesNotSpin runs a job whose TTR is one second,
// so that every reserve made while it runs answers DEADLINE_SOON at once
// (a touch only gives it another second): the worker must wait its poll
// interval before asking again, not reserve and touch in a tight loop.
func TestWorkerDeadlineSoonDoesNotSpin(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	c := ctx(t)
	must[uint64](t)(s.Put(c, []byte("short ttr"), beanstalk.PutOptions{TTR: time.Second}))
	release := make(chan struct{}, 1)
	started := make(chan struct{})
	startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		close(started)
		return future.FromChan(l, release)
	}, beanstalk.WorkerOptions{Concurrency: 2, PollInterval: 100 * time.Millisecond})
	<-started
	reserves := func() uint64 { return must[beanstalk.ServerStats](t)(s.Stats(c)).CmdReserveWithTimeout }
	// Watch the worker for two seconds, or until it has sent far more
	// reserves than twenty poll intervals allow.
	const limit = 200
	for end := time.Now().Add(2 * time.Second); time.Now().Before(end) && reserves() < limit; {
		time.Sleep(20 * time.Millisecond)
	}
	n := reserves()
	release <- struct{}{}
	if n >= limit {
		t.Fatalf("%d reserves in at most two seconds with a 100ms poll interval", n)
	}
}

// TestWorkerCallbackPanics makes OnFailure and OnError panic: the failed
// job must still be released (as by default) and the worker must still
// account for it, so that Stop returns.
func TestWorkerCallbackPanics(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	c := ctx(t)
	id := must[uint64](t)(s.Put(c, []byte("fails"), beanstalk.PutOptions{TTR: time.Hour}))
	var failures, errs atomic.Int32
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		return future.Rejected[struct{}](l, errors.New("handler failed"))
	}, beanstalk.WorkerOptions{
		OnFailure: func(beanstalk.Job, error) beanstalk.Failure { failures.Add(1); panic("OnFailure") },
		OnError:   func(error) { errs.Add(1); panic("OnError") },
	})
	eventually(t, "job released", func() bool {
		st, err := s.StatsJob(c, id)
		return err == nil && st.Releases == 1 && st.State != bs.StateReserved
	})
	if st := must[beanstalk.JobStats](t)(s.StatsJob(c, id)); st.Pri != beanstalk.DefaultPriority {
		t.Errorf("released with priority %d, want the default %d", st.Pri, beanstalk.DefaultPriority)
	}
	stopCtx, cancel := context.WithTimeout(c, 10*time.Second)
	defer cancel()
	if _, err := w.Stop().Await(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if failures.Load() != 1 || errs.Load() == 0 {
		t.Fatalf("OnFailure called %d times, OnError %d", failures.Load(), errs.Load())
	}
}

// TestWorkerStopReleasesJobReservedMeanwhile stops a worker while one job
// runs and the reserve for the next one is already on the wire. Stop
// takes no more jobs, so the job that reserve gets must go back to the
// ready queue (with its priority) at once, not stay reserved for nobody
// until the running job ends and the connection closes.
func TestWorkerStopReleasesJobReservedMeanwhile(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "stopping"})
	c := ctx(t)
	must[uint64](t)(s.Put(c, []byte("running"), beanstalk.PutOptions{Priority: 1, TTR: time.Hour}))
	next := must[uint64](t)(s.Put(c, []byte("next"), beanstalk.PutOptions{Priority: 42, TTR: time.Hour}))
	wch := make(chan *beanstalk.Worker, 1)
	hold := make(chan struct{}, 1)
	finish := sync.OnceFunc(func() { hold <- struct{}{} })
	var stopped *future.Future[struct{}]
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		if string(j.Body) != "running" {
			t.Errorf("job %q started after Stop", j.Body)
			return done()
		}
		// The worker asks for its next job right after this handler
		// returns; stop it once that reserve is queued, before its
		// reply can arrive.
		l.NextTick(func() { stopped = (<-wch).Stop() })
		return future.FromChan(l, hold)
	}, beanstalk.WorkerOptions{Options: beanstalk.Options{Watch: []string{"stopping"}}, Concurrency: 2})
	t.Cleanup(finish) // before the worker's Stop, even if the test fails
	wch <- w
	eventually(t, "next job released", func() bool {
		st, err := s.StatsJob(c, next)
		return err == nil && st.State == bs.StateReady && st.Releases == 1
	})
	if st := must[beanstalk.JobStats](t)(s.StatsJob(c, next)); st.Pri != 42 {
		t.Errorf("released with priority %d, want 42", st.Pri)
	}
	finish()
	eventually(t, "Stop called", func() bool {
		var f *future.Future[struct{}]
		ch := make(chan struct{})
		l.Post(func() { f = stopped; close(ch) })
		<-ch
		return f != nil
	})
	must[struct{}](t)(w.Stop().Await(c))
}

// TestWorkerLostReservationNotAcked restarts the server (keeping its jobs
// in a binlog) while a job runs. The job's reservation went with the old
// connection: the server makes it ready again and the worker, on its new
// connection, reserves it a second time. When the first run then fails,
// its release must not be sent on the new connection, where it would take
// the job away from the second run, which still holds it.
func TestWorkerLostReservationNotAcked(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t, testenv.Args("-b", t.TempDir()))
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "lost"})
	c := ctx(t)
	id := must[uint64](t)(s.Put(c, []byte("job"), beanstalk.PutOptions{Priority: 5, TTR: time.Hour}))
	first, second := make(chan struct{}), make(chan struct{}, 1)
	started := make(chan int, 2)
	failing := make(chan struct{}, 2)
	var runs atomic.Int32
	var mu sync.Mutex
	var errs []error
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		n := runs.Add(1)
		started <- int(n)
		if n == 1 {
			return future.FromChan(l, first) // fails once first is closed
		}
		return future.FromChan(l, second)
	}, beanstalk.WorkerOptions{
		Options:      beanstalk.Options{Watch: []string{"lost"}},
		Concurrency:  2,
		PollInterval: 20 * time.Millisecond,
		OnFailure: func(beanstalk.Job, error) beanstalk.Failure {
			failing <- struct{}{}
			return beanstalk.Failure{Priority: 9, Delay: time.Hour}
		},
		OnError: func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
			if strings.Contains(err.Error(), fmt.Sprintf("job %d ", id)) {
				failing <- struct{}{} // the first run's failure, reported
			}
		},
	})
	finishSecond := sync.OnceFunc(func() { second <- struct{}{} })
	t.Cleanup(finishSecond)
	closeFirst := sync.OnceFunc(func() { close(first) })
	t.Cleanup(closeFirst)
	if n := <-started; n != 1 {
		t.Fatalf("run %d first", n)
	}
	srv.Restart()
	if n := <-started; n != 2 {
		t.Fatalf("run %d second", n)
	}
	closeFirst()
	select {
	case <-failing:
	case <-c.Done():
		t.Fatal("the first run's failure was neither handled nor reported")
	}
	// Whatever the worker sent for the failed run went out before this,
	// on the same connection.
	st := must[beanstalk.JobStats](t)(w.Client().Sync().StatsJob(c, id))
	if st.State != bs.StateReserved || st.Releases != 0 {
		t.Errorf("job %s with %d releases while its second run holds it", st.State, st.Releases)
	}
	finishSecond()
	eventually(t, "job deleted", func() bool {
		_, err := s.Peek(c, id)
		return errors.Is(err, beanstalk.ErrNotFound)
	})
	mu.Lock()
	defer mu.Unlock()
	lost := false
	for _, err := range errs {
		lost = lost || errors.Is(err, beanstalk.ErrConnLost) && strings.Contains(err.Error(), fmt.Sprintf("job %d ", id))
	}
	if !lost {
		t.Errorf("the failed run's lost reservation was not reported: %v", errs)
	}
}

// TestWorkerHandlerFutureFromElsewhere returns, from the handler, a future
// that is settled by a plain goroutine and has no executor, so that its
// callbacks would run on that goroutine. The worker must still do its
// bookkeeping, and call OnFailure, on its own loop.
func TestWorkerHandlerFutureFromElsewhere(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "elsewhere"})
	c := ctx(t)
	id := must[uint64](t)(s.Put(c, []byte("x"), beanstalk.PutOptions{TTR: time.Hour}))
	started := make(chan struct{})
	settle := make(chan struct{})
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	var offLoop atomic.Int32
	startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		f, p := future.New[struct{}](nil)
		wg.Go(func() {
			<-settle
			p.Reject(errors.New("failed elsewhere"))
		})
		close(started)
		return f
	}, beanstalk.WorkerOptions{
		Options: beanstalk.Options{Watch: []string{"elsewhere"}},
		OnFailure: func(beanstalk.Job, error) beanstalk.Failure {
			if !l.OnLoop() {
				offLoop.Add(1)
			}
			return beanstalk.Failure{Bury: true, Priority: 3}
		},
	})
	<-started
	// Let the worker attach to the future before it settles.
	attached := make(chan struct{})
	l.Post(func() { close(attached) })
	<-attached
	close(settle)
	eventually(t, "job buried", func() bool {
		st, err := s.StatsJob(c, id)
		return err == nil && st.State == bs.StateBuried
	})
	if offLoop.Load() != 0 {
		t.Fatal("OnFailure ran off the worker's loop")
	}
}

// TestWorkerStopsTouchingLostReservation restarts the server while a job
// runs and is touched every 20 ms. Its reservation went with the old
// connection: touches sent on the new one would fail with NOT_FOUND every
// interval (or touch another reservation of the same job), so the worker
// must stop touching it.
func TestWorkerStopsTouchingLostReservation(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t, testenv.Args("-b", t.TempDir()))
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "touchlost"})
	c := ctx(t)
	must[uint64](t)(s.Put(c, []byte("job"), beanstalk.PutOptions{TTR: time.Hour}))
	release := make(chan struct{})
	closeRelease := sync.OnceFunc(func() { close(release) })
	t.Cleanup(closeRelease)
	started := make(chan struct{}, 1)
	var mu sync.Mutex
	var errs []error
	w := startWorker(t, l, srv, func(j beanstalk.Job) *future.Future[struct{}] {
		started <- struct{}{}
		return future.FromChan(l, release) // fails once release is closed
	}, beanstalk.WorkerOptions{
		Options:     beanstalk.Options{Watch: []string{"touchlost"}},
		Concurrency: 1,
		TouchEvery:  20 * time.Millisecond,
		OnError: func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		},
	})
	<-started
	eventually(t, "the running job touched", func() bool {
		st, err := s.Stats(c)
		return err == nil && st.CmdTouch > 0
	})
	srv.Restart()
	// The worker's client is connected again once a command of its own
	// goes through; then give its touch timer ten turns.
	must[beanstalk.ServerStats](t)(w.Client().Sync().Stats(c))
	time.Sleep(200 * time.Millisecond)
	st := must[beanstalk.ServerStats](t)(w.Client().Sync().Stats(c))
	if st.CmdTouch != 0 {
		t.Errorf("%d touches sent for a reservation lost with its connection", st.CmdTouch)
	}
	mu.Lock()
	for _, err := range errs {
		if errors.Is(err, beanstalk.ErrNotFound) {
			t.Errorf("touch error reported: %v", err)
			break
		}
	}
	mu.Unlock()
	closeRelease()
}
