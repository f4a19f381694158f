package eddy

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestSleepAndSubmitFutures(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	start := time.Now()
	var slept time.Duration
	var sum int
	var onLoop bool
	total := future.Then(l.Sleep(20*time.Millisecond), func(struct{}) (int, error) {
		slept = time.Since(start)
		return 1, nil
	})
	sq := Submit(l, func() (int, error) { return 41, nil })
	future.All(total, sq).OnSettle(func(v []int, err error) {
		if err != nil {
			t.Error(err)
		}
		onLoop = l.OnLoop()
		sum = v[0] + v[1]
	})
	var perr error
	Submit(l, func() (int, error) { panic("in pool") }).OnSettle(func(_ int, err error) { perr = err })
	run(t, l)
	if sum != 42 || !onLoop || slept < 20*time.Millisecond {
		t.Fatalf("sum %d onLoop %v slept %v", sum, onLoop, slept)
	}
	if !errors.Is(perr, ErrPanic) {
		t.Fatalf("panicking work: %v", perr)
	}
}

func TestSleepCancelStopsTimer(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	f := l.Sleep(time.Hour)
	var err error
	f.OnSettle(func(_ struct{}, e error) { err = e })
	l.NextTick(func() { f.Cancel(errors.New("never mind")) })
	run(t, l) // returns at once: the cancelled timer no longer holds the loop
	if !errors.Is(err, future.ErrCanceled) {
		t.Fatalf("cancelled sleep settled with %v", err)
	}
}

func TestDialFuture(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	got := ""
	opened := 0
	h := &funcHandler{
		open: func(c *Conn) { opened++ },
		data: func(c *Conn, d []byte) int {
			got += string(d)
			c.Close()
			ln.Close()
			return len(d)
		},
	}
	future.Then(l.DialFuture("tcp", ln.Addr().String(), h), func(c *Conn) (struct{}, error) {
		return struct{}{}, c.Write([]byte("via future"))
	})
	run(t, l)
	if got != "via future" || opened != 1 {
		t.Fatalf("got %q opened %d", got, opened)
	}

	// A refused dial rejects the future; OnClose is not called.
	tmp, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := tmp.Addr().String()
	tmp.Close()
	l2 := newLoop(t)
	closed := 0
	var err error
	l2.DialFuture("tcp", addr, &funcHandler{close: func(*Conn, error) { closed++ }}).OnSettle(func(_ *Conn, e error) { err = e })
	run(t, l2)
	if !errors.Is(err, ErrRefused) || closed != 0 {
		t.Fatalf("err %v, OnClose calls %d", err, closed)
	}
}

// Await from a goroutine works; on the loop it is refused.
func TestAwaitLoopFutures(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	runInBackground(t, l)
	fc := make(chan *future.Future[int], 1)
	l.Post(func() { fc <- Submit(l, func() (int, error) { return 7, nil }) })
	v, err := (<-fc).Await(t.Context())
	if err != nil || v != 7 {
		t.Fatalf("Await = %v, %v", v, err)
	}
	errc := make(chan error, 1)
	l.Post(func() {
		_, err := l.Sleep(time.Millisecond).Await(t.Context())
		errc <- err
	})
	if err := <-errc; !errors.Is(err, future.ErrAwaitOnLoop) {
		t.Fatalf("Await on the loop: %v", err)
	}
}
