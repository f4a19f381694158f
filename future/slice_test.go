package future_test

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
)

// later returns a future for v settled on a later loop turn, after d.
func later[T any](l *testLoop, d time.Duration, v T, err error) *future.Future[T] {
	f, p := future.New[T](l)
	l.Delay(d, func() { p.Settle(v, err) })
	return f
}

func TestEachIsSequential(t *testing.T) {
	l := newLoop(t)
	var order []int
	active := 0
	f := future.Each(l, []int{1, 2, 3, 4}, func(v int) *future.Future[int] {
		active++
		if active != 1 {
			t.Errorf("%d items active", active)
		}
		order = append(order, v)
		return future.Map(later(l, time.Millisecond, v, nil), func(v int) int { active--; return v })
	})
	mustGet(t, f)
	if !slices.Equal(order, []int{1, 2, 3, 4}) {
		t.Fatalf("order %v", order)
	}
}

func TestEachStopsAtError(t *testing.T) {
	l := newLoop(t)
	var seen []int
	f := future.Each(l, []int{1, 2, 3}, func(v int) *future.Future[int] {
		seen = append(seen, v)
		if v == 2 {
			return future.Rejected[int](l, errBoom)
		}
		return future.Resolved(l, v)
	})
	if _, err := get(t, f); !errors.Is(err, errBoom) || !slices.Equal(seen, []int{1, 2}) {
		t.Fatalf("err %v, seen %v", err, seen)
	}
}

func TestMapSlice(t *testing.T) {
	l := newLoop(t)
	v := mustGet(t, future.MapSlice(l, []string{"a", "bb", "ccc"}, func(s string) *future.Future[int] {
		return later(l, 0, len(s), nil)
	}))
	if !slices.Equal(v, []int{1, 2, 3}) {
		t.Fatalf("got %v", v)
	}
}

func TestMapSliceEmpty(t *testing.T) {
	l := newLoop(t)
	v := mustGet(t, future.MapSlice(l, nil, func(int) *future.Future[int] { t.Fatal("called"); return nil }))
	if v == nil || len(v) != 0 {
		t.Fatalf("got %#v", v)
	}
	mustGet(t, future.Each(l, []int{}, func(int) *future.Future[int] { return nil }))
	if r := mustGet(t, future.Reduce(l, []int{}, 5, func(a, b int) *future.Future[int] { return nil })); r != 5 {
		t.Fatalf("reduce empty %d", r)
	}
	if r := mustGet(t, future.Filter(l, []int{}, func(int) *future.Future[bool] { return nil })); len(r) != 0 {
		t.Fatalf("filter empty %v", r)
	}
	if r := mustGet(t, future.MapLimit(l, []int{}, 3, func(int) *future.Future[int] { return nil })); len(r) != 0 {
		t.Fatalf("maplimit empty %v", r)
	}
}

func TestReduce(t *testing.T) {
	l := newLoop(t)
	sum := mustGet(t, future.Reduce(l, []int{1, 2, 3, 4}, 10, func(acc, v int) *future.Future[int] {
		return later(l, 0, acc+v, nil)
	}))
	if sum != 20 {
		t.Fatalf("got %d", sum)
	}
}

func TestFilter(t *testing.T) {
	l := newLoop(t)
	even := mustGet(t, future.Filter(l, []int{1, 2, 3, 4, 5, 6}, func(v int) *future.Future[bool] {
		return future.Resolved(l, v%2 == 0)
	}))
	if !slices.Equal(even, []int{2, 4, 6}) {
		t.Fatalf("got %v", even)
	}
}

func TestSliceOpsNilExecutor(t *testing.T) {
	items := make([]int, manySteps)
	for i := range items {
		items[i] = i
	}
	r, ok := future.Reduce(nil, items, 0, func(acc, v int) *future.Future[int] {
		return future.Resolved[int](nil, acc+v)
	}).Peek()
	want := 0
	for _, v := range items {
		want += v // as Reduce adds, wrapping alike where int is 32 bits
	}
	if !ok || r.Value != want {
		t.Fatalf("got %+v %v", r, ok)
	}
	m, ok := future.MapLimit(nil, items, 4, func(v int) *future.Future[int] {
		return future.Resolved[int](nil, v*2)
	}).Peek()
	if !ok || len(m.Value) != manySteps || m.Value[manySteps-1] != 2*(manySteps-1) {
		t.Fatalf("MapLimit: %v", ok)
	}
}

