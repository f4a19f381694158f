package future_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/eddy-go/eddy/future"
)

// FuzzGraph interprets the input as a program that builds a graph of
// promises, steps and combinators (without executor, so deterministic),
// settles and cancels parts of it in any order, and then checks that
// every future settled exactly once with a result consistent with its
// inputs' results, whatever the order.
func FuzzGraph(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 5, 7, 0, 3})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 4, 0, 1, 8, 0, 2, 7, 1, 4, 2, 2, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 10, 1, 0, 9, 0, 0, 7, 0, 1})
	f.Add([]byte{0, 0, 0, 3, 0, 0, 0, 0, 0, 6, 1, 0, 5, 2, 1, 9, 3, 0, 8, 2, 9})
	f.Add([]byte{0, 0, 0, 11, 0, 1, 12, 0, 0, 2, 1, 3, 8, 0, 4, 13, 2, 0})
	f.Fuzz(func(t *testing.T, prog []byte) {
		if len(prog) > 600 {
			prog = prog[:600]
		}
		prev := future.SetUnhandledRejectionHandler(func(error) {})
		defer future.SetUnhandledRejectionHandler(prev)
		g := newGraph()
		for i := 0; i+2 < len(prog); i += 3 {
			g.op(prog[i], int(prog[i+1]), int(prog[i+2]))
		}
		for _, p := range g.ps { // settle whatever is left
			if p.Resolve(-1) {
				g.direct[p.Future()] = future.Result[int]{Value: -1}
			}
		}
		g.check(t)
	})
}

type gnode struct {
	f     *future.Future[int]
	check func(r future.Result[int]) error
}

type graph struct {
	nodes    []*gnode
	ps       []*future.Promise[int]
	direct   map[*future.Future[int]]future.Result[int] // settled by the program
	canceled map[*future.Future[int]]error
	settles  map[*future.Future[int]]int
	results  map[*future.Future[int]]future.Result[int]
}

func newGraph() *graph {
	return &graph{
		direct:   map[*future.Future[int]]future.Result[int]{},
		canceled: map[*future.Future[int]]error{},
		settles:  map[*future.Future[int]]int{},
		results:  map[*future.Future[int]]future.Result[int]{},
	}
}

func (g *graph) add(f *future.Future[int], check func(future.Result[int]) error) {
	g.nodes = append(g.nodes, &gnode{f: f, check: check})
	f.OnSettle(func(v int, err error) {
		g.settles[f]++
		g.results[f] = future.Result[int]{Value: v, Err: err}
	})
}

func (g *graph) pick(i int) *gnode { return g.nodes[i%len(g.nodes)] }

func (g *graph) res(f *future.Future[int]) future.Result[int] { r, _ := f.Peek(); return r }

func isCancel(r future.Result[int]) bool { return errors.Is(r.Err, future.ErrCanceled) }

func same(a, b future.Result[int]) bool { return a.Value == b.Value && a.Err == b.Err }

