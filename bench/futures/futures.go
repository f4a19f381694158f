package futures

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// fanout is the width of the all-1000 scenario.
const fanout = 1000

// Run runs the suite and reports each figure through emit.
func Run(emit func(impl, scenario, metric string, value float64, unit string)) error {
	loop, err := eddy.New(eddy.WithKeepAlive())
	if err != nil {
		return err
	}
	ran := make(chan error, 1)
	go func() { ran <- loop.Run() }()
	defer func() {
		loop.Stop()
		<-ran
	}()

	type bench struct {
		impl, scenario string
		perOp          float64 // futures per op, for ns/future
		fn             func(b *testing.B)
	}
	benches := []bench{
		{"eddy-loop", "future", 1, onLoop(loop, 1000, loopFuture(loop))},
		{"eddy-inline", "future", 1, inlineFuture},
		{"goroutine-chan", "future", 1, chanFuture},
		{"eddy-loop", "step", 1, onLoop(loop, 1000, loopStep(loop))},
		{"eddy-inline", "step", 1, inlineStep},
		{"goroutine-chan", "step", 1, chanStep},
		{"eddy-loop", "all-1000", fanout, onLoop(loop, 1, loopAll(loop))},
		{"eddy-inline", "all-1000", fanout, inlineAll},
		{"goroutine-chan", "all-1000", fanout, chanAll},
	}
	var errs []error
	for _, bc := range benches {
		var failed error
		r := testing.Benchmark(func(b *testing.B) {
			defer func() {
				if v := recover(); v != nil {
					failed = fmt.Errorf("%v", v)
				}
			}()
			bc.fn(b)
		})
		if failed != nil || r.N == 0 {
			errs = append(errs, fmt.Errorf("futures %s/%s: failed: %v", bc.impl, bc.scenario, failed))
			continue
		}
		emit(bc.impl, bc.scenario, "time", float64(r.NsPerOp()), "ns/op")
		emit(bc.impl, bc.scenario, "allocs", float64(r.AllocsPerOp()), "allocs/op")
		emit(bc.impl, bc.scenario, "bytes", float64(r.AllocedBytesPerOp()), "B/op")
		if bc.perOp > 1 {
			emit(bc.impl, bc.scenario, "time-per-future", float64(r.T.Nanoseconds())/float64(r.N)/bc.perOp, "ns/future")
		}
	}
	return errors.Join(errs...)
}

// onLoop runs body in callbacks on loop, in batches of at most batch ops
// as a busy loop would see them, and waits, from the benchmark goroutine,
// for the future the last batch returns; since callbacks run in order, all
// the work queued by every batch has run by then.
func onLoop(loop *eddy.Loop, batch int, body func(n int) *future.Future[int]) func(b *testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		var last *future.Future[int]
		for done := 0; done < b.N; {
			n := min(batch, b.N-done)
			started := make(chan *future.Future[int], 1)
			if err := loop.Post(func() { started <- body(n) }); err != nil {
				panic(err)
			}
			last = <-started
			done += n
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if _, err := last.Await(ctx); err != nil {
			panic(err)
		}
	}
}

func addOne(v int) (int, error) { return v + 1, nil }

// loopFuture: n futures, each resolved and consumed by one step. The
// steps run in order, so the last one's future settles last.
func loopFuture(loop *eddy.Loop) func(n int) *future.Future[int] {
	return func(n int) *future.Future[int] {
		last := future.Resolved(loop, 0)
		for i := range n {
			f, p := future.New[int](loop)
			last = future.Then(f, addOne)
			p.Resolve(i)
		}
		return last
	}
}

// loopStep: a chain of n steps, built and then resolved.
func loopStep(loop *eddy.Loop) func(n int) *future.Future[int] {
	return func(n int) *future.Future[int] {
		f, p := future.New[int](loop)
		g := f
		for range n {
			g = future.Then(g, addOne)
		}
		p.Resolve(0)
		return g
	}
}

// loopAll: n fan-outs of fanout futures each, joined with All.
func loopAll(loop *eddy.Loop) func(n int) *future.Future[int] {
	return func(n int) *future.Future[int] {
		last := future.Resolved(loop, 0)
		fs := make([]*future.Future[int], fanout)
		ps := make([]*future.Promise[int], fanout)
		for range n {
			for i := range fs {
				fs[i], ps[i] = future.New[int](loop)
			}
			all := future.All(fs...)
			for i, p := range ps {
				p.Resolve(i)
			}
			last = future.Map(all, func(v []int) int { return len(v) })
		}
		return last
	}
}

func inlineFuture(b *testing.B) {
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

func inlineStep(b *testing.B) {
	b.ReportAllocs()
	f, p := future.New[int](nil)
	g := f
	for b.Loop() {
		g = future.Then(g, addOne)
	}
	p.Resolve(0)
	if r, ok := g.Peek(); !ok || r.Value != b.N {
		panic("chain did not complete")
	}
}

func inlineAll(b *testing.B) {
	b.ReportAllocs()
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
			panic("All did not complete")
		}
	}
}

// chanFuture: the goroutine way to get a value later: start a goroutine,
// receive its result from a channel, then "consume" it.
func chanFuture(b *testing.B) {
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

// chanStep: each step of a chain is another goroutine hop.
func chanStep(b *testing.B) {
	b.ReportAllocs()
	v := 0
	for b.Loop() {
		ch := make(chan int, 1)
		go func(v int) {
			w, _ := addOne(v)
			ch <- w
		}(v)
		v = <-ch
	}
	if v != b.N {
		panic("chain did not complete")
	}
}

// chanAll: fanout goroutines, each handing its result back on a shared
// channel, gathered into a slice in order.
func chanAll(b *testing.B) {
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
