package eddy

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// counting counts connections per loop; safe for the loops of a group.
type counting struct {
	BaseHandler
	mu     sync.Mutex
	byLoop map[*Loop]int
}

func (h *counting) OnOpen(c *Conn) {
	h.mu.Lock()
	h.byLoop[c.Loop()]++
	h.mu.Unlock()
}

func (h *counting) OnData(c *Conn, d []byte) int {
	c.Write(d)
	return len(d)
}

func testGroup(t *testing.T, opts ...GroupOption) {
	leakcheck.Check(t)
	g, err := NewGroup(append([]GroupOption{WithLoops(2)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h := &counting{byLoop: map[*Loop]int{}}
	addr, err := g.Listen("tcp", "127.0.0.1:0", h)
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	const n = 64
	var wg sync.WaitGroup
	var failures atomic.Int32
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", addr.String())
			if err != nil {
				failures.Add(1)
				return
			}
			defer c.Close()
			c.Write([]byte("ping"))
			b := make([]byte, 4)
			if _, err := io.ReadFull(c, b); err != nil || string(b) != "ping" {
				failures.Add(1)
			}
		}()
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if failures.Load() != 0 {
		t.Fatalf("%d clients failed", failures.Load())
	}
	total := 0
	for _, k := range h.byLoop {
		total += k
	}
	if total != n {
		t.Fatalf("accepted %d, want %d", total, n)
	}
	if len(h.byLoop) != 2 {
		t.Logf("connections by loop: %v (the kernel's SO_REUSEPORT hash may favour one)", h.byLoop)
	}
}

func TestGroupReusePort(t *testing.T) { testGroup(t) }

func TestGroupHandoff(t *testing.T) {
	testGroup(t, WithHandoff())
}

func TestGroupHandoffSpreadsEvenly(t *testing.T) {
	leakcheck.Check(t)
	g, _ := NewGroup(WithLoops(2), WithHandoff())
	h := &counting{byLoop: map[*Loop]int{}}
	addr, _ := g.Listen("tcp", "127.0.0.1:0", h)
	g.Start()
	var conns []net.Conn
	for i := 0; i < 10; i++ {
		c, err := net.Dial("tcp", addr.String())
		if err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("x"))
		io.ReadFull(c, make([]byte, 1))
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	g.Shutdown(context.Background())
	for _, l := range g.Loops() {
		if h.byLoop[l] != 5 {
			t.Fatalf("connections by loop %v, want 5 each", h.byLoop)
		}
	}
}

// Graceful shutdown: listeners close at once, a busy connection gets to
// finish, and a connection that never finishes is cut when ctx ends.
func TestGroupShutdownGraceful(t *testing.T) {
	leakcheck.Check(t)
	g, _ := NewGroup(WithLoops(1))
	var closeErrs sync.Map
	h := &funcHandler{
		data: func(c *Conn, d []byte) int {
			// Reply after a delay, then close: in-flight work.
			c.Loop().AfterFunc(50*time.Millisecond, func() {
				c.Write([]byte("done"))
				c.Close()
			})
			return len(d)
		},
		close: func(c *Conn, err error) { closeErrs.Store(c, err) },
	}
	addr, _ := g.Listen("tcp", "127.0.0.1:0", h)
	g.Start()
	c, err := net.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("work"))
	time.Sleep(10 * time.Millisecond)
	res := make(chan string, 1)
	go func() {
		b, _ := io.ReadAll(c)
		res <- string(b)
	}()
	if err := g.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := <-res; got != "done" {
		t.Fatalf("in-flight request got %q", got)
	}
	if _, err := net.Dial("tcp", addr.String()); err == nil {
		t.Fatal("listener still accepting after shutdown")
	}

	// A connection that never closes is cut at the deadline.
	g2, _ := NewGroup(WithLoops(1))
	addr2, _ := g2.Listen("tcp", "127.0.0.1:0", BaseHandler{})
	g2.Start()
	c2, err := net.Dial("tcp", addr2.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	time.Sleep(10 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := g2.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("forced shutdown returned %v", err)
	}
	if _, err := c2.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("cut connection read %v, want EOF", err)
	}
}

// A Listen that fails fails once, not once per loop: the other loops
// would only repeat the first one's error.
func TestGroupListenErrorOnce(t *testing.T) {
	leakcheck.Check(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0") // no SO_REUSEPORT: the port is refused
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	g, err := NewGroup(WithLoops(3))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { g.Stop(); g.Run() }()
	_, err = g.Listen("tcp", taken.Addr().String(), echo{})
	if !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("Listen on a taken port: %v", err)
	}
	if n := strings.Count(err.Error(), "in use"); n != 1 {
		t.Fatalf("the error is repeated %d times: %v", n, err)
	}
}

// WithWorkers among a group's loop options sizes the pool the loops
// share: that many blocking jobs run at once.
func TestGroupWorkers(t *testing.T) {
	leakcheck.Check(t)
	const n = 8
	g, err := NewGroup(WithLoops(2), WithLoopOptions(WithWorkers(n)))
	if err != nil {
		t.Fatal(err)
	}
	g.Start()
	defer func() { g.Stop(); g.Wait() }()
	var running atomic.Int32
	all := make(chan struct{})
	results := make(chan bool, n)
	for i := range n {
		l := g.Loops()[i%2]
		l.Post(func() {
			Work(l, func() (bool, error) {
				if running.Add(1) == n {
					close(all)
				}
				select {
				case <-all:
					return true, nil
				case <-time.After(5 * time.Second):
					return false, nil
				}
			}, func(ok bool, _ error) { results <- ok })
		})
	}
	for range n {
		if !<-results {
			t.Fatalf("the %d jobs did not run at once: the pool has fewer workers", n)
		}
	}
}

// Shutdown on the loop's own goroutine, where it would wait for itself,
// fails with ErrOnLoop.
func TestShutdownOnLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var err error
	l.NextTick(func() { err = l.Shutdown(context.Background()) })
	run(t, l)
	if !errors.Is(err, ErrOnLoop) {
		t.Fatalf("Shutdown on the loop: %v", err)
	}
}
