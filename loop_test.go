package eddy

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

func TestLoopExitsWhenNothingReferenced(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var order []string
	l.OnExit(func() { order = append(order, "exit1") })
	l.OnExit(func() { order = append(order, "exit2") })
	l.NextTick(func() { order = append(order, "tick") })
	run(t, l)
	if got := len(order); got != 3 || order[0] != "tick" || order[1] != "exit1" || order[2] != "exit2" {
		t.Fatalf("order = %v", order)
	}
	if err := l.Post(func() {}); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("Post after exit = %v, want ErrLoopClosed", err)
	}
	if err := l.Run(); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("second Run = %v", err)
	}
}

func TestStopFromAnotherGoroutine(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	exited := false
	l.OnExit(func() { exited = true })
	go func() {
		time.Sleep(20 * time.Millisecond)
		l.Stop()
	}()
	run(t, l)
	if !exited {
		t.Fatal("exit callback did not run")
	}
}

func TestDelayAndInterval(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	start := time.Now()
	var delayed time.Duration
	l.AfterFunc(50*time.Millisecond, func() { delayed = time.Since(start) })
	count := 0
	var tk *Timer
	tk = l.Every(10*time.Millisecond, func() {
		count++
		if count == 5 {
			tk.Stop()
		}
	})
	run(t, l)
	// A timer never fires early; lateness is bounded loosely, since the
	// machine may be loaded.
	if delayed < 50*time.Millisecond || delayed > 2*time.Second {
		t.Fatalf("delay fired after %v", delayed)
	}
	if count != 5 {
		t.Fatalf("interval ran %d times, want 5", count)
	}
}

func TestTimerStopAndReset(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	fired := map[string]int{}
	a := l.AfterFunc(10*time.Millisecond, func() { fired["a"]++ })
	b := l.AfterFunc(10*time.Millisecond, func() { fired["b"]++ })
	if !a.Stop() {
		t.Fatal("Stop of a pending timer reported false")
	}
	if a.Stop() {
		t.Fatal("second Stop reported true")
	}
	if !b.Reset(30 * time.Millisecond) {
		t.Fatal("Reset of a pending timer reported false")
	}
	var bAt time.Duration
	start := time.Now()
	b.fn = func() { fired["b"]++; bAt = time.Since(start) }
	u := l.AfterFunc(time.Hour, func() { fired["u"]++ })
	u.Unref() // must not keep the loop alive
	run(t, l)
	if fired["a"] != 0 || fired["b"] != 1 || fired["u"] != 0 {
		t.Fatalf("fired = %v", fired)
	}
	if bAt < 30*time.Millisecond {
		t.Fatalf("reset timer fired early, after %v", bAt)
	}
}

func TestTimersFireInOrder(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	const n = 100000
	var got []int
	// Same deadline for many timers: they fire in the order started.
	for i := 0; i < n; i++ {
		i := i
		l.AfterFunc(time.Duration(i%7)*time.Millisecond, func() { got = append(got, i) })
	}
	run(t, l)
	if len(got) != n {
		t.Fatalf("%d timers fired, want %d", len(got), n)
	}
	last := map[int]int{}
	for _, v := range got {
		g := v % 7
		if prev, ok := last[g]; ok && prev > v {
			t.Fatalf("timer %d fired after %d with the same deadline", prev, v)
		}
		last[g] = v
	}
	if s := l.Stats(); s.TimersFired != n || s.Timers != 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestTimerHeapRandomOps(t *testing.T) {
	l := newLoop(t)
	var ts []*Timer
	for i := 0; i < 2000; i++ {
		ts = append(ts, l.AfterFunc(time.Duration((i*7919)%1000)*time.Millisecond, func() {}))
	}
	for i := 0; i < 2000; i += 3 {
		ts[i].Stop()
	}
	for i := 1; i < 2000; i += 5 {
		ts[i].Reset(time.Duration((i*31)%500) * time.Millisecond)
	}
	h := l.timers.h
	for i := 1; i < len(h); i++ {
		if less(h[i], h[(i-1)/4]) {
			t.Fatalf("heap order broken at %d", i)
		}
		if int(h[i].idx) != i {
			t.Fatalf("index of %d is %d", i, h[i].idx)
		}
	}
	l.Stop()
	run(t, l)
}

func TestPostWakesLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	l.Ref() // another goroutine will post to us
	var got atomic.Int32
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				l.Post(func() { got.Add(1) })
			}
		}()
	}
	go func() {
		wg.Wait()
		l.Post(func() { l.Unref() })
	}()
	run(t, l)
	if got.Load() != 8000 {
		t.Fatalf("ran %d posted funcs, want 8000", got.Load())
	}
	if l.OnLoop() {
		t.Fatal("OnLoop true off the loop")
	}
}

