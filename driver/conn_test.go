package driver_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
)

type lineConn = driver.Conn[struct{}, string]

// startLoop runs a client loop until the test ends.
func startLoop(t *testing.T, opts ...eddy.Option) *eddy.Loop { return looptest.Start(t, opts...) }

func dial(t *testing.T, l *eddy.Loop, addr string, edit ...func(*driver.Config[struct{}, string])) *lineConn {
	t.Helper()
	cfg := driver.Config[struct{}, string]{
		Addr: addr, Codec: &lineCodec{},
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	cn := driver.New(l, cfg)
	t.Cleanup(cn.Close)
	return cn
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func do(t *testing.T, cn *lineConn, line string) (string, error) {
	t.Helper()
	return cn.Do(ctx(t), struct{}{}, cmd(line), 0)
}

// echo sends ECHO word and fails the test, saying when, unless word comes
// back.
func echo(t *testing.T, cn *lineConn, word, when string) {
	t.Helper()
	if v, err := do(t, cn, "ECHO "+word); err != nil || v != word {
		t.Fatalf("%s: %q, %v", when, v, err)
	}
}

// onLoop runs fn on l and waits for it.
func onLoop(l *eddy.Loop, fn func()) {
	done := make(chan struct{})
	l.Post(func() { fn(); close(done) })
	<-done
}

func TestPipelineOneTurn(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	reads := srv.reads.Load()
	const n = 2000
	fs := make([]*future.Future[string], n)
	onLoop(l, func() {
		for i := range fs {
			fs[i] = cn.Call(struct{}{}, cmd(fmt.Sprintf("ECHO %d", i)), 0)
		}
	})
	for i, f := range fs {
		v, err := f.Await(ctx(t))
		if err != nil || v != fmt.Sprint(i) {
			t.Fatalf("reply %d = %q, %v", i, v, err)
		}
	}
	// 2000 requests written in one turn reach the server in a few reads,
	// not 2000.
	if got := srv.reads.Load() - reads; got > 200 {
		t.Errorf("server needed %d reads for one batch", got)
	}
}

func TestErrorReplyKeepsConnection(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	_, err := do(t, cn, "ERR nope")
	var re *errReply
	if !errors.As(err, &re) || re.msg != "nope" {
		t.Fatalf("err = %v", err)
	}
	echo(t, cn, "after", "after error")
	if srv.conns.Load() != 1 {
		t.Errorf("%d connections, want 1", srv.conns.Load())
	}
}

func TestCancelSentConsumesReply(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	c, cancel := context.WithCancel(context.Background())
	slow := make(chan error, 1)
	go func() {
		_, err := cn.Do(c, struct{}{}, cmd("SLOW held first"), 0)
		slow <- err
	}()
	// Wait until the server has the slow request, then give up on it.
	for len(srv.lines()) < 2 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-slow; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Do: %v", err)
	}
	srv.release(t) // the reply comes only now, after the cancel
	// The next reply must not be the cancelled request's.
	echo(t, cn, "second", "after cancel")
}

func TestCancelUnsentIsDropped(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	var cn *lineConn
	var dropped, kept *future.Future[string]
	onLoop(l, func() {
		cn = driver.New(l, driver.Config[struct{}, string]{Addr: srv.addr, Codec: &lineCodec{}})
		dropped = cn.Call(struct{}{}, cmd("ECHO dropped"), 0)
		kept = cn.Call(struct{}{}, cmd("ECHO kept"), 0)
		dropped.Cancel(errors.New("not wanted"))
	})
	defer cn.Close()
	if v, err := kept.Await(ctx(t)); err != nil || v != "kept" {
		t.Fatalf("kept: %q, %v", v, err)
	}
	if _, err := dropped.Await(ctx(t)); !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("dropped: %v", err)
	}
	if got := srv.lines(); len(got) != 1 || got[0] != "ECHO kept" {
		t.Fatalf("server saw %q", got)
	}
}

