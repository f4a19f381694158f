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