func TestPostOrderAndOnLoop(t *testing.T) {
	l := newLoop(t)
	var seq []int
	on := false
	for i := 0; i < 10; i++ {
		i := i
		l.Post(func() { seq = append(seq, i); on = l.OnLoop() })
	}
	run(t, l)
	for i, v := range seq {
		if v != i {
			t.Fatalf("posted funcs ran as %v", seq)
		}
	}
	if len(seq) != 10 || !on {
		t.Fatalf("seq %v on %v", seq, on)
	}
}

func TestIdleRunsCountedTimes(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	n := 0
	var idle *Idle
	idle = l.Idle(func() {
		n++
		if n == 10 {
			idle.Stop()
		}
	})
	run(t, l)
	if n != 10 {
		t.Fatalf("idle ran %d times, want 10", n)
	}
}

func TestPanicRecoveredAndReported(t *testing.T) {
	leakcheck.Check(t)
	var reported []any
	l := newLoop(t, WithPanicHandler(func(v any, stack []byte) {
		reported = append(reported, v)
		if len(stack) == 0 {
			t.Error("empty stack")
		}
	}))
	after := false
	l.NextTick(func() { panic("boom") })
	l.AfterFunc(time.Millisecond, func() { panic("timer boom") })
	l.AfterFunc(5*time.Millisecond, func() { after = true })
	run(t, l)
	if len(reported) != 2 || !after {
		t.Fatalf("reported %v, loop went on: %v", reported, after)
	}
	if l.Stats().Panics != 2 {
		t.Fatalf("stats panics = %d", l.Stats().Panics)
	}
}

func TestCrashOnPanic(t *testing.T) {
	l := newLoop(t, WithCrashOnPanic())
	l.NextTick(func() { panic("crash") })
	defer func() {
		if v := recover(); v != "crash" {
			t.Fatalf("recovered %v", v)
		}
	}()
	l.Run()
	t.Fatal("Run returned instead of panicking")
}

func TestWorkResultOnLoop(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithWorkers(2))
	results := map[int]int{}
	onLoop := true
	for i := 0; i < 20; i++ {
		i := i
		Work(l, func() (int, error) {
			time.Sleep(time.Millisecond)
			return i * i, nil
		}, func(v int, err error) {
			onLoop = onLoop && l.OnLoop()
			results[i] = v
		})
	}
	var perr error
	Work(l, func() (int, error) { panic(errors.New("inner")) }, func(_ int, err error) { perr = err })
	run(t, l)
	if len(results) != 20 || results[7] != 49 || !onLoop {
		t.Fatalf("results %v onLoop %v", results, onLoop)
	}
	var pe *PanicError
	if !errors.Is(perr, ErrPanic) || !errors.As(perr, &pe) || pe.Value == nil {
		t.Fatalf("panic in work gave %v", perr)
	}
}

func TestPoolBounded(t *testing.T) {
	leakcheck.Check(t)
	p := NewPool(3)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 30; i++ {
		wg.Add(1)
		p.Go(func() {
			defer wg.Done()
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
		})
	}
	wg.Wait()
	p.Close()
	if peak.Load() > 3 || peak.Load() < 1 {
		t.Fatalf("peak concurrency %d, bound 3", peak.Load())
	}
	if p.Go(func() {}) {
		t.Fatal("Go succeeded on a closed pool")
	}
}

func TestStatsFromAnotherGoroutine(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	l.AfterFunc(time.Hour, func() {}).Unref()
	ln, err := l.Listen("tcp", "127.0.0.1:0", echo{})
	if err != nil {
		t.Fatal(err)
	}
	seen := make(chan Stats, 1)
	l.Ref()
	go func() {
		for l.Stats().Iterations == 0 {
			time.Sleep(time.Millisecond)
		}
		seen <- l.Stats()
		l.Post(func() { ln.Close(); l.Unref() })
	}()
	l.Post(func() {}) // one turn
	run(t, l)
	s := <-seen
	if s.Listeners != 1 || s.Timers != 1 || s.Iterations == 0 {
		t.Fatalf("stats %+v", s)
	}
}