func TestSliceOpsRunOnLoop(t *testing.T) {
	l := newLoop(t)
	var offLoop atomic.Int32
	check := func() {
		if !l.OnLoop() {
			offLoop.Add(1)
		}
	}
	other := newLoop(t)
	fromOther := func(v int) *future.Future[int] {
		return future.Go(other, func() (int, error) { return v, nil })
	}
	mustGet(t, future.Each(l, []int{1, 2}, func(v int) *future.Future[int] { check(); return fromOther(v) }))
	mustGet(t, future.MapLimit(l, []int{1, 2, 3, 4}, 2, func(v int) *future.Future[int] { check(); return fromOther(v) }))
	if n := offLoop.Load(); n != 0 {
		t.Fatalf("%d calls off the loop", n)
	}
}

func TestMapLimitBound(t *testing.T) {
	l := newLoop(t)
	const limit = 3
	var inFlight, peak int
	items := make([]int, 20)
	for i := range items {
		items[i] = i
	}
	res := mustGet(t, future.MapLimit(l, items, limit, func(v int) *future.Future[int] {
		inFlight++
		peak = max(peak, inFlight)
		d := time.Duration(v%4) * time.Millisecond
		return future.Map(later(l, d, v*10, nil), func(v int) int { inFlight--; return v })
	}))
	if peak > limit {
		t.Fatalf("peak %d > limit %d", peak, limit)
	}
	if peak < 2 {
		t.Fatalf("peak %d: no concurrency", peak)
	}
	for i, v := range res {
		if v != i*10 {
			t.Fatalf("res[%d] = %d", i, v)
		}
	}
}

func TestMapLimitFailsFast(t *testing.T) {
	l := newLoop(t)
	slow, _, canceled := producer(t, l)
	started := 0
	f := future.MapLimit(l, []int{0, 1, 2, 3, 4}, 2, func(v int) *future.Future[int] {
		started++
		if v == 0 {
			return slow
		}
		return later(l, time.Millisecond, 0, errBoom)
	})
	if _, err := get(t, f); !errors.Is(err, errBoom) {
		t.Fatalf("got %v", err)
	}
	<-canceled
	if started != 2 {
		t.Fatalf("started %d items after the failure", started)
	}
}

func TestSliceOpsCancel(t *testing.T) {
	l := newLoop(t)
	slow, _, canceled := producer(t, l)
	calls := 0
	f := future.MapSlice(l, []int{1, 2}, func(int) *future.Future[int] { calls++; return slow })
	l.Sync()
	f.Cancel(errBoom)
	if <-canceled != errBoom {
		t.Fatal("wrong cause")
	}
	l.Sync()
	if calls != 1 {
		t.Fatalf("%d calls", calls)
	}
	slow2, _, canceled2 := producer(t, l)
	g := future.MapLimit(l, []int{1}, 0, func(int) *future.Future[int] { return slow2 })
	l.Sync()
	g.Cancel(nil)
	<-canceled2
}

// MapLimit over no items resolves with an empty slice, not nil, as
// MapSlice and All do: a caller that encodes the values (JSON's [] versus
// null) or tells "no items" from "not computed" by nil sees the same
// answer whichever of them it used.
func TestMapLimitEmptyIsNotNil(t *testing.T) {
	l := newLoop(t)
	for _, limit := range []int{-1, 0, 3} {
		v := mustGet(t, future.MapLimit(l, nil, limit, func(int) *future.Future[int] { return nil }))
		if v == nil || len(v) != 0 {
			t.Fatalf("MapLimit(limit %d) over no items: %#v, want an empty slice", limit, v)
		}
	}
}
