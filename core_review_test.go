//go:build linux

package eddy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// Opening and closing one handle of each kind leaves every count of the
// loop's stats at zero, and the loop then ends by itself.
func TestStatsBackToZeroAfterEveryKind(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var peak Stats
	var closers []func()
	l.NextTick(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{})
		if err != nil {
			t.Error(err)
			return
		}
		closers = append(closers, func() { ln.Close() })
		c, err := l.Dial("tcp", ln.Addr().String(), &funcHandler{
			open: func(c *Conn) {
				l.publishStats()
				peak = l.Stats()
				for _, fn := range closers {
					fn()
				}
				c.Close()
			},
		})
		if err != nil {
			t.Error(err)
			return
		}
		_ = c
		pc, err := l.ListenPacket("udp", "127.0.0.1:0", PacketFunc(func(*PacketConn, []byte, net.Addr) {}))
		if err != nil {
			t.Error(err)
			return
		}
		closers = append(closers, func() { pc.Close() })
		tm := l.AfterFunc(time.Hour, func() {})
		closers = append(closers, func() { tm.Stop() })
		id := l.Idle(func() {})
		closers = append(closers, id.Stop)
		sig, err := l.Signal(syscall.SIGUSR2, func(os.Signal) {})
		if err != nil {
			t.Error(err)
			return
		}
		closers = append(closers, sig.Stop)
		r, w, err := os.Pipe()
		if err != nil {
			t.Error(err)
			return
		}
		st, err := l.NewStream(r, &funcHandler{})
		r.Close()
		if err != nil {
			w.Close()
			t.Error(err)
			return
		}
		closers = append(closers, func() { st.Close(); w.Close() })
		Work(l, func() (int, error) { return 1, nil }, func(int, error) {})
		p, err := l.Spawn(ProcessOptions{Path: "/bin/true"})
		if err != nil {
			t.Error(err)
			return
		}
		_ = p
		wa, err := l.Watch(t.TempDir(), WatchOptions{}, func(WatchEvent) {})
		if err != nil {
			t.Error(err)
			return
		}
		closers = append(closers, func() { wa.Close() })
	})
	run(t, l)
	if peak.Conns < 2 || peak.Listeners != 1 || peak.PacketConns != 1 || peak.Timers != 1 || peak.Idles != 1 || peak.Signals != 1 {
		t.Errorf("stats with every kind open: %+v", peak)
	}
	s := l.Stats()
	if s.Conns != 0 || s.Listeners != 0 || s.PacketConns != 0 || s.Timers != 0 || s.Idles != 0 ||
		s.Signals != 0 || s.PendingWork != 0 || s.Posted != 0 || s.Refs != 0 || s.Awaiting != 0 {
		t.Fatalf("stats after closing everything: %+v", s)
	}
}

// A Group shut down straight after Start (before its loops' goroutines
// have begun to run) shuts down without touching a loop from another
// goroutine, and its listeners close.
func TestGroupShutdownRightAfterStart(t *testing.T) {
	leakcheck.Check(t)
	for i := 0; i < 20; i++ {
		g, err := NewGroup(WithLoops(2))
		if err != nil {
			t.Fatal(err)
		}
		hooks := make(chan struct{}, 2)
		for _, l := range g.Loops() {
			l.OnShutdown(func() { hooks <- struct{}{} })
		}
		addr, err := g.Listen("tcp", "127.0.0.1:0", &funcHandler{})
		if err != nil {
			t.Fatal(err)
		}
		g.Start()
		if err := g.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if len(hooks) != 2 {
			t.Fatalf("%d shutdown hooks ran, want 2", len(hooks))
		}
		if c, err := net.Dial("tcp", addr.String()); err == nil {
			c.Close()
			t.Fatal("listener still accepting after Shutdown")
		}
	}
}

