package beanstalk_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/beanstalk"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

func TestEveryCommand(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "jobs", Watch: []string{"jobs"}})
	c := ctx(t)

	if tube := must[string](t)(s.ListTubeUsed(c)); tube != "jobs" {
		t.Fatalf("used %q", tube)
	}
	if w := must[[]string](t)(s.ListTubesWatched(c)); !slices.Equal(w, []string{"jobs"}) {
		t.Fatalf("watched %q", w)
	}
	id := must[uint64](t)(s.Put(c, []byte("one"), beanstalk.PutOptions{Priority: 5, TTR: 30 * time.Second}))
	if j := must[beanstalk.Job](t)(s.Peek(c, id)); j.ID != id || string(j.Body) != "one" {
		t.Fatalf("peek %+v", j)
	}
	if j := must[beanstalk.Job](t)(s.PeekReady(c)); j.ID != id {
		t.Fatalf("peek-ready %+v", j)
	}
	st := must[beanstalk.JobStats](t)(s.StatsJob(c, id))
	if st.Tube != "jobs" || st.Pri != 5 || st.TTR != 30*time.Second || st.State != bs.StateReady {
		t.Fatalf("stats-job %+v", st)
	}
	delayed := must[uint64](t)(s.Put(c, []byte("later"), beanstalk.PutOptions{Delay: time.Hour}))
	if j := must[beanstalk.Job](t)(s.PeekDelayed(c)); j.ID != delayed {
		t.Fatalf("peek-delayed %+v", j)
	}
	ok(t, s.KickJob(c, delayed))
	ok(t, s.Delete(c, delayed))

	j := must[beanstalk.Job](t)(s.Reserve(c))
	if j.ID != id || string(j.Body) != "one" {
		t.Fatalf("reserve %+v", j)
	}
	ok(t, s.Touch(c, id))
	ok(t, s.Release(c, id, 7, 0))
	j = must[beanstalk.Job](t)(s.ReserveWithTimeout(c, time.Second))
	ok(t, s.Bury(c, j.ID, 9))
	if b := must[beanstalk.Job](t)(s.PeekBuried(c)); b.ID != id {
		t.Fatalf("peek-buried %+v", b)
	}
	if n := must[int](t)(s.Kick(c, 10)); n != 1 {
		t.Fatalf("kicked %d", n)
	}
	j = must[beanstalk.Job](t)(s.ReserveJob(c, id))
	ok(t, s.Delete(c, j.ID))

	if n := must[int](t)(s.Watch(c, "other")); n != 2 {
		t.Fatalf("watching %d", n)
	}
	if n := must[int](t)(s.Ignore(c, "other")); n != 1 {
		t.Fatalf("watching %d after ignore", n)
	}
	if tube := must[string](t)(s.Use(c, "other")); tube != "other" {
		t.Fatalf("use %q", tube)
	}
	ok(t, s.PauseTube(c, "other", 2*time.Second))
	ts := must[beanstalk.TubeStats](t)(s.StatsTube(c, "other"))
	if ts.Name != "other" || ts.Pause != 2*time.Second || ts.CurrentUsing != 1 {
		t.Fatalf("stats-tube %+v", ts)
	}
	ss := must[beanstalk.ServerStats](t)(s.Stats(c))
	if ss.CmdPauseTube != 1 || ss.CmdKick != 1 || ss.CmdBury != 1 || ss.Version == "" {
		t.Fatalf("stats %+v", ss)
	}
	if tubes := must[[]string](t)(s.ListTubes(c)); !slices.Contains(tubes, "jobs") || !slices.Contains(tubes, "other") {
		t.Fatalf("list-tubes %q", tubes)
	}
	ok(t, s.Quit(c))
	if _, err := s.Stats(c); !errors.Is(err, beanstalk.ErrClosed) {
		t.Fatalf("after quit: %v", err)
	}
}

