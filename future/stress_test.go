package future_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

func TestConcurrentSettle(t *testing.T) {
	l := newLoop(t)
	const rounds, racers = 200, 8
	for range rounds {
		f, p := future.New[int](l)
		var calls atomic.Int32
		g := future.Map(f, func(v int) int { calls.Add(1); return v })
		var wins atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				var ok bool
				switch i % 3 {
				case 0:
					ok = p.Resolve(i)
				case 1:
					ok = p.Reject(errBoom)
				default:
					ok = p.Follow(future.Resolved(l, i))
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d winners", wins.Load())
		}
		if _, err := get(t, g); err != nil && !errors.Is(err, errBoom) {
			t.Fatal(err)
		}
		if calls.Load() > 1 {
			t.Fatal("step ran twice")
		}
	}
}

// Many producers on many goroutines settle futures whose consumers attach
// concurrently from other goroutines and from the loop.
func TestConcurrentAttachAndSettle(t *testing.T) {
	l := newLoop(t)
	const n = 500
	fs := make([]*future.Future[int], n)
	ps := make([]*future.Promise[int], n)
	for i := range fs {
		fs[i], ps[i] = future.New[int](l)
	}
	var wg sync.WaitGroup
	var sum atomic.Int64
	var outs [2][]*future.Future[int]
	for k := range 2 {
		wg.Go(func() {
			for _, f := range fs {
				outs[k] = append(outs[k], future.Map(f, func(v int) int { sum.Add(int64(v)); return v }))
			}
		})
	}
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < n; i += 4 {
				ps[i].Resolve(i)
			}
		})
	}
	wg.Wait()
	all := append(outs[0], outs[1]...)
	mustGet(t, future.All(all...))
	if want := int64(2 * n * (n - 1) / 2); sum.Load() != want {
		t.Fatalf("sum %d, want %d", sum.Load(), want)
	}
}

func TestStoppedExecutor(t *testing.T) {
	l := startLoop()
	f, p := future.New[int](l)
	ran := false
	g := future.Map(f, func(v int) int { ran = true; return v })
	h := g.Catch(func(err error) (int, error) { ran = true; return 0, err })
	l.Close()
	p.Resolve(1)
	_, err := get(t, h)
	if !errors.Is(err, future.ErrStopped) || !errors.Is(err, errLoopClosed) || ran {
		t.Fatalf("got %v (ran %v)", err, ran)
	}
	// Futures made afterwards fail the same way.
	_, err = get(t, future.Map(future.Resolved(l, 1), func(v int) int { return v }))
	if !errors.Is(err, future.ErrStopped) {
		t.Fatalf("got %v", err)
	}
}

// Consumers attach to a shared future from many goroutines at once, then
// all but one withdraw at once: the producer stays alive until the last
// withdraws. Steps, combinators and waiters count their interests in
// different ways; they are mixed here.
func TestConcurrentInterests(t *testing.T) {
	const rounds, racers = 100, 8
	for range rounds {
		f, p := future.New[int](nil)
		var canceled atomic.Bool
		p.OnCancel(func(error) { canceled.Store(true) })
		outs := make([]interface{ Cancel(error) bool }, racers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range racers {
			wg.Go(func() {
				<-start
				switch i % 3 {
				case 0:
					outs[i] = future.Map(f, func(v int) int { return v })
				case 1:
					outs[i] = future.All(f)
				default:
					outs[i] = f.Catch(func(err error) (int, error) { return 0, err })
				}
			})
		}
		close(start)
		wg.Wait()
		start = make(chan struct{})
		for i := range racers - 1 {
			wg.Go(func() {
				<-start
				outs[i].Cancel(nil)
			})
		}
		close(start)
		wg.Wait()
		if canceled.Load() {
			t.Fatal("producer cancelled while a consumer still wants it")
		}
		outs[racers-1].Cancel(nil)
		if !canceled.Load() {
			t.Fatal("producer not cancelled after every consumer withdrew")
		}
	}
}

// Cancelling a combinator's result races with its inputs settling, on two
// loops and from several goroutines: each input is either settled by its
// producer or cancelled (its OnCancel hook runs), never both and never
// neither, and the result settles once, with an error that tells which
// way it went. Run with -race -count=50.
func TestCombinatorCancelRacesSettle(t *testing.T) {
	l1, l2 := newLoop(t), newLoop(t)
	loops := []*testLoop{l1, l2}
	for r := range 200 {
		const n = 4
		fs := make([]*future.Future[int], n)
		ps := make([]*future.Promise[int], n)
		hooks := make([]atomic.Int32, n)
		for i := range n {
			fs[i], ps[i] = future.New[int](loops[i%2])
			ps[i].OnCancel(func(error) { hooks[i].Add(1) })
		}
		var out interface{ Cancel(error) bool }
		var wait func() error
		var consumed atomic.Int32
		switch r % 4 {
		case 0:
			o := future.All(fs...)
			o.OnSettle(func([]int, error) { consumed.Add(1) })
			out, wait = o, func() error { _, err := get(t, o); return err }
		case 1:
			o := future.Any(fs...)
			o.OnSettle(func(int, error) { consumed.Add(1) })
			out, wait = o, func() error { _, err := get(t, o); return err }
		case 2:
			o := future.Race(fs...)
			o.OnSettle(func(int, error) { consumed.Add(1) })
			out, wait = o, func() error { _, err := get(t, o); return err }
		default:
			o := future.Timeout(future.Map(fs[0], func(v int) int { return v }), time.Microsecond)
			o.OnSettle(func(int, error) { consumed.Add(1) })
			out, wait = o, func() error { _, err := get(t, o); return err }
		}
		settled := make([]bool, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				if i%2 == 0 {
					settled[i] = ps[i].Resolve(i)
				} else {
					settled[i] = ps[i].Reject(errBoom)
				}
			})
		}
		wg.Go(func() { <-start; out.Cancel(nil) })
		close(start)
		wg.Wait()
		err := wait()
		if err != nil && !errors.Is(err, future.ErrCanceled) && !errors.Is(err, errBoom) && !errors.Is(err, future.ErrTimeout) {
			t.Fatalf("round %d: %v", r, err)
		}
		l1.Sync()
		l2.Sync()
		if c := consumed.Load(); c != 1 {
			t.Fatalf("round %d: result consumed %d times", r, c)
		}
		for i := range n {
			if h := hooks[i].Load(); settled[i] == (h == 1) || h > 1 {
				t.Fatalf("round %d: input %d settled %v, cancel hook ran %d times", r, i, settled[i], h)
			}
		}
	}
}
