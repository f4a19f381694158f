package future_test

import (
	"testing"

	"github.com/eddy-go/eddy/future"
)

func addOne(v int) (int, error) { return v + 1, nil }

// BenchmarkFutureInline: create + resolve + consume (one Then step) of a
// future without executor: the cost of the data structure itself.
func BenchmarkFutureInline(b *testing.B) {
	b.ReportAllocs()
	sum := 0
	for i := 0; b.Loop(); i++ {
		f, p := future.New[int](nil)
		g := future.Then(f, addOne)
		p.Resolve(i)
		r, _ := g.Peek()
		sum += r.Value
	}
	_ = sum
}

// BenchmarkFutureLoop: the same for futures owned by a loop, created and
// resolved in loop callbacks of 1,000 each; the steps run in the loop's
// drain after each callback, and that time is counted.
func BenchmarkFutureLoop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	var last *future.Future[int]
	for done := 0; done < b.N; {
		n := min(1000, b.N-done)
		l.Do(func() {
			for i := range n {
				f, p := future.New[int](l)
				last = future.Then(f, addOne)
				p.Resolve(i)
			}
		})
		done += n
	}
	mustGet(b, last)
}

// BenchmarkFutureGoroutine: the goroutine-and-channel equivalent.
func BenchmarkFutureGoroutine(b *testing.B) {
	b.ReportAllocs()
	sum := 0
	for i := 0; b.Loop(); i++ {
		ch := make(chan int, 1)
		go func() { ch <- i }()
		v, _ := addOne(<-ch)
		sum += v
	}
	_ = sum
}

// BenchmarkStepInline: one step of a long chain without executor.
func BenchmarkStepInline(b *testing.B) {
	b.ReportAllocs()
	f, p := future.New[int](nil)
	g := f
	for b.Loop() {
		g = future.Then(g, addOne)
	}
	p.Resolve(0)
}

// BenchmarkStepLoop: one step of a long chain owned by a loop.
func BenchmarkStepLoop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	f, p := future.New[int](l)
	g := f
	l.Do(func() {
		for b.Loop() {
			g = future.Then(g, addOne)
		}
		p.Resolve(0)
	})
	mustGet(b, g)
}

// BenchmarkStepGoroutine: a step as a goroutine hop.
func BenchmarkStepGoroutine(b *testing.B) {
	b.ReportAllocs()
	v := 0
	for b.Loop() {
		ch := make(chan int, 1)
		go func(v int) { w, _ := addOne(v); ch <- w }(v)
		v = <-ch
	}
}

const fanout = 1000

// BenchmarkAll1000Loop: fan out to 1,000 futures on a loop and fan in with
// All; one op is the whole fan-out.
func BenchmarkAll1000Loop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	fs := make([]*future.Future[int], fanout)
	ps := make([]*future.Promise[int], fanout)
	var last *future.Future[[]int]
	l.Do(func() {
		for b.Loop() {
			for i := range fs {
				fs[i], ps[i] = future.New[int](l)
			}
			last = future.All(fs...)
			for i, p := range ps {
				p.Resolve(i)
			}
		}
	})
	mustGet(b, last)
}

// BenchmarkAll1000Goroutine: 1,000 goroutines handing results back on a
// channel.
func BenchmarkAll1000Goroutine(b *testing.B) {
	b.ReportAllocs()
	type result struct{ i, v int }
	for b.Loop() {
		ch := make(chan result, fanout)
		for i := range fanout {
			go func() { ch <- result{i, i} }()
		}
		vals := make([]int, fanout)
		for range fanout {
			r := <-ch
			vals[r.i] = r.v
		}
	}
}

// BenchmarkAwait: a goroutine waiting for a future resolved by another
// goroutine, against the same with a bare channel.
func BenchmarkAwait(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	ctx := b.Context()
	for i := 0; b.Loop(); i++ {
		f, p := future.New[int](l)
		go p.Resolve(i)
		if _, err := f.Await(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
