package future_test

import (
	"testing"

	"github.com/eddy-go/eddy/future"
)

// The benchmarks compare futures with the goroutine-and-channel code they
// replace. Every figure is per unit of work, whatever b.N is:
//
//   - Future*: create a future, resolve it and consume it with one step;
//     the goroutine version starts a goroutine that sends the value on a
//     channel, and receives it.
//   - Step*: one step of a chain of chainLen steps (the chain is built,
//     then resolved); the goroutine version hops to a new goroutine and
//     back through a channel for each step.
//   - All1000*: fan out to 1,000 futures and fan in with All; one op is
//     the whole fan-out.
//
// *Inline futures have no executor, *Loop futures are owned by a loop and
// created in loop callbacks of up to 1,000 ops, so their callbacks run in
// the loop's batched drain, which is timed too.
//
// Besides ns/op (wall time), each benchmark reports cpu-ns/op, the CPU
// time of the whole process per op (every thread, the garbage collector
// included): on a machine shared with other work it is usually steadier
// than wall time, which also counts the time spent waiting for a core.

// cpuPerOp starts measuring the process's CPU time; the function it
// returns reports it per op as cpu-ns/op.
func cpuPerOp(b *testing.B) func() {
	start, ok := processCPU()
	return func() {
		end, _ := processCPU()
		if ok && b.N > 0 {
			b.ReportMetric(float64(end-start)/float64(b.N), "cpu-ns/op")
		}
	}
}

func addOne(v int) (int, error) { return v + 1, nil }

// chainLen is the length of the chains of the Step benchmarks: long enough
// to amortize its head, short enough to stay in cache.
const chainLen = 1000

// batch is how many ops a loop callback of a Loop benchmark runs.
const batch = 1000

// BenchmarkFutureInline: create + resolve + consume (one Then step) of a
// future without executor: the cost of the data structure itself.
func BenchmarkFutureInline(b *testing.B) {
	b.ReportAllocs()
	defer cpuPerOp(b)()
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

// BenchmarkFutureLoop: the same for futures owned by a loop.
func BenchmarkFutureLoop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	var last *future.Future[int]
	for done := 0; done < b.N; {
		n := min(batch, b.N-done)
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
	defer cpuPerOp(b)()
	sum := 0
	for i := 0; b.Loop(); i++ {
		ch := make(chan int, 1)
		go func() { ch <- i }()
		v, _ := addOne(<-ch)
		sum += v
	}
	_ = sum
}

// BenchmarkStepInline: one step of a chain of chainLen steps without
// executor.
func BenchmarkStepInline(b *testing.B) {
	b.ReportAllocs()
	defer cpuPerOp(b)()
	for done := 0; done < b.N; {
		n := min(chainLen, b.N-done)
		f, p := future.New[int](nil)
		g := f
		for range n {
			g = future.Then(g, addOne)
		}
		p.Resolve(0)
		if r, ok := g.Peek(); !ok || r.Value != n {
			b.Fatalf("chain of %d gave %v, %v", n, r, ok)
		}
		done += n
	}
}

// BenchmarkStepLoop: one step of a chain of chainLen steps owned by a
// loop, each chain built and resolved in one loop callback.
func BenchmarkStepLoop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	var last *future.Future[int]
	for done := 0; done < b.N; {
		n := min(chainLen, b.N-done)
		l.Do(func() {
			f, p := future.New[int](l)
			g := f
			for range n {
				g = future.Then(g, addOne)
			}
			p.Resolve(0)
			last = g
		})
		if v := mustGet(b, last); v != n {
			b.Fatalf("chain of %d gave %d", n, v)
		}
		done += n
	}
}

// BenchmarkStepGoroutine: a step as a goroutine hop.
func BenchmarkStepGoroutine(b *testing.B) {
	b.ReportAllocs()
	defer cpuPerOp(b)()
	v := 0
	for b.Loop() {
		ch := make(chan int, 1)
		go func(v int) { w, _ := addOne(v); ch <- w }(v)
		v = <-ch
	}
}

const fanout = 1000

// BenchmarkAll1000Inline: fan out to 1,000 futures without executor and
// fan in with All; one op is the whole fan-out.
func BenchmarkAll1000Inline(b *testing.B) {
	b.ReportAllocs()
	defer cpuPerOp(b)()
	fs := make([]*future.Future[int], fanout)
	ps := make([]*future.Promise[int], fanout)
	for b.Loop() {
		for i := range fs {
			fs[i], ps[i] = future.New[int](nil)
		}
		all := future.All(fs...)
		for i, p := range ps {
			p.Resolve(i)
		}
		if r, ok := all.Peek(); !ok || len(r.Value) != fanout {
			b.Fatal("All did not complete")
		}
	}
}

// BenchmarkAll1000Loop: the same on a loop.
func BenchmarkAll1000Loop(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
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
	defer cpuPerOp(b)()
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
// goroutine.
func BenchmarkAwait(b *testing.B) {
	l := newLoop(b)
	b.ReportAllocs()
	defer cpuPerOp(b)()
	ctx := b.Context()
	for i := 0; b.Loop(); i++ {
		f, p := future.New[int](l)
		go p.Resolve(i)
		if _, err := f.Await(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
