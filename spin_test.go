package eddy

import (
	"runtime"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// A spinning loop still serves I/O and timers correctly.
func TestSpinningLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithSpin(50*time.Microsecond))
	ln, _ := l.Listen("tcp", "127.0.0.1:0", echo{})
	n := 0
	l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { c.Write([]byte("x")) },
		data: func(c *Conn, d []byte) int {
			n++
			if n == 100 {
				c.Close()
				ln.Close()
				return len(d)
			}
			c.Write(d)
			return len(d)
		},
	})
	fired := false
	l.AfterFunc(time.Millisecond, func() { fired = true })
	run(t, l)
	if n != 100 || !fired {
		t.Fatalf("round trips %d, timer fired %v", n, fired)
	}
}

// The default, adaptive spin: only while replies are awaited, and only
// after a streak of short sleeps; a long sleep or a fruitless spin ends
// the streak.
func TestAdaptiveSpinPolicy(t *testing.T) {
	l := newLoop(t)
	short, long := AutoSpin/2, 10*AutoSpin
	for range spinStreak {
		l.noteSleep(short, 1)
	}
	if d := l.spinFor(); d != 0 {
		t.Fatalf("spins %v with no replies awaited", d)
	}
	l.ExpectReplies(1)
	if d := l.spinFor(); d != AutoSpin {
		t.Fatalf("spinFor = %v after a streak with a reply awaited, want %v", d, AutoSpin)
	}
	l.noteSleep(long, 1)
	if d := l.spinFor(); d != 0 {
		t.Fatalf("spins %v after a long sleep", d)
	}
	for range spinStreak {
		l.noteSleep(short, 1)
	}
	l.noteSleep(short, spinEvents+1)
	if d := l.spinFor(); d != 0 {
		t.Fatalf("spins %v after a sleep that ended with many completions", d)
	}
	for range spinStreak - 1 {
		l.noteSleep(short, 1)
	}
	if d := l.spinFor(); d != 0 {
		t.Fatalf("spins %v before the streak is complete", d)
	}
	l.noteSleep(short, 1)
	if l.spin() { // nothing is coming: the spin finds nothing
		t.Fatal("spin found work on a quiet loop")
	}
	if d := l.spinFor(); d != 0 {
		t.Fatalf("spins %v again right after a fruitless spin", d)
	}
	l.ExpectReplies(-1)
	if l.spins != 1 {
		t.Fatalf("spins counted %d, want 1", l.spins)
	}

	for _, c := range []struct {
		opt  time.Duration
		want time.Duration
	}{{0, 0}, {20 * time.Microsecond, 20 * time.Microsecond}} {
		l := newLoop(t, WithSpin(c.opt))
		l.ExpectReplies(1)
		for range spinStreak {
			l.noteSleep(short, 1)
		}
		if d := l.spinFor(); d != c.want {
			t.Errorf("WithSpin(%v): spinFor = %v, want %v", c.opt, d, c.want)
		}
	}
}

// A loop spinning for a reply does not starve a goroutine it woke, even
// with one P, and work that goroutine posts ends the spin. (The loop
// yields between polls; sysmon would also take the P back from its
// system calls, only later.)
func TestSpinYieldsToWokenGoroutine(t *testing.T) {
	leakcheck.Check(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	l := newLoop(t, WithSpin(time.Minute), WithKeepAlive())
	done := make(chan struct{})
	go func() { l.Run(); close(done) }()
	defer func() { l.Stop(); <-done }()
	for i := range 20 {
		reply := make(chan int, 1)
		l.Post(func() { reply <- i }) // the loop spins after this turn
		select {
		case got := <-reply:
			if got != i {
				t.Fatalf("got %d, want %d", got, i)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the spinning loop kept its P")
		}
	}
	if l.Stats().Spins == 0 {
		t.Error("the loop never spun")
	}
}

// A spin ends when the next timer falls due, however long the spin may
// last: a loop spinning for a minute still fires a 2 ms timer.
func TestSpinEndsAtNextTimer(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithSpin(time.Minute))
	fired := 0
	l.AfterFunc(2*time.Millisecond, func() {
		fired++
		l.AfterFunc(2*time.Millisecond, func() { fired++ })
	})
	run(t, l) // its watchdog stops the loop, and fails the test, after 5 s
	if fired != 2 {
		t.Fatalf("%d timers fired, want 2", fired)
	}
	if l.Stats().Spins == 0 {
		t.Fatal("the loop never spun")
	}
}

// The adaptive spin times a sleep alone: from when the loop goes to
// sleep, not from the turn's start, to when the kernel returns, not to
// when Wait has dispatched. Callbacks that run long must not make a sleep
// that returns at once look long. Two connections on one loop, awaiting
// replies, trade a byte, each handler busy for well over AutoSpin first,
// so every sleep finds the other's byte already there.
func TestAdaptiveSpinTimesTheSleepAlone(t *testing.T) {
	skipUnderWine(t, "Wine's emulated IOCP takes 115-800 µs to complete a receive whose data was already sent, longer than AutoSpin")
	leakcheck.Check(t)
	l := newLoop(t)
	l.ExpectReplies(1)
	defer l.ExpectReplies(-1)
	ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{})
	if err != nil {
		t.Fatal(err)
	}
	busy := func() {
		for start := time.Now(); time.Since(start) < 10*AutoSpin; {
		}
	}
	rounds, streak := 0, 0
	pong := func(c *Conn, d []byte) int {
		busy()
		streak = max(streak, l.shortSleeps)
		if rounds++; rounds == 40 {
			c.Close()
			ln.Close()
			return len(d)
		}
		c.Write(d)
		return len(d)
	}
	ln.handler = &funcHandler{data: pong}
	if _, err := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(c *Conn) { c.Write([]byte("x")) },
		data: pong,
	}); err != nil {
		t.Fatal(err)
	}
	run(t, l)
	if streak != spinStreak {
		t.Fatalf("longest streak of short sleeps %d over %d rounds, want %d", streak, rounds, spinStreak)
	}
}
