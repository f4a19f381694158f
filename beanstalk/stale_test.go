package beanstalk_test

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/eddy-go/eddy/beanstalk"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// TestStaleReleaseNotSentOnNewConnection is the torture test's finding,
// shrunk. A job is reserved; then, in one loop turn, a reserve and a
// release of that job are issued while an earlier reserve holds up the
// connection, so that neither is written. The connection drops. The
// server puts the job back when it does, so the reserve, written again on
// the new connection, gets the same job. The release was about the
// reservation that went with the old connection: sent on the new one, it
// took the job from the reserve that holds it now, and another consumer
// could run it a second time. It must fail with ErrConnLost instead, and
// the job stay reserved.
func TestStaleReleaseNotSentOnNewConnection(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	px := newProxy(t, srv.Addr)
	l := startLoop(t)
	c := ctx(t)
	admin := dial(t, l, srv, beanstalk.Options{Tube: "stale"})
	cl, err := beanstalk.Dial(l, px.Addr(), fastOpts(beanstalk.Options{Watch: []string{"stale"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	id := must[uint64](t)(admin.Put(c, []byte("job"), beanstalk.PutOptions{TTR: time.Hour}))
	if j := must[beanstalk.Job](t)(cl.Sync().ReserveWithTimeout(c, 0)); j.ID != id {
		t.Fatalf("reserved %d, want %d", j.ID, id)
	}
	// Hold up the connection: a reserve that waits on the empty tube.
	blocker := cl.ReserveWithTimeout(time.Hour)
	eventually(t, "reserve waiting", func() bool {
		st, err := admin.StatsTube(c, "stale")
		return err == nil && st.CurrentWaiting == 1
	})
	type outcome struct {
		reserve *future.Future[beanstalk.Job]
		release *future.Future[struct{}]
	}
	got := make(chan outcome, 1)
	ok(t, l.Post(func() {
		// Both stay queued behind the waiting reserve.
		got <- outcome{reserve: cl.ReserveWithTimeout(0), release: cl.Release(id, 0, 0)}
	}))
	o := <-got
	px.cut(-1, rand.New(rand.NewPCG(1, 1)))
	if _, err := blocker.Await(c); !errors.Is(err, beanstalk.ErrConnLost) {
		t.Fatalf("waiting reserve: %v, want ErrConnLost", err)
	}
	j, err := o.reserve.Await(c)
	if err != nil || j.ID != id {
		t.Fatalf("reserve after the drop: %v, %v; want job %d", j, err, id)
	}
	if _, err := o.release.Await(c); !errors.Is(err, beanstalk.ErrConnLost) {
		t.Errorf("release of the old reservation: %v, want ErrConnLost", err)
	}
	st := must[beanstalk.JobStats](t)(admin.StatsJob(c, id))
	if st.State != bs.StateReserved || st.Releases != 0 {
		t.Errorf("job %s with %d releases, want reserved by the reserve that got it", st.State, st.Releases)
	}
}

// TestQuitFinishesQueuedRelease checks the other side of the rule above:
// Quit lets the commands issued before it finish, a release among them,
// so a release queued in the same loop turn as Quit is sent and answered.
func TestQuitFinishesQueuedRelease(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l := startLoop(t)
	c := ctx(t)
	admin := dial(t, l, srv, beanstalk.Options{Tube: "quit"})
	cl, err := beanstalk.Dial(l, srv.Addr, fastOpts(beanstalk.Options{Watch: []string{"quit"}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	id := must[uint64](t)(admin.Put(c, []byte("job"), beanstalk.PutOptions{TTR: time.Hour}))
	must[beanstalk.Job](t)(cl.Sync().ReserveWithTimeout(c, 0))
	got := make(chan *future.Future[struct{}], 2)
	ok(t, l.Post(func() {
		got <- cl.Release(id, 3, 0)
		got <- cl.Quit()
	}))
	rel, quit := <-got, <-got
	if _, err := rel.Await(c); err != nil {
		t.Errorf("release queued before Quit: %v", err)
	}
	if _, err := quit.Await(c); err != nil {
		t.Errorf("Quit: %v", err)
	}
	if st := must[beanstalk.JobStats](t)(admin.StatsJob(c, id)); st.State != bs.StateReady || st.Releases != 1 {
		t.Errorf("job %s with %d releases, want released once", st.State, st.Releases)
	}
}