func TestErrorReplies(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t, testenv.MaxJobSize(16))
	l := startLoop(t)
	var readies atomic.Int32
	s := dial(t, l, srv, beanstalk.Options{OnState: func(st driver.State, _ error) {
		if st == driver.StateReady {
			readies.Add(1)
		}
	}})
	c := ctx(t)
	check := func(what string, err, want error) {
		t.Helper()
		var re *bs.ReplyError
		if !errors.Is(err, want) || !errors.As(err, &re) {
			t.Errorf("%s: %v, want %v", what, err, want)
		}
	}
	check("delete", s.Delete(c, 1<<40), beanstalk.ErrNotFound)
	_, err := s.Peek(c, 1<<40)
	check("peek", err, beanstalk.ErrNotFound)
	check("touch", s.Touch(c, 1<<40), beanstalk.ErrNotFound)
	check("release", s.Release(c, 1<<40, 0, 0), beanstalk.ErrNotFound)
	check("bury", s.Bury(c, 1<<40, 0), beanstalk.ErrNotFound)
	check("kick-job", s.KickJob(c, 1<<40), beanstalk.ErrNotFound)
	_, err = s.ReserveJob(c, 1<<40)
	check("reserve-job", err, beanstalk.ErrNotFound)
	_, err = s.StatsJob(c, 1<<40)
	check("stats-job", err, beanstalk.ErrNotFound)
	_, err = s.StatsTube(c, "nosuchtube")
	check("stats-tube", err, beanstalk.ErrNotFound)
	check("pause-tube", s.PauseTube(c, "nosuchtube", time.Second), beanstalk.ErrNotFound)
	_, err = s.PeekReady(c)
	check("peek-ready", err, beanstalk.ErrNotFound)
	_, err = s.ReserveWithTimeout(c, 0)
	check("reserve-with-timeout", err, beanstalk.ErrTimedOut)
	_, err = s.Ignore(c, "default")
	check("ignore", err, beanstalk.ErrNotIgnored)

	// The maximum job size: 16 bytes pass, 17 get JOB_TOO_BIG.
	must[uint64](t)(s.Put(c, make([]byte, 16), beanstalk.PutOptions{}))
	_, err = s.Put(c, make([]byte, 17), beanstalk.PutOptions{})
	check("put", err, beanstalk.ErrJobTooBig)

	// SIGUSR1 puts beanstalkd in drain mode: puts get DRAINING.
	ok(t, drain(srv.Pid()))
	eventually(t, "drain mode", func() bool {
		_, err = s.Put(c, []byte("x"), beanstalk.PutOptions{})
		return err != nil
	})
	check("put while draining", err, beanstalk.ErrDraining)

	// The connection survived every error reply.
	if st := must[beanstalk.ServerStats](t)(s.Stats(c)); !st.Draining || readies.Load() != 1 {
		t.Errorf("draining %v, connected %d times", st.Draining, readies.Load())
	}
}

func TestMaxJobSizeOption(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{MaxJobSize: 8})
	_, err := s.Put(ctx(t), make([]byte, 9), beanstalk.PutOptions{})
	var ae *bs.ArgError
	if !errors.Is(err, beanstalk.ErrJobTooBig) || !errors.As(err, &ae) {
		t.Fatalf("err = %v", err)
	}
	if st := must[beanstalk.ServerStats](t)(s.Stats(ctx(t))); st.CmdPut != 0 {
		t.Fatalf("the oversized put was sent")
	}
	if _, err := beanstalk.Dial(l, srv.Addr, beanstalk.Options{Tube: "-bad"}); !errors.Is(err, bs.ErrInvalidTubeName) {
		t.Fatalf("bad tube: %v", err)
	}
}

func TestBodyWithCRLF(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	c := ctx(t)
	body := []byte("line one\r\nline two\r\n\r\nRESERVED 1 2\r\n")
	must[uint64](t)(s.Put(c, body, beanstalk.PutOptions{}))
	j := must[beanstalk.Job](t)(s.Reserve(c))
	if string(j.Body) != string(body) {
		t.Fatalf("body %q", j.Body)
	}
	empty := must[uint64](t)(s.Put(c, nil, beanstalk.PutOptions{}))
	if j := must[beanstalk.Job](t)(s.Peek(c, empty)); len(j.Body) != 0 {
		t.Fatalf("empty body %q", j.Body)
	}
}

func TestTTRAndDeadlineSoon(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{})
	c := ctx(t)
	id := must[uint64](t)(s.Put(c, []byte("short"), beanstalk.PutOptions{TTR: time.Second}))
	must[beanstalk.Job](t)(s.Reserve(c))
	// Within its last second the job makes reserve answer DEADLINE_SOON.
	_, err := s.ReserveWithTimeout(c, 5*time.Second)
	if !errors.Is(err, beanstalk.ErrDeadlineSoon) {
		t.Fatalf("reserve: %v", err)
	}
	// Past its TTR the job goes back to the ready queue.
	eventually(t, "TTR expiry", func() bool {
		st, err := s.StatsJob(c, id)
		return err == nil && st.State == bs.StateReady && st.Timeouts == 1
	})
}

func TestCancelConsumesReplySlot(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Watch: []string{"empty"}})
	c := s.Client()
	// A reserve that waits a second on an empty tube, given up at once;
	// the put behind it must still get its own reply.
	r := c.ReserveWithTimeout(time.Second)
	put := c.Put([]byte("x"), beanstalk.PutOptions{})
	r.Cancel(errors.New("not interested"))
	if _, err := r.Await(ctx(t)); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("reserve: %v", err)
	}
	id, err := put.Await(ctx(t))
	if err != nil || id == 0 {
		t.Fatalf("put after a cancelled reserve: %d, %v", id, err)
	}
	if j := must[beanstalk.Job](t)(s.Peek(ctx(t), id)); string(j.Body) != "x" {
		t.Fatalf("peek %q", j.Body)
	}
}

