package futures

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/bench/internal/stats"
	"github.com/eddy-go/eddy/future"
)

// fanout is the width of the all-1000 scenario.
const fanout = 1000

// chainLen is the length of the chains of the step scenario.
const chainLen = 1000

// batch is how many ops one loop callback runs in the eddy-loop future
// scenario.
const batch = 1000

// runs is how many times each benchmark runs; the median is reported.
// The runs are interleaved across benchmarks, so that a burst of load on
// a shared machine falls on all of them alike.
const runs = 3

// baseline is the implementation the others are compared with.
const baseline = "goroutine-chan"

// Run runs the suite and reports each figure through emit: ns/op,
// allocs/op and B/op of each benchmark (the median of its runs), ns per
// future for the fan-out, and for each eddy implementation its speed-up
// over goroutine-chan (goroutine-chan's ns/op divided by its own).
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
		ns, allocs, by []float64
		failed         error
	}
	benches := []*bench{
		{impl: "eddy-loop", scenario: "future", perOp: 1, fn: onLoop(loop, batch, loopFuture(loop))},
		{impl: "eddy-inline", scenario: "future", perOp: 1, fn: inlineFuture},
		{impl: baseline, scenario: "future", perOp: 1, fn: chanFuture},
		{impl: "eddy-loop", scenario: "step", perOp: 1, fn: onLoop(loop, chainLen, loopStep(loop))},
		{impl: "eddy-inline", scenario: "step", perOp: 1, fn: inlineStep},
		{impl: baseline, scenario: "step", perOp: 1, fn: chanStep},
		{impl: "eddy-loop", scenario: "all-1000", perOp: fanout, fn: onLoop(loop, 1, loopAll(loop))},
		{impl: "eddy-inline", scenario: "all-1000", perOp: fanout, fn: inlineAll},
		{impl: baseline, scenario: "all-1000", perOp: fanout, fn: chanAll},
	}
	for range runs {
		for _, bc := range benches {
			if bc.failed != nil {
				continue
			}
			r := testing.Benchmark(func(b *testing.B) {
				defer func() {
					if v := recover(); v != nil {
						bc.failed = fmt.Errorf("%v", v)
					}
				}()
				bc.fn(b)
			})
			if bc.failed == nil && r.N == 0 {
				bc.failed = errors.New("did not run")
			}
			if bc.failed != nil {
				continue
			}
			bc.ns = append(bc.ns, float64(r.T.Nanoseconds())/float64(r.N))
			bc.allocs = append(bc.allocs, float64(r.AllocsPerOp()))
			bc.by = append(bc.by, float64(r.AllocedBytesPerOp()))
		}
	}
	var errs []error
	base := map[string]float64{}
	for _, bc := range benches {
		if bc.impl == baseline && bc.failed == nil {
			base[bc.scenario] = stats.Summarize(bc.ns).Median
		}
	}
	for _, bc := range benches {
		if bc.failed != nil {
			errs = append(errs, fmt.Errorf("futures %s/%s: failed: %v", bc.impl, bc.scenario, bc.failed))
			continue
		}
		ns := stats.Summarize(bc.ns).Median
		emit(bc.impl, bc.scenario, "time", ns, "ns/op")
		emit(bc.impl, bc.scenario, "allocs", stats.Summarize(bc.allocs).Median, "allocs/op")
		emit(bc.impl, bc.scenario, "bytes", stats.Summarize(bc.by).Median, "B/op")
		if bc.perOp > 1 {
			emit(bc.impl, bc.scenario, "time-per-future", ns/bc.perOp, "ns/future")
		}
		if b, ok := base[bc.scenario]; ok && bc.impl != baseline && ns > 0 {
			emit(bc.impl, bc.scenario, "speedup", b/ns, "x "+baseline)
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

// inlineStep: chains of chainLen steps, each built and then resolved.
func inlineStep(b *testing.B) {
	b.ReportAllocs()
	for done := 0; done < b.N; {
		n := min(chainLen, b.N-done)
		f, p := future.New[int](nil)
		g := f
		for range n {
			g = future.Then(g, addOne)
		}
		p.Resolve(0)
		if r, ok := g.Peek(); !ok || r.Value != n {
			panic("chain did not complete")
		}
		done += n
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