func TestConnLost(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	var plain, idem, closer *future.Future[string]
	onLoop(l, func() {
		plain = cn.Call(struct{}{}, cmd("SLOW 50 plain"), 0)
		idem = cn.Call(struct{}{}, cmd("SLOW 50 idem"), driver.Idempotent)
		closer = cn.Call(struct{}{}, cmd("CLOSE"), 0)
	})
	for _, f := range []*future.Future[string]{plain, closer} {
		_, err := f.Await(ctx(t))
		var ce *driver.ConnError
		if !errors.Is(err, driver.ErrConnLost) || !errors.As(err, &ce) || !ce.Sent {
			t.Fatalf("in-flight request: %v", err)
		}
	}
	// The idempotent request is sent again on the new connection.
	if v, err := idem.Await(ctx(t)); err != nil || v != "idem" {
		t.Fatalf("idempotent: %q, %v", v, err)
	}
	echo(t, cn, "later", "later")
	n := 0
	for _, line := range srv.lines() {
		if line == "SLOW 50 plain" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("non-idempotent request sent %d times", n)
	}
}

func TestDialFailure(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	// A listener closed at once leaves a port where nothing listens.
	srv := startServer(t)
	addr := srv.addr
	srv.loop.Stop()
	<-srv.done
	var states []driver.State
	var mu sync.Mutex
	cn := dial(t, l, addr, func(c *driver.Config[struct{}, string]) {
		c.OnState = func(s driver.State, _ error) { mu.Lock(); states = append(states, s); mu.Unlock() }
	})
	_, err := do(t, cn, "ECHO x")
	var ce *driver.ConnError
	if !errors.As(err, &ce) || ce.Sent || !errors.Is(err, eddy.ErrRefused) {
		t.Fatalf("err = %v", err)
	}
	cn.Close()
	if _, err := do(t, cn, "ECHO y"); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(states) < 2 || states[0] != driver.StateDialing || states[len(states)-1] != driver.StateClosed {
		t.Errorf("states %v", states)
	}
}

func TestSetup(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.Setup = func(h *driver.Handshake[struct{}, string]) *future.Future[struct{}] {
			return future.Then(h.Send(struct{}{}, cmd("ECHO hello")), func(v string) (struct{}, error) {
				if v != "hello" {
					return struct{}{}, fmt.Errorf("greeting %q", v)
				}
				return struct{}{}, nil
			})
		}
	})
	if v, err := do(t, cn, "ECHO a"); err != nil || v != "a" {
		t.Fatalf("%q, %v", v, err)
	}
	do(t, cn, "CLOSE")
	if v, err := do(t, cn, "ECHO b"); err != nil || v != "b" {
		t.Fatalf("%q, %v", v, err)
	}
	want := []string{"ECHO hello", "ECHO a", "CLOSE", "ECHO hello", "ECHO b"}
	if got := srv.lines(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("server saw %q, want %q", got, want)
	}
}

func TestSetupFailure(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.Setup = func(h *driver.Handshake[struct{}, string]) *future.Future[struct{}] {
			return future.Then(h.Send(struct{}{}, cmd("ERR denied")), func(string) (struct{}, error) { return struct{}{}, nil })
		}
	})
	_, err := do(t, cn, "ECHO a")
	var re *errReply
	if !errors.Is(err, driver.ErrConnLost) || !errors.Is(err, driver.ErrSetup) || !errors.As(err, &re) {
		t.Fatalf("err = %v", err)
	}
	for _, line := range srv.lines() {
		if line == "ECHO a" {
			t.Fatal("request written before the handshake succeeded")
		}
	}
}

func TestBrokenStream(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	var bad, next *future.Future[string]
	onLoop(l, func() {
		bad = cn.Call(struct{}{}, cmd("BAD"), 0)
		next = cn.Call(struct{}{}, cmd("SLOW 20 next"), 0)
	})
	if _, err := bad.Await(ctx(t)); !errors.Is(err, driver.ErrBroken) {
		t.Fatalf("bad: %v", err)
	}
	if _, err := next.Await(ctx(t)); !errors.Is(err, driver.ErrConnLost) || !errors.Is(err, driver.ErrBroken) {
		t.Fatalf("next: %v", err)
	}
	echo(t, cn, "ok", "after reconnect")
}