// Shutdown with a context already done cuts the connections at once and
// reports the context's error.
func TestGroupShutdownContextDone(t *testing.T) {
	leakcheck.Check(t)
	g, err := NewGroup(WithLoops(1))
	if err != nil {
		t.Fatal(err)
	}
	opened := make(chan struct{})
	closed := make(chan error, 1)
	addr, err := g.Listen("tcp", "127.0.0.1:0", &funcHandler{
		open:  func(*Conn) { close(opened) },
		close: func(_ *Conn, err error) { closed <- err },
	})
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	<-opened
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if err := g.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v, want DeadlineExceeded", err)
	}
	if err := <-closed; !errors.Is(err, ErrLoopStopped) {
		t.Fatalf("connection closed with %v", err)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// Shutdown racing with the start of Run (as in Group.Shutdown right after
// Start) never runs the shutdown hooks beside the loop: under the race
// detector, the hook and the timer below touch n from two goroutines
// before the fix.
func TestShutdownRacingRun(t *testing.T) {
	leakcheck.Check(t)
	for i := 0; i < 500; i++ {
		l := newLoop(t, WithKeepAlive())
		n, hooks := 0, 0
		l.OnShutdown(func() { n++; hooks++ })
		l.AfterFunc(0, func() { n++ })
		done := make(chan error, 1)
		go func() { done <- l.Run() }()
		if err := l.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if hooks != 1 {
			t.Fatalf("shutdown hooks ran %d times", hooks)
		}
	}
}

// A signal the program ignored (signal.Ignore) before a loop watched it
// is ignored again once the loop stops watching it: it neither kills the
// process nor reads as not ignored. The check runs in a child process,
// since a signal that is not ignored there ends it.
func TestSignalIgnoredBeforeStaysIgnored(t *testing.T) {
	if os.Getenv("EDDY_TEST_SIGIGNORE_CHILD") == "1" {
		signalIgnoreChild()
		return
	}
	leakcheck.Check(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalIgnoredBeforeStaysIgnored$", "-test.count=1")
	cmd.Env = append(os.Environ(), "EDDY_TEST_SIGIGNORE_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ignored true true\nalive\n") {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func newChildLoop(opts ...Option) *Loop {
	l, err := New(opts...)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	return l
}

func signalIgnoreChild() {
	signal.Ignore(syscall.SIGHUP, syscall.SIGTERM)
	l := newChildLoop()
	got := 0
	var hs []*Signal
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGTERM} {
		h, err := l.Signal(sig, func(os.Signal) {
			got++
			if got == 2 {
				for _, h := range hs {
					h.Stop()
				}
			}
		})
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		hs = append(hs, h)
	}
	l.NextTick(func() {
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
	})
	if err := l.Run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	// Two loops watch SIGTERM: the first to stop leaves the other's
	// watch alone, and the last ignores it again.
	a, b := newChildLoop(), newChildLoop(WithKeepAlive())
	ha, err := a.Signal(syscall.SIGTERM, func(os.Signal) {})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	gotB := make(chan struct{}, 8)
	hb, err := b.Signal(syscall.SIGTERM, func(os.Signal) { gotB <- struct{}{} })
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	bDone := make(chan error, 1)
	go func() { bDone <- b.Run() }()
	ha.Stop()
	if err := a.Run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case <-gotB:
	case <-time.After(10 * time.Second):
		fmt.Println("the second loop lost its SIGTERM handler")
		os.Exit(1)
	}
	b.Post(func() { hb.Stop(); b.Stop() })
	if err := <-bDone; err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ignored", signal.Ignored(syscall.SIGHUP), signal.Ignored(syscall.SIGTERM))
	// Sent to this very thread, the signal is handled before Tgkill
	// returns: a SIGTERM not ignored ends the process here.
	runtime.LockOSThread()
	syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGHUP)
	syscall.Tgkill(os.Getpid(), syscall.Gettid(), syscall.SIGTERM)
	fmt.Println("alive")
	os.Exit(0)
}

// A loop stopped with handles of every kind still open or pending ends
// with no count stuck in its stats: what teardown closed or dropped no
// longer counts, and a handle stopped afterwards (here from an exit
// callback) does not drive a count below zero.
func TestStatsZeroAfterStopWithHandlesOpen(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	release := make(chan struct{})
	released := make(chan struct{})
	var id *Idle
	var tm *Timer
	l.NextTick(func() {
		tm = l.AfterFunc(time.Hour, func() {})
		l.Every(time.Hour, func() {})
		id = l.Idle(func() {})
		if _, err := l.Signal(syscall.SIGUSR2, func(os.Signal) {}); err != nil {
			t.Error(err)
		}
		if _, err := l.Spawn(ProcessOptions{Path: "/bin/sh", Args: []string{"sh", "-c", "read x"}, Stdin: StdioPipe}); err != nil {
			t.Error(err)
		}
		WorkOwned(l, func() (int, error) { <-release; return 1, nil }, func(int, error) {}, func(int) { close(released) })
		l.AfterFunc(0, l.Stop)
	})
	l.OnExit(func() {
		id.Stop()
		tm.Stop()
		// Started too late to ever run: they do not count either.
		l.AfterFunc(0, func() {})
		l.Idle(func() {})
	})
	run(t, l)
	close(release)
	<-released
	s := l.Stats()
	if s.Timers != 0 || s.Idles != 0 || s.Signals != 0 || s.PendingWork != 0 || s.Posted != 0 || s.Refs != 0 {
		t.Fatalf("stats after the loop ended: %+v", s)
	}
}

// Group.Shutdown begins the graceful shutdown on every loop at once: a
// loop whose connections take a while to finish does not keep the other
// loops' listeners open and their shutdown hooks waiting.
func TestGroupShutdownBeginsOnEveryLoopAtOnce(t *testing.T) {
	leakcheck.Check(t)
	g, err := NewGroup(WithLoops(2))
	if err != nil {
		t.Fatal(err)
	}
	server, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	g.Start()
	// Loop 0 holds a connection that finishes only when the test says so.
	l0, l1 := g.Loops()[0], g.Loops()[1]
	drained := make(chan struct{})
	dialed := make(chan error, 1)
	l0.Post(func() {
		_, err := l0.Dial("tcp", server.Addr().String(), &funcHandler{
			close: func(*Conn, error) { close(drained) },
		})
		dialed <- err
	})
	if err := <-dialed; err != nil {
		t.Fatal(err)
	}
	peer, err := server.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// Loop 1's hook records whether loop 0 had drained when it ran.
	hookRan := make(chan bool, 1)
	registered := make(chan struct{})
	l1.Post(func() {
		l1.OnShutdown(func() {
			select {
			case <-drained:
				hookRan <- true
			default:
				hookRan <- false
			}
		})
		close(registered)
	})
	// Registered before Shutdown: a loop whose goroutine has not reached
	// Run yet is shut down by the caller, before what was posted to it.
	<-registered
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res := make(chan error, 1)
	go func() { res <- g.Shutdown(ctx) }()
	if late := <-hookRan; late {
		t.Error("loop 1's shutdown began only after loop 0 had drained")
	}
	peer.Close() // loop 0's connection finishes
	if err := <-res; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// Shutdown with a context already done reports no error when nothing had
// to be cut: the loop had no connection, or its hooks closed them all.
func TestShutdownDoneContextNothingToCut(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	l.OnShutdown(func() {}) // a server would close its idle connections here
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	running := make(chan struct{})
	l.Post(func() { close(running) })
	<-running
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v, want nil (nothing was cut)", err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A burst of timers that are then stopped (a million idle connections
// that went away) does not keep the heap's array at its largest size.
func TestTimerHeapShrinksAfterBurst(t *testing.T) {
	l := newLoop(t)
	ts := make([]*Timer, 200000)
	for i := range ts {
		ts[i] = l.AfterFunc(time.Hour+time.Duration(i), func() {})
	}
	for i, tm := range ts {
		if i%2 == 0 { // from both ends of the heap
			tm.Stop()
		}
	}
	for i := len(ts) - 1; i >= 0; i-- {
		ts[i].Stop()
	}
	if n, c := l.timers.len(), cap(l.timers.h); n != 0 || c > 1024 {
		t.Fatalf("after stopping every timer: %d pending, heap capacity %d", n, c)
	}
	l.AfterFunc(0, func() {})
	run(t, l)
	if s := l.Stats(); s.Refs != 0 || s.Timers != 0 {
		t.Fatalf("stats: %+v", s)
	}
}

// BenchmarkTimerStartStop is a connection's idle timer moved on every
// request, among 10000 other pending timers.
func BenchmarkTimerStartStop(b *testing.B) {
	l := newLoop(b)
	for i := 0; i < 10000; i++ {
		l.AfterFunc(time.Hour+time.Duration(i)*time.Millisecond, func() {})
	}
	tm := l.AfterFunc(time.Hour, func() {})
	b.ReportAllocs()
	for b.Loop() {
		tm.Reset(30 * time.Minute)
	}
	l.timers.clear()
}

// BenchmarkIdleTurn is one turn of the idle phase with one active idle
// callback.
func BenchmarkIdleTurn(b *testing.B) {
	l := newLoop(b)
	l.Idle(func() {})
	b.ReportAllocs()
	for b.Loop() {
		l.runIdles()
	}
}
