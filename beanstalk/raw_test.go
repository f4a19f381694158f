package beanstalk

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
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