func TestUnsolicitedReply(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	v, err := do(t, cn, "PUSH twice")
	if err != nil || v != "twice" {
		t.Fatalf("%q, %v", v, err)
	}
	// The extra line drops the connection; the next request gets a new one.
	if v, err := do(t, cn, "ECHO ok"); err != nil || v != "ok" {
		t.Fatalf("%q, %v", v, err)
	}
	if srv.conns.Load() != 2 {
		t.Errorf("%d connections, want 2", srv.conns.Load())
	}
}

// TestUnsolicitedWhileUnsent: an extra reply that arrives while the only
// pending request is still unwritten (held back by the cork, since the
// first one awaited its reply) must not settle that request; it breaks
// the connection, and the unwritten request is sent again on the next.
func TestUnsolicitedWhileUnsent(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	var first, second *future.Future[string]
	onLoop(l, func() { first = cn.Call(struct{}{}, cmd("SLOWPUSH 200 x"), 0) })
	// The first request is written on the next turn; the second, called
	// well before the first's reply, is corked behind it.
	time.Sleep(30 * time.Millisecond)
	onLoop(l, func() { second = cn.Call(struct{}{}, cmd("ECHO b"), 0) })
	if v, err := first.Await(ctx(t)); err != nil || v != "x" {
		t.Fatalf("first: %q, %v", v, err)
	}
	if v, err := second.Await(ctx(t)); err != nil || v != "b" {
		t.Fatalf("second: %q, %v (want the reply to its own request)", v, err)
	}
	if got := srv.conns.Load(); got != 2 {
		t.Errorf("%d connections, want 2 (the extra reply breaks the first)", got)
	}
	seen := srv.lines()
	if n := len(seen); n != 3 || seen[n-1] != "ECHO b" {
		t.Errorf("server saw %q, want ECHO b written once, on the new connection", seen)
	}
}

// TestPushCodecOutOfBand: with a PushCodec, out-of-band messages that
// arrive while no reply is awaited are consumed and the connection stays
// up; any other unsolicited bytes still break it.
func TestPushCodecOutOfBand(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	pc := &pushCodec{}
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) { c.Codec = pc })
	for i := range 3 {
		if v, err := do(t, cn, fmt.Sprintf("NOTE 30 n%d", i)); err != nil || v != "ok" {
			t.Fatalf("NOTE %d: %q, %v", i, v, err)
		}
	}
	// The notes come while nothing is in flight; the next reply is read
	// on the same connection once they have all come.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var n int
		onLoop(l, func() { n = len(pc.notes) })
		if n == 3 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	echo(t, cn, "after", "ECHO after the notes")
	var notes []string
	onLoop(l, func() { notes = append(notes, pc.notes...) })
	if fmt.Sprint(notes) != "[n0 n1 n2]" {
		t.Errorf("notes %q, want n0 n1 n2", notes)
	}
	if got := srv.conns.Load(); got != 1 {
		t.Errorf("%d connections, want 1", got)
	}
	// An extra reply that is not out-of-band still breaks the connection.
	if v, err := do(t, cn, "PUSH twice"); err != nil || v != "twice" {
		t.Fatalf("PUSH: %q, %v", v, err)
	}
	echo(t, cn, "ok", "after the extra reply")
	if got := srv.conns.Load(); got != 2 {
		t.Errorf("%d connections, want 2 after an extra reply", got)
	}
}

func TestBackpressure(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t, eddy.WithWriteBuffer(1<<10, 4<<10))
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	const n = 20000
	fs := make([]*future.Future[string], 0, n+1)
	onLoop(l, func() {
		fs = append(fs, cn.Call(struct{}{}, cmd("PAUSE 200"), 0))
	})
	// Many turns of requests while the server does not read: the socket
	// buffers fill, Write refuses, OnDrain resumes.
	for i := 0; i < n; i += 1000 {
		onLoop(l, func() {
			for j := i; j < i+1000; j++ {
				fs = append(fs, cn.Call(struct{}{}, cmd(fmt.Sprintf("ECHO %01000d", j)), 0))
			}
		})
	}
	for i, f := range fs {
		v, err := f.Await(ctx(t))
		want := "ok"
		if i > 0 {
			want = fmt.Sprintf("%01000d", i-1)
		}
		if err != nil || v != want {
			t.Fatalf("reply %d: %q, %v", i, v, err)
		}
	}
}

