package future_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"

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
