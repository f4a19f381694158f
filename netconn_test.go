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
	if !errors.Is(err, ErrOnLoop) {
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

// adaptedPair returns both ends of a TCP connection on a loop running in
// the background, each seen through the net.Conn adapter.
func adaptedPair(t *testing.T) (c1, c2 net.Conn) {
	t.Helper()
	mk := netConnPipe(t, "tcp", bothAdapted)
	c1, c2, stop, err := mk()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return c1, c2
}

// hangGuard fails the test if done is not closed within a generous
// limit: the calls it guards would otherwise block forever.
func hangGuard(t *testing.T, what string, done <-chan struct{}) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still blocked after 10s", what)
	}
}

// Close must unblock every goroutine blocked in Read or Write, not just
// one of them, with an error matching net.ErrClosed.
func TestNetConnCloseUnblocksAll(t *testing.T) {
	leakcheck.Check(t)
	c1, _ := adaptedPair(t)
	const readers, writers = 4, 4
	errs := make(chan error, readers+writers)
	started := make(chan struct{}, readers+writers)
	for i := 0; i < readers; i++ {
		go func() {
			started <- struct{}{}
			_, err := c1.Read(make([]byte, 10))
			errs <- err
		}()
	}
	// The peer does not read, so that the writers fill the queue and
	// block.
	for i := 0; i < writers; i++ {
		go func() {
			started <- struct{}{}
			var err error
			for err == nil {
				_, err = c1.Write(make([]byte, 64<<10))
			}
			errs <- err
		}()
	}
	for i := 0; i < readers+writers; i++ {
		<-started
	}
	c1.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < readers+writers; i++ {
			if err := <-errs; !errors.Is(err, net.ErrClosed) {
				t.Errorf("after Close: %v", err)
			}
		}
	}()
	hangGuard(t, "Read/Write after Close", done)
}

// A deadline set while several goroutines wait in Read applies to all of
// them.
func TestNetConnDeadlineWakesAllReaders(t *testing.T) {
	leakcheck.Check(t)
	c1, _ := adaptedPair(t)
	const readers = 4
	errs := make(chan error, readers)
	started := make(chan struct{}, readers)
	for i := 0; i < readers; i++ {
		go func() {
			started <- struct{}{}
			_, err := c1.Read(make([]byte, 10))
			errs <- err
		}()
	}
	for i := 0; i < readers; i++ {
		<-started
	}
	// Give the readers time to block, so that the deadline finds them
	// waiting (the test passes, and tests less, if one is late).
	time.Sleep(50 * time.Millisecond)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < readers; i++ {
			err := <-errs
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("Read after a past deadline: %v", err)
			}
		}
	}()
	c1.SetReadDeadline(time.Unix(1, 0))
	hangGuard(t, "Read after SetReadDeadline in the past", done)
}

// A zero-length Read returns at once, as it does on a net package
// connection, rather than waiting for data.
func TestNetConnZeroLengthIO(t *testing.T) {
	leakcheck.Check(t)
	c1, c2 := adaptedPair(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if n, err := c1.Read(nil); n != 0 || err != nil {
			t.Errorf("Read(nil) = %d, %v", n, err)
		}
		if n, err := c1.Write(nil); n != 0 || err != nil {
			t.Errorf("Write(nil) = %d, %v", n, err)
		}
	}()
	hangGuard(t, "zero-length Read", done)
	// Nothing was sent: the next bytes the peer reads are these.
	c1.Write([]byte("x"))
	b := make([]byte, 1)
	if _, err := io.ReadFull(c2, b); err != nil || b[0] != 'x' {
		t.Fatalf("peer read %q, %v", b, err)
	}
	c1.Close()
	if _, err := c1.Write(nil); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write(nil) after Close: %v", err)
	}
	if err := c1.SetDeadline(time.Now()); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("SetDeadline after Close: %v", err)
	}
}

// A write deadline bounds the flush that Close starts: a peer that has
// stopped reading does not keep the connection open on the loop for
// ever.
func TestNetConnCloseFlushBoundedByWriteDeadline(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	runInBackground(t, l)
	std, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer std.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := std.Accept()
		accepted <- c
	}()
	c, err := l.DialNet(context.Background(), "tcp", std.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	peer := <-accepted // never reads
	if peer == nil {
		t.Fatal("accept failed")
	}
	defer peer.Close()
	// Fill the socket buffers and the write queue.
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	for err == nil {
		_, err = c.Write(make([]byte, 64<<10))
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Write: %v", err)
	}
	c.Close()
	waitFor(t, "connection closed on the loop", func() bool { return l.Stats().Conns == 0 })
}

// TestNetConnConcurrentWritesDoNotInterleave: a Write goes to the loop in
// pieces, but as with the net package, the bytes of concurrent Writes do
// not mix on the wire.
func TestNetConnConcurrentWritesDoNotInterleave(t *testing.T) {
	leakcheck.Check(t)
	c1, c2 := adaptedPair(t)
	const size = 1 << 20 // eight pieces each
	const writers = 4
	for i := range writers {
		go func() {
			if _, err := c1.Write(bytes.Repeat([]byte{'a' + byte(i)}, size)); err != nil {
				t.Error(err)
			}
		}()
	}
	got := make([]byte, writers*size)
	if _, err := io.ReadFull(c2, got); err != nil {
		t.Fatal(err)
	}
	seen := map[byte]bool{}
	for off := 0; off < len(got); off += size {
		b := got[off]
		if seen[b] {
			t.Fatalf("writer %c seen twice", b)
		}
		seen[b] = true
		if i := bytes.IndexFunc(got[off:off+size], func(r rune) bool { return byte(r) != b }); i >= 0 {
			t.Fatalf("write of %c interleaved with %c at %d", b, got[off+i], off+i)
		}
	}
}
