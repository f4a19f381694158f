package beanstalk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/testenv"
)

// TestOutOfStepReplies sends lines the encoder never writes, to get the
// replies that mean client and server disagree: each fails its command
// with the typed error, drops the connection, and the next command works
// on a new one.
func TestOutOfStepReplies(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); l.Run() }()
	defer func() { l.Stop(); <-done }()
	c, err := Dial(l, srv.Addr, Options{MinBackoff: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, tc := range []struct {
		kind bs.Kind
		raw  string
		want error
	}{
		{bs.KindStats, "frobnicate\r\n", ErrUnknownCommand},
		{bs.KindDelete, "delete x\r\n", ErrBadFormat},
		{bs.KindPut, "put 0 0 10 2\r\nabXX", ErrExpectedCRLF},
	} {
		_, err := c.conn.Do(ctx, op{kind: tc.kind}, []byte(tc.raw), 0)
		var re *bs.ReplyError
		if !errors.Is(err, tc.want) || !errors.Is(err, driver.ErrBroken) || !errors.As(err, &re) {
			t.Errorf("%q: %v, want %v", tc.raw, err, tc.want)
		}
		if _, err := c.Sync().Stats(ctx); err != nil {
			t.Errorf("after %q: %v", tc.raw, err)
		}
	}
}

// TestOrphanReleaseAfterReconnect drops the connection (with a line the
// server does not know) just as the release of a job reserved for nobody
// starts. The server releases that job itself when the connection goes;
// on the new connection the client's next reserve may get it, and the
// old release must not then take it away from that reserve.
func TestOrphanReleaseAfterReconnect(t *testing.T) {
	leakcheck.Check(t)
	srv := testenv.Beanstalkd(t)
	l, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); l.Run() }()
	defer func() { l.Stop(); <-done }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var c *Client
	var armed bool
	var next *future.Future[Job]
	c, err = Dial(l, srv.Addr, Options{Tube: "orphan", Watch: []string{"orphan"}, MinBackoff: 10 * time.Millisecond,
		OnState: func(s driver.State, err error) {
			if armed && s == driver.StateDialing && err != nil {
				// Queued while reconnecting: it goes out right behind
				// the release's stats-job on the new connection.
				armed, next = false, c.ReserveWithTimeout(5*time.Second)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s := c.Sync()
	id, err := s.Put(ctx, []byte("x"), PutOptions{TTR: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if j, err := s.ReserveWithTimeout(ctx, 0); err != nil || j.ID != id {
		t.Fatalf("reserve: %v, %v", j, err)
	}
	l.Post(func() {
		armed = true
		c.conn.Call(op{kind: bs.KindStats}, []byte("frobnicate\r\n"), 0) // UNKNOWN_COMMAND: dropped
		c.releaseOrphan(id)
	})
	var f *future.Future[Job]
	for f == nil {
		ch := make(chan struct{})
		l.Post(func() { f = next; close(ch) })
		<-ch
		if f == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	j, err := f.Await(ctx)
	if err != nil || j.ID != id {
		t.Fatalf("reserve on the new connection: %v, %v", j, err)
	}
	st, err := s.StatsJob(ctx, id)
	if err != nil || st.State != bs.StateReserved {
		t.Fatalf("job %d reserved on the new connection is %s (%v)", id, st.State, err)
	}
}