func TestBacklogFull(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	var errs []error
	onLoop(l, func() {
		cn := driver.New(l, driver.Config[struct{}, string]{Addr: srv.addr, Codec: &lineCodec{}, MaxQueued: 2})
		defer cn.Close()
		for range 3 {
			cn.Call(struct{}{}, cmd("ECHO x"), 0).OnSettle(func(_ string, err error) { errs = append(errs, err) })
		}
	})
	onLoop(l, func() {})
	if len(errs) != 3 || !errors.Is(errs[0], driver.ErrBacklogFull) {
		t.Fatalf("errs = %v", errs)
	}
}

func TestShutdown(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	var slow *future.Future[string]
	var done *future.Future[struct{}]
	onLoop(l, func() {
		slow = cn.Call(struct{}{}, cmd("SLOW 30 last"), 0)
		done = cn.Shutdown(cmd("BYE"))
	})
	if v, err := slow.Await(ctx(t)); err != nil || v != "last" {
		t.Fatalf("in flight at Shutdown: %q, %v", v, err)
	}
	if _, err := done.Await(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := do(t, cn, "ECHO x"); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("after Shutdown: %v", err)
	}
	// The driver has written BYE and closed; the test server records it
	// when its own reader gets there.
	deadline := time.Now().Add(5 * time.Second)
	got := srv.lines()
	for got[len(got)-1] != "BYE" && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
		got = srv.lines()
	}
	if got[len(got)-1] != "BYE" {
		t.Fatalf("server saw %q", got)
	}
}

func TestCloseFailsInFlight(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	echo(t, cn, "warm", "ECHO warm")
	f := cn.Call(struct{}{}, cmd("SLOW 1000 never"), 0)
	for len(srv.lines()) < 2 {
		time.Sleep(time.Millisecond)
	}
	cn.Close()
	if _, err := f.Await(ctx(t)); !errors.Is(err, driver.ErrClosed) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoopStopFailsInFlight(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); l.Run() }()
	cn := driver.New(l, driver.Config[struct{}, string]{Addr: srv.addr, Codec: &lineCodec{}})
	f := cn.Call(struct{}{}, cmd("SLOW 1000 never"), 0)
	for len(srv.lines()) < 1 {
		time.Sleep(time.Millisecond)
	}
	l.Stop()
	<-done
	if _, err := f.Await(ctx(t)); !errors.Is(err, driver.ErrConnLost) || !errors.Is(err, eddy.ErrLoopStopped) {
		t.Fatalf("err = %v", err)
	}
}

