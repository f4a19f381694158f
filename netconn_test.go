package eddy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// runInBackground runs l on its own goroutine and stops it at cleanup.
func runInBackground(t *testing.T, l *Loop) {
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	t.Cleanup(func() {
		l.Stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

func TestNetConnAdapter(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	ready := make(chan net.Addr, 1)
	l.Post(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
		if err != nil {
			t.Error(err)
		}
		ready <- ln.Addr()
	})
	runInBackground(t, l)
	addr := <-ready

	c, err := l.DialNet(context.Background(), "tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	if c.RemoteAddr().String() != addr.String() {
		t.Fatalf("RemoteAddr %v", c.RemoteAddr())
	}
	// A payload bigger than both the read limit and the write queue.
	payload := bytes.Repeat([]byte("0123456789abcdef"), 128<<10) // 2 MiB
	go func() {
		if _, err := c.Write(payload); err != nil {
			t.Error(err)
		}
	}()
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("echoed bytes differ")
	}
	// A read deadline in the past fails at once, with a timeout error.
	c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("read past deadline: %v", err)
	}
	c.SetReadDeadline(time.Time{})
	c.Write([]byte("again"))
	b := make([]byte, 5)
	if _, err := io.ReadFull(c, b); err != nil || string(b) != "again" {
		t.Fatalf("after deadline cleared: %q %v", b, err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Read(b); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after close: %v", err)
	}
}

func TestDialNetRefused(t *testing.T) {
	leakcheck.Check(t)
	tmp, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := tmp.Addr().String()
	tmp.Close()
	l := newLoop(t, WithKeepAlive())
	runInBackground(t, l)
	_, err := l.DialNet(context.Background(), "tcp", addr)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("DialNet: %v", err)
	}
}

func TestDialNetOnLoopRefused(t *testing.T) {
	l := newLoop(t)
	var err error
	l.NextTick(func() { _, err = l.DialNet(context.Background(), "tcp", "127.0.0.1:1") })
	run(t, l)
	if !errors.Is(err, ErrNotOnLoop) {
		t.Fatalf("DialNet on the loop: %v", err)
	}
}

// The adapter serves ordinary goroutine code: here net/http's client
// reads a response through it.
func TestNetConnPeerClose(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	ready := make(chan net.Addr, 1)
	l.Post(func() {
		ln, _ := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
			open: func(c *Conn) {
				c.Write([]byte("greeting"))
				c.Close()
			},
		})
		ready <- ln.Addr()
	})
	runInBackground(t, l)
	c, err := l.DialNet(context.Background(), "tcp", (<-ready).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := io.ReadAll(c)
	if err != nil || string(b) != "greeting" {
		t.Fatalf("ReadAll: %q %v", b, err)
	}
}