func want(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func (g *graph) op(code byte, a, b int) {
	if len(g.nodes) == 0 || code%14 == 0 {
		f, p := future.New[int](nil)
		g.ps = append(g.ps, p)
		g.add(f, nil)
		return
	}
	x, y := g.pick(a), g.pick(b)
	k := b % 7
	errK := fmt.Errorf("err%d", k)
	switch code % 14 {
	case 1:
		g.add(future.Then(x.f, func(v int) (int, error) { return v + k, nil }), func(r future.Result[int]) error {
			in := g.res(x.f)
			if in.Err != nil {
				return want(r.Err == in.Err || isCancel(r), "then: %v from %v", r, in)
			}
			return want(same(r, future.Result[int]{Value: in.Value + k}) || isCancel(r), "then: %v from %v", r, in)
		})
	case 2:
		g.add(x.f.Catch(func(error) (int, error) { return k, nil }), func(r future.Result[int]) error {
			in := g.res(x.f)
			if in.Err != nil {
				return want(same(r, future.Result[int]{Value: k}) || isCancel(r), "catch: %v from %v", r, in)
			}
			return want(same(r, in) || isCancel(r), "catch: %v from %v", r, in)
		})
	case 3:
		g.add(future.ThenFuture(x.f, func(int) *future.Future[int] { return y.f }), func(r future.Result[int]) error {
			in, inner := g.res(x.f), g.res(y.f)
			if in.Err != nil {
				return want(r.Err == in.Err || isCancel(r), "thenFuture: %v from %v", r, in)
			}
			return want(same(r, inner) || isCancel(r), "thenFuture: %v from %v then %v", r, in, inner)
		})
	case 4:
		sum := future.Map(future.All(x.f, y.f), func(v []int) int { return v[0]*1000 + v[1] })
		g.add(sum, func(r future.Result[int]) error {
			rx, ry := g.res(x.f), g.res(y.f)
			if rx.Err == nil && ry.Err == nil {
				return want(same(r, future.Result[int]{Value: rx.Value*1000 + ry.Value}) || isCancel(r), "all: %v from %v %v", r, rx, ry)
			}
			return want((r.Err != nil && (r.Err == rx.Err || r.Err == ry.Err)) || isCancel(r), "all: %v from %v %v", r, rx, ry)
		})
	case 5:
		g.add(future.Any(x.f, y.f), func(r future.Result[int]) error {
			rx, ry := g.res(x.f), g.res(y.f)
			if isCancel(r) {
				return nil
			}
			if r.Err == nil {
				return want((rx.Err == nil && rx.Value == r.Value) || (ry.Err == nil && ry.Value == r.Value), "any: %v from %v %v", r, rx, ry)
			}
			var agg *future.AggregateError
			return want(errors.As(r.Err, &agg) && len(agg.Errors) == 2 && agg.Errors[0] == rx.Err && agg.Errors[1] == ry.Err, "any: %v from %v %v", r, rx, ry)
		})
	case 6:
		g.add(future.Race(x.f, y.f), func(r future.Result[int]) error {
			rx, ry := g.res(x.f), g.res(y.f)
			return want(same(r, rx) || same(r, ry) || isCancel(r), "race: %v from %v %v", r, rx, ry)
		})
	case 7, 8:
		if len(g.ps) == 0 {
			return
		}
		p := g.ps[a%len(g.ps)]
		r := future.Result[int]{Value: k}
		var ok bool
		if code%14 == 7 {
			ok = p.Resolve(k)
		} else {
			r = future.Result[int]{Err: errK}
			ok = p.Reject(errK)
		}
		if ok {
			g.direct[p.Future()] = r
		}
	case 9:
		if x.f.Cancel(errK) {
			g.canceled[x.f] = errK
		}
	case 10:
		if len(g.ps) == 0 {
			return
		}
		i := a % len(g.ps)
		p := g.ps[i]
		// Follow only futures created before p's: no cycles.
		limit := 0
		for limit < len(g.nodes) && g.nodes[limit].f != p.Future() {
			limit++
		}
		if limit == 0 {
			return
		}
		src := g.nodes[b%limit].f
		if p.Follow(src) {
			pf := p.Future()
			g.direct[pf] = future.Result[int]{} // settled by src, checked below
			for _, n := range g.nodes {
				if n.f == pf {
					n.check = func(r future.Result[int]) error {
						return want(same(r, g.res(src)) || isCancel(r), "follow: %v from %v", r, g.res(src))
					}
				}
			}
		}
	case 11:
		g.add(x.f.Tap(func(v int) error {
			if k%2 == 1 {
				return errK
			}
			return nil
		}).Finally(func() {}), func(r future.Result[int]) error {
			in := g.res(x.f)
			if in.Err != nil || isCancel(r) {
				return want(r.Err == in.Err || isCancel(r), "tap: %v from %v", r, in)
			}
			if k%2 == 1 {
				return want(r.Err != nil && r.Err.Error() == errK.Error(), "tap: %v from %v", r, in)
			}
			return want(same(r, in), "tap: %v from %v", r, in)
		})
	case 12:
		sum := future.Map(future.AllSettled(x.f, y.f), func(v []future.Result[int]) int { return len(v) })
		g.add(sum, func(r future.Result[int]) error {
			return want(same(r, future.Result[int]{Value: 2}) || isCancel(r), "allSettled: %v", r)
		})
	case 13:
		tf := future.Timeout(x.f, 1<<40)
		g.add(tf, func(r future.Result[int]) error {
			in := g.res(x.f)
			return want(same(r, in) || isCancel(r), "timeout: %v from %v", r, in)
		})
	}
}

func (g *graph) check(t *testing.T) {
	for i, n := range g.nodes {
		r, ok := n.f.Peek()
		if !ok {
			t.Fatalf("node %d never settled", i)
		}
		if c := g.settles[n.f]; c != 1 {
			t.Fatalf("node %d: OnSettle ran %d times", i, c)
		}
		if !same(g.results[n.f], r) {
			t.Fatalf("node %d: OnSettle saw %v, Peek %v", i, g.results[n.f], r)
		}
		if cause, ok := g.canceled[n.f]; ok {
			var ce *future.CancelError
			if !errors.As(r.Err, &ce) || ce.Cause != cause {
				t.Fatalf("node %d: cancelled with %v, got %v", i, cause, r.Err)
			}
			continue
		}
		if d, ok := g.direct[n.f]; ok && n.check == nil {
			if !same(r, d) && !isCancel(r) {
				t.Fatalf("node %d: settled with %v, got %v", i, d, r)
			}
			continue
		}
		if n.check != nil {
			if err := n.check(r); err != nil {
				t.Fatalf("node %d: %v", i, err)
			}
		}
	}
}