// TestLargeJobWithMaxJobSize checks that a client whose MaxJobSize is set
// to a server -z above the decoder's default body limit can read back the
// jobs it may put, instead of dropping the connection on them.
func TestLargeJobWithMaxJobSize(t *testing.T) {
	leakcheck.Check(t)
	const size = 3 << 20
	srv := testenv.Beanstalkd(t, testenv.MaxJobSize(size))
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{MaxJobSize: size})
	c := ctx(t)
	body := make([]byte, size)
	for i := range body {
		body[i] = byte('a' + i%26)
	}
	id := must[uint64](t)(s.Put(c, body, beanstalk.PutOptions{}))
	if j := must[beanstalk.Job](t)(s.Peek(c, id)); string(j.Body) != string(body) {
		t.Fatalf("peek: %d bytes back", len(j.Body))
	}
	if j := must[beanstalk.Job](t)(s.Reserve(c)); j.ID != id || string(j.Body) != string(body) {
		t.Fatalf("reserve: job %d, %d bytes", j.ID, len(j.Body))
	}
}

// TestCancelledReserveReleasesJob gives up on reserves that the server is
// already waiting on: the job that then arrives is reserved for nobody,
// and must go back to the ready queue, with its priority, at once rather
// than when its TTR (an hour here) runs out.
func TestCancelledReserveReleasesJob(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	c := ctx(t)
	for _, tc := range []struct {
		name    string
		reserve func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error)
	}{
		{"reserve", func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error) { return s.Reserve(ctx) }},
		{"reserve-with-timeout", func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error) {
			return s.ReserveWithTimeout(ctx, time.Hour)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tube := "orphans-" + tc.name
			producer := dial(t, l, srv, beanstalk.Options{Tube: tube})
			s := dial(t, l, srv, beanstalk.Options{Watch: []string{tube}})
			// No deadline: Sync would bound the server's wait by it (and send
			// reserve-with-timeout for reserve).
			rctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() { _, err := tc.reserve(s, rctx); errc <- err }()
			eventually(t, "reserve waiting", func() bool {
				st, err := producer.StatsTube(c, tube)
				return err == nil && st.CurrentWaiting == 1
			})
			cancel()
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled reserve: %v", err)
			}
			id := must[uint64](t)(producer.Put(c, []byte(tc.name), beanstalk.PutOptions{Priority: 77, TTR: time.Hour}))
			eventually(t, "job released", func() bool {
				st, err := producer.StatsJob(c, id)
				return err == nil && st.State == bs.StateReady && st.Releases == 1
			})
			if st := must[beanstalk.JobStats](t)(producer.StatsJob(c, id)); st.Pri != 77 {
				t.Fatalf("released with priority %d, want 77", st.Pri)
			}
			// The connection goes on: the next reserve gets the job.
			if j := must[beanstalk.Job](t)(s.ReserveWithTimeout(c, 5*time.Second)); j.ID != id {
				t.Fatalf("reserved %d, want %d", j.ID, id)
			}
			ok(t, s.Delete(c, id))
		})
	}
}

// TestHugeDurationsClamp passes the largest time.Duration as a delay, a
// TTR and a pause: each must reach the server as the protocol's largest
// number of seconds, not as whatever the rounding up wrapped around to.
func TestHugeDurationsClamp(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	s := dial(t, l, srv, beanstalk.Options{Tube: "huge"})
	c := ctx(t)
	const forever = time.Duration(math.MaxInt64)
	const most = time.Duration(math.MaxUint32) * time.Second
	id := must[uint64](t)(s.Put(c, []byte("x"), beanstalk.PutOptions{Delay: forever, TTR: forever}))
	if st := must[beanstalk.JobStats](t)(s.StatsJob(c, id)); st.Delay != most || st.TTR != most {
		t.Errorf("delay %v, ttr %v; want %v for both", st.Delay, st.TTR, most)
	}
	ok(t, s.PauseTube(c, "huge", forever))
	if st := must[beanstalk.TubeStats](t)(s.StatsTube(c, "huge")); st.Pause != most {
		t.Errorf("pause %v, want %v", st.Pause, most)
	}
}

// TestSyncReserveDeadlineFreesConnection gives a blocking reserve a
// context with a deadline on an empty tube. The protocol cannot cancel a
// reserve, so the server's wait must end by that deadline too: otherwise
// every later command on the shared connection waits behind it until some
// job arrives, and here none ever would.
func TestSyncReserveDeadlineFreesConnection(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	for _, tc := range []struct {
		name    string
		reserve func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error)
	}{
		{"reserve", func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error) { return s.Reserve(ctx) }},
		{"reserve-with-timeout", func(s *beanstalk.Sync, ctx context.Context) (beanstalk.Job, error) {
			return s.ReserveWithTimeout(ctx, time.Hour)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tube := "deadline-" + tc.name
			s := dial(t, l, srv, beanstalk.Options{Tube: tube, Watch: []string{tube}})
			rctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			if _, err := tc.reserve(s, rctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("reserve on an empty tube: %v", err)
			}
			// Well within the test's patience, but far beyond the second
			// the server's wait may outlast the deadline by.
			c, cancel2 := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel2()
			id, err := s.Put(c, []byte(tc.name), beanstalk.PutOptions{})
			if err != nil {
				t.Fatalf("put behind the expired reserve: %v", err)
			}
			// The job was not taken by the abandoned reserve.
			if j := must[beanstalk.Job](t)(s.ReserveWithTimeout(c, 0)); j.ID != id {
				t.Fatalf("reserved %d, want %d", j.ID, id)
			}
		})
	}
}
