package httpclient_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

// stuckAddr returns the address of a socket that listens but never
// accepts, its accept queue filled, so that the kernel drops the SYNs of
// later connects: they neither complete nor fail.
func stuckAddr(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	// Fill the queue: connects complete until one hangs.
	for i := 0; ; i++ {
		if i == 16 {
			t.Skip("the listen queue never filled")
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			return addr
		}
		t.Cleanup(func() { c.Close() })
	}
}

// TestConnectTimeoutTCP: a TCP connect that never completes fails with
// the documented *TimeoutError (ErrConnectTimeout), not with the dial's
// own error (a bare *eddy.OpError, "i/o timeout"), whichever of the two
// timers armed with the same bound fires first. Which one does depends
// on timing, so this passed before the fix too: the regression test is
// TestDialTimeoutIsConnectTimeout.
func TestConnectTimeoutTCP(t *testing.T) {
	leakcheck.Check(t)
	addr := stuckAddr(t)
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{Connect: 20 * time.Millisecond}}
	for _, do := range []bool{true, false} {
		var err error
		if do {
			_, _, err = get(t, c, "http://"+addr+"/")
		} else {
			u, _ := url.Parse("http://" + addr + "/")
			_, err = send(c, &httpclient.Request{URL: u})
		}
		if !isTimeout(err, httpclient.ErrConnectTimeout) {
			t.Fatalf("Do %v: got %T %v, want a connect timeout", do, err, err)
		}
	}
}

// TestGiveUpWhileDialling: a trip that gives up while its connection is
// still dialling (its request timeout or its context, far ahead of the
// connect bound) closes that connection, and the dial's own timer (armed
// with the hour-long Timeouts.Connect) goes with it: the loop is left
// with no connection and no timer, and the pool lets the next request
// dial.
func TestGiveUpWhileDialling(t *testing.T) {
	leakcheck.Check(t)
	addr := stuckAddr(t)
	l := startLoop(t)
	c := &httpclient.Client{Loop: l, MaxConnsPerHost: 1,
		Timeouts: httpclient.Timeouts{Connect: time.Hour, Request: 20 * time.Millisecond}}
	u, _ := url.Parse("http://" + addr + "/")
	for range 2 { // the second proves the pool's one place was given back
		if _, err := send(c, &httpclient.Request{URL: u}); !isTimeout(err, httpclient.ErrRequestTimeout) {
			t.Fatalf("got %T %v, want a request timeout", err, err)
		}
	}
	c2 := &httpclient.Client{Loop: l, Timeouts: httpclient.Timeouts{Connect: time.Hour}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := send(c2, &httpclient.Request{URL: u, Context: ctx}); !errors.Is(err, httpclient.ErrCanceled) {
		t.Fatalf("got %T %v, want a cancellation", err, err)
	}
	looptest.WaitStats(t, l, "no connection and no timer left", func(s eddy.Stats) bool {
		return s.Conns == 0 && s.Timers == 0
	})
}