func TestDoFromManyGoroutines(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for g := range 100 {
		wg.Go(func() {
			for i := range 50 {
				want := fmt.Sprintf("%d-%d", g, i)
				v, err := do(t, cn, "ECHO "+want)
				if err != nil || v != want {
					errs <- fmt.Errorf("got %q, %v; want %q", v, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if srv.conns.Load() != 1 {
		t.Errorf("%d connections, want 1 shared", srv.conns.Load())
	}
	var onLoopErr error
	onLoop(l, func() { _, onLoopErr = cn.Do(context.Background(), struct{}{}, cmd("ECHO x"), 0) })
	if !errors.Is(onLoopErr, future.ErrAwaitOnLoop) {
		t.Fatalf("Do on the loop: %v", onLoopErr)
	}
}

// The connection tells its loop while written requests await replies, so
// that the loop's adaptive spin knows when a reply is due.
func TestAwaitingReplies(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	cn := dial(t, l, srv.addr)
	awaiting := func(want int) {
		t.Helper()
		looptest.WaitStats(t, l, fmt.Sprint(want, " awaiting"), func(st eddy.Stats) bool { return st.Awaiting == want })
	}
	var slow *future.Future[string]
	// The replies are held, so that the count is seen before they come.
	onLoop(l, func() { slow = cn.Call(struct{}{}, cmd("SLOW held x"), 0) })
	awaiting(1)
	srv.release(t)
	if _, err := slow.Await(ctx(t)); err != nil {
		t.Fatal(err)
	}
	awaiting(0)
	// A lost connection withdraws it too.
	onLoop(l, func() {
		slow = cn.Call(struct{}{}, cmd("SLOW held y"), 0)
		cn.Call(struct{}{}, cmd("CLOSE"), 0)
	})
	if _, err := slow.Await(ctx(t)); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("in flight across a lost connection: %v", err)
	}
	awaiting(0)
	onLoop(l, func() { slow = cn.Call(struct{}{}, cmd("SLOW held z"), 0) })
	awaiting(1)
	cn.Close()
	slow.Await(ctx(t))
	awaiting(0)
}

// A NoReconnect Conn that was ready and dropped closes for good: every
// request in flight fails, the idempotent one and the unsent one too (a
// new connection would lack the session's state), later requests fail at
// once, and no new connection is made.
func TestNoReconnect(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	var mu sync.Mutex
	var states []driver.State
	var closedErr error
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.NoReconnect = true
		c.OnState = func(s driver.State, err error) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, s)
			if s == driver.StateClosed {
				closedErr = err
			}
		}
	})
	echo(t, cn, "warm", "ECHO warm")
	var plain, idem, closer, held *future.Future[string]
	onLoop(l, func() {
		plain = cn.Call(struct{}{}, cmd("SLOW 50 plain"), 0)
		idem = cn.Call(struct{}{}, cmd("SLOW 50 idem"), driver.Idempotent)
		closer = cn.Call(struct{}{}, cmd("CLOSE"), 0)
	})
	// Held back while replies are due, or refused if the drop was seen
	// already: never written either way.
	onLoop(l, func() { held = cn.Call(struct{}{}, cmd("ECHO held"), driver.Idempotent) })
	connLost := func(what string, f *future.Future[string], sent bool) {
		t.Helper()
		_, err := f.Await(ctx(t))
		var ce *driver.ConnError
		if !errors.Is(err, driver.ErrConnLost) || !errors.As(err, &ce) || ce.Sent != sent || ce.Err == nil {
			t.Fatalf("%s: %v, want a *ConnError with Sent %v and a cause", what, err, sent)
		}
	}
	connLost("plain", plain, true)
	connLost("idempotent", idem, true)
	connLost("CLOSE", closer, true)
	connLost("held", held, false)
	later := cn.Call(struct{}{}, cmd("ECHO later"), 0)
	connLost("later", later, false)
	if _, err := do(t, cn, "ECHO later"); !errors.Is(err, driver.ErrConnLost) {
		t.Fatalf("Do after the drop: %v", err)
	}
	cn.Close() // changes nothing: the Conn is closed already
	connLost("after Close", cn.Call(struct{}{}, cmd("ECHO x"), 0), false)
	if n := srv.conns.Load(); n != 1 {
		t.Errorf("%d connections made, want 1", n)
	}
	if got, want := srv.lines(), []string{"ECHO warm", "SLOW 50 plain", "SLOW 50 idem", "CLOSE"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("server saw %q, want %q", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []driver.State{driver.StateDialing, driver.StateReady, driver.StateClosed}
	if fmt.Sprint(states) != fmt.Sprint(want) || closedErr == nil {
		t.Errorf("states %v (closed with %v), want %v with the cause", states, closedErr, want)
	}
}

// Until its connection has been ready, a NoReconnect Conn retries as
// usual: nothing of the caller's was written, so nothing was lost.
func TestNoReconnectRetriesFirstConnection(t *testing.T) {
	leakcheck.Check(t)
	srv := startServer(t)
	l := startLoop(t)
	var handshakes atomic.Int32
	ready := make(chan struct{})
	cn := dial(t, l, srv.addr, func(c *driver.Config[struct{}, string]) {
		c.NoReconnect = true
		c.Setup = func(h *driver.Handshake[struct{}, string]) *future.Future[struct{}] {
			line := "ECHO hello"
			if handshakes.Add(1) == 1 {
				line = "ERR not yet"
			}
			return future.Then(h.Send(struct{}{}, cmd(line)), func(string) (struct{}, error) { return struct{}{}, nil })
		}
		c.OnState = func(s driver.State, _ error) {
			if s == driver.StateReady {
				close(ready)
			}
		}
	})
	select {
	case <-ready:
	case <-ctx(t).Done():
		t.Fatal("never ready after a refused first handshake")
	}
	echo(t, cn, "a", "after the retried handshake")
	if n := srv.conns.Load(); n != 2 {
		t.Errorf("%d connections made, want 2", n)
	}
}
