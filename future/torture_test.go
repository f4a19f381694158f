package future_test

// A seeded, randomized torture test of futures: random graphs of futures
// on two real eddy loops (and without executor), checked against a model
// the test computes from the inputs' observed results.
//
// Leaves come from New (on loop A, loop B or no executor), Go and
// FromChan, and are settled in a random order: from the test goroutine,
// from their loop through Post, from plain goroutines, some twice (the
// second attempt must report false), some never (they must then be
// cancelled). Interior nodes are random steps (Then, Map with a type
// change, Catch, Finally, Tap, TapFuture, ThenFuture, CatchFuture, steps
// that panic or return nil), combinators (All, AllSettled, Any, Race),
// Timeout, WithContext (whose context ends at random), and the slice
// helpers (MapSlice, Each, Filter, Reduce, MapLimit). Consumers are Await
// from goroutines (with and without deadline), Chan and OnSettle; random
// nodes are cancelled at random moments.
//
// Invariants:
//   - every node settles exactly once, with what the model predicts from
//     its inputs' results (errors keep their identity: the same error
//     value, or errors.Is for wrappers; a panic is a *PanicError), or with
//     a cancellation it was entitled to: an explicit Cancel (whose cause
//     it carries), its context, or every consumer having gone;
//   - a pending node whose every consumer has gone has been cancelled
//     (checked before the end cancels what is left), and a cancelled leaf
//     told its producer (OnCancel) exactly once, with the cause;
//   - a producer's settle reports true exactly when it decided the
//     result; a second settle reports false;
//   - callbacks of a loop future run on that loop's goroutine, the slice
//     helpers' functions one at a time;
//   - the unhandled-rejection hook reports each rejection that nobody
//     handles (no consumer ever) and none that was handled before it was
//     rejected; cancellations are never reported;
//   - no panic reaches a loop (its panic handler fails the test), and no
//     goroutine is left (TestMain).
//
// Each seed ends with a round during which loop B stops: its pending
// steps must then be rejected with ErrStopped, their callbacks not run
// anywhere, and nothing may hang.
//
// By default it runs three seeds for about a second each. EDDY_TORTURE
// (EDDY_TORTURE=60s) runs more seeds for that long, EDDY_TORTURE_SEED
// replays seeds, and EDDY_TORTURE_DUMP=1 prints a failing round's graph.
// A failure prints its seed.
//
// The model cannot see two moments, and says so where it gives way: a
// consumer attached by the test goroutine while a loop is dropping a
// future's last interest (see mayBeReleased), and a composite node's
// inner future, which the test goroutine consumes off the loop (see
// composite).

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/soak"
)

func TestTortureGraph(t *testing.T) {
	total := soak.Duration(t, 0)
	if testing.Short() && total == 0 {
		t.Skip("torture test skipped in -short mode")
	}
	per := 1 * time.Second
	if total > 0 {
		per = 3 * time.Second
	}
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, per)
	start := time.Now()
	var actions, nodes int64
	for _, seed := range seeds {
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			a, n := tortureGraph(t, seed, per)
			actions += a
			nodes += n
		})
		if !ok {
			t.Logf("replay with EDDY_TORTURE_SEED=%d", seed)
			break
		}
	}
	t.Logf("%d seeds, %v, %d actions, %d nodes, poller %q", len(seeds), time.Since(start).Round(time.Millisecond), actions, nodes, os.Getenv("EDDY_POLLER"))
}

// tErr is an error of this test: each carries the run's id, so that the
// unhandled-rejection handler can tell them from other tests' errors.
type tErr struct {
	run  int64
	name string
}

func (e *tErr) Error() string { return e.name }

var tortureRun atomic.Int64

type edgeKind int

const (
	edgeStep       edgeKind = iota // a single-input node: released when it is cancelled
	edgeAll                        // released when All failed
	edgeAllSettled                 // released only when cancelled
	edgeAny                        // released when Any resolved or was cancelled
	edgeRace                       // released when Race settled from another input
	edgeChan
	edgeOnSettle
	edgeAwait
)

type edge struct {
	kind  edgeKind
	c     *tn // the consuming node (step kinds and combinators)
	early bool

	// Await and Chan results.
	mu     sync.Mutex
	done   bool
	v      int
	err    error
	ctxErr bool // Await gave up
	runs   atomic.Int32
	ch     <-chan future.Result[int]
}

// tn is a node of the graph.
type tn struct {
	id   int
	kind string
	ins  []*tn
	f    *future.Future[int]
	exec future.Executor
	loop *eddy.Loop // exec, if it is a loop

	// Leaves.
	leafKind  string // "new", "go", "chan"
	p         *future.Promise[int]
	planV     int
	planErr   error
	never     bool
	wins      atomic.Int32
	settled   atomic.Bool // a settle was issued (for the end)
	release   chan struct{}
	ch        chan int
	hooks     atomic.Int32
	hookCause atomic.Pointer[error]
	inner     bool // created by a step function

	// Interior nodes.
	mode    int
	d       time.Duration
	errA    error
	errB    error
	inDone  bool // Timeout: the input had settled when it was made
	innerMu sync.Mutex
	innerTn *tn // the future a step function returned
	calls   atomic.Int32
	ctx     context.Context
	ctxStop context.CancelCauseFunc
	items   []sliceItem
	limit   int
	started []atomic.Int32
	inFn    atomic.Int32

	// Consumers and cancellation.
	consumers []*edge
	cause     error
	explicit  atomic.Bool
}

type sliceItem struct {
	kind int // 0 leaf, 1 Resolved, 2 nil, 3 panic, 4 rejected leaf
	v    int
	err  error
}

type tgraph struct {
	t       *testing.T
	seed    uint64
	run     int64
	rng     *rand.Rand
	loops   [2]*eddy.Loop
	nodes   []*tn
	nextID  int
	actions int64

	mu     sync.Mutex
	fails  []string
	inners []*tn // inner leaves created by step functions, not yet handed out

	ran     [2]chan struct{} // closed when a loop's Run has returned
	stopAt  int              // stop loop B after this many nodes (0: never)
	stopped bool             // loop B has stopped

	wg       sync.WaitGroup // settlers and deadline awaits
	bgAwaits sync.WaitGroup // awaits without deadline

	reports   map[error]int // unhandled reports of this seed
	repMu     sync.Mutex
	maxRep    map[error]int  // how many may be reported in all
	known     map[error]bool // the rejections of this seed's nodes
	memo      map[*tn]bool   // ownCancelled, during a check
	allInners []*tn
}

func (g *tgraph) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	g.mu.Lock()
	if len(g.fails) < 200 {
		g.fails = append(g.fails, msg)
	}
	g.mu.Unlock()
}

func (g *tgraph) newErr(format string, args ...any) error {
	return &tErr{run: g.run, name: fmt.Sprintf(format, args...)}
}

func tortureGraph(t *testing.T, seed uint64, active time.Duration) (int64, int64) {
	g := &tgraph{t: t, seed: seed, run: tortureRun.Add(1), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		reports: map[error]int{}, maxRep: map[error]int{}, known: map[error]bool{}}
	prev := future.SetUnhandledRejectionHandler(func(err error) {
		g.repMu.Lock()
		g.reports[err]++
		g.repMu.Unlock()
	})
	defer func() {
		// Futures without executor are checked for an unhandled
		// rejection when they are collected: collect this run's now,
		// after the loops have stopped (the deferred call below runs
		// first), so that their reports come to this hook and not to a
		// later test's (TestUnhandledNotForPropagatedCancel once caught
		// "cancel-6" from here).
		for range 5 {
			runtime.GC()
			time.Sleep(5 * time.Millisecond) // cleanups run on their own goroutine
		}
		future.SetUnhandledRejectionHandler(prev)
	}()
	var runs sync.WaitGroup
	for i := range g.loops {
		l, err := eddy.New(eddy.WithPanicHandler(func(v any, stack []byte) {
			g.failf("panic on loop %d: %v\n%s", i, v, stack)
		}))
		if err != nil {
			t.Fatal(err)
		}
		l.Ref()
		g.loops[i] = l
		g.ran[i] = make(chan struct{})
		runs.Go(func() {
			defer close(g.ran[i])
			if err := l.Run(); err != nil {
				g.failf("loop %d: Run: %v", i, err)
			}
		})
	}
	defer func() {
		for _, l := range g.loops {
			l.Stop()
		}
		runs.Wait()
	}()
	start := time.Now()
	var nodes int64
	round := 0
	for ; time.Since(start) < active; round++ {
		g.round(round)
		nodes += int64(len(g.nodes))
		g.nodes = nil
		if g.dumpFails(round) {
			break
		}
	}
	// Last, a round during which loop B stops: its pending steps must be
	// rejected with ErrStopped, without running their callbacks anywhere
	// else, and nothing may hang.
	g.stopAt = 1 + g.rng.IntN(40)
	g.round(round)
	nodes += int64(len(g.nodes))
	g.nodes = nil
	// Reports of futures without executor come when they are collected;
	// whatever came must not exceed what may be reported.
	g.repMu.Lock()
	for err, n := range g.reports {
		if g.known[err] && !isSentinel(err) && n > g.maxRep[err] {
			g.failf("unhandled rejection %q reported %d times, at most %d expected", err, n, g.maxRep[err])
		}
	}
	g.repMu.Unlock()
	g.dumpFails(-1)
	return g.actions, nodes
}

func (g *tgraph) dumpFails(round int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.fails) == 0 {
		return false
	}
	g.t.Errorf("seed %d round %d: %d failures:\n%s", g.seed, round, len(g.fails), strings.Join(g.fails, "\n"))
	g.fails = nil
	return true
}

// sync waits until both loops have run what was posted so far, a few
// times over, and the settling goroutines have ended.
func (g *tgraph) sync() {
	for i := range 3 {
		g.wg.Wait()
		if i == 0 {
			g.quiesce()
		}
		for i, l := range g.loops {
			if i == 1 && g.stopped {
				continue
			}
			for range 3 {
				done := make(chan struct{})
				if err := l.Post(func() { close(done) }); err != nil {
					g.failf("Post: %v", err)
					continue
				}
				<-done
			}
		}
	}
}

func (g *tgraph) pickExec() (future.Executor, *eddy.Loop) {
	switch g.rng.IntN(5) {
	case 0, 1:
		return g.loops[0], g.loops[0]
	case 2, 3:
		return g.loops[1], g.loops[1]
	}
	return nil, nil
}

func loopOf(e future.Executor) *eddy.Loop {
	l, _ := e.(*eddy.Loop)
	return l
}

func (g *tgraph) add(n *tn) *tn {
	n.id = g.nextID
	g.nextID++
	n.cause = g.newErr("cancel-%d", n.id)
	n.errA = g.newErr("errA-%d", n.id)
	n.errB = g.newErr("errB-%d", n.id)
	g.nodes = append(g.nodes, n)
	return n
}

// onLoop checks that a callback of n runs where it must.
func (g *tgraph) onLoop(n *tn, what string) {
	if n.loop != nil && !n.loop.OnLoop() {
		g.failf("node %d (%s): %s ran off its loop", n.id, n.kind, what)
	}
}

// --- leaves ---

func (g *tgraph) newLeaf() *tn {
	exec, l := g.pickExec()
	n := g.add(&tn{kind: "leaf", exec: exec, loop: l})
	n.planV = g.rng.IntN(1000)
	if g.rng.IntN(4) == 0 {
		n.planErr = g.newErr("leaf-%d", n.id)
	}
	switch r := g.rng.IntN(10); {
	case r < 7:
		n.leafKind = "new"
		n.f, n.p = future.New[int](exec)
		n.never = g.rng.IntN(6) == 0
		n.p.OnCancel(func(cause error) {
			g.onLoop(n, "OnCancel")
			n.hooks.Add(1)
			n.hookCause.Store(&cause)
		})
	case r < 9:
		n.leafKind = "go"
		n.release = make(chan struct{})
		panics := g.rng.IntN(5) == 0 && n.planErr != nil
		n.f = future.Go(exec, func() (int, error) {
			<-n.release
			if panics {
				panic(n.planErr)
			}
			return n.planV, n.planErr
		})
		if panics {
			n.mode = 1
		}
	default:
		n.leafKind = "chan"
		n.ch = make(chan int, 1)
		if n.planErr != nil {
			n.planErr = future.ErrChanClosed
		}
		n.never = g.rng.IntN(4) == 0
		n.f = future.FromChan(exec, n.ch)
	}
	return n
}

// innerLeaf is a future a step function returns: created on the step's
// goroutine and settled later by the driver, or at once.
func (g *tgraph) innerLeaf(exec future.Executor, v int, err error, now bool) *future.Future[int] {
	f, p := future.New[int](exec)
	n := &tn{kind: "inner", leafKind: "new", f: f, p: p, planV: v, planErr: err, inner: true, exec: exec, loop: loopOf(exec)}
	p.OnCancel(func(cause error) { n.hooks.Add(1); n.hookCause.Store(&cause) })
	if now {
		n.settled.Store(true)
		if !p.Settle(v, err) {
			g.failf("inner leaf settle failed at once")
		}
		n.wins.Add(1)
		g.mu.Lock()
		g.allInners = append(g.allInners, n)
		g.mu.Unlock()
		return f
	}
	g.mu.Lock()
	g.inners = append(g.inners, n)
	g.allInners = append(g.allInners, n)
	g.mu.Unlock()
	return f
}

// settle issues n's planned settlement, from a random place.
func (g *tgraph) settle(n *tn, how int) {
	if n.settled.Swap(true) {
		return
	}
	do := func() {
		switch n.leafKind {
		case "new":
			if n.p.Settle(n.planV, n.planErr) {
				n.wins.Add(1)
			}
		case "go":
			close(n.release)
		case "chan":
			if n.planErr != nil {
				close(n.ch)
			} else {
				n.ch <- n.planV
			}
		}
	}
	twice := n.leafKind == "new" && how%5 == 4
	switch how % 4 {
	case 0:
		do()
	case 1:
		l := n.loop
		if l == nil {
			l = g.loops[0]
		}
		g.wg.Add(1)
		if err := l.Post(func() { defer g.wg.Done(); do() }); err != nil {
			g.wg.Done()
			if !g.stopped || l != g.loops[1] {
				g.failf("Post: %v", err)
			}
			do()
		}
	case 2:
		g.wg.Go(do)
	case 3:
		if n.leafKind == "new" {
			// Two settlers at once: exactly one may win.
			g.wg.Go(do)
			g.wg.Go(func() {
				if n.p.Settle(n.planV, n.planErr) {
					n.wins.Add(1)
				}
			})
		} else {
			do()
		}
	}
	if twice {
		g.wg.Go(func() {
			// Later: after the first settle has returned.
			for !n.f.Done() {
				time.Sleep(50 * time.Microsecond)
			}
			if n.p.Resolve(-1) || n.p.Reject(n.errB) {
				g.failf("leaf %d: a second settle reported true", n.id)
			}
		})
	}
}

// --- interior nodes ---

func (g *tgraph) pick() *tn { return g.nodes[g.rng.IntN(len(g.nodes))] }

func (g *tgraph) consume(in *tn, c *tn, k edgeKind) {
	e := &edge{kind: k, c: c}
	e.early = in.f.Done()
	in.consumers = append(in.consumers, e)
}

func (g *tgraph) step(kind string, in *tn) *tn {
	n := g.add(&tn{kind: kind, ins: []*tn{in}, exec: in.exec, loop: in.loop})
	n.mode = g.rng.IntN(3)
	once := func(what string) {
		g.onLoop(n, what)
		if n.calls.Add(1) != 1 {
			g.failf("node %d (%s): function called twice", n.id, n.kind)
		}
	}
	switch kind {
	case "then":
		n.f = future.Then(in.f, func(v int) (int, error) {
			once("Then")
			switch {
			case v%5 == 0:
				return 0, n.errA
			case v%13 == 0:
				panic(n.errB)
			}
			return (v*3 + 1) % 1000, nil
		})
	case "map":
		s := future.Map(in.f, func(v int) string { once("Map"); return strconv.Itoa(v + 7) })
		n.f = future.Then(s, func(s string) (int, error) { g.onLoop(n, "Then(string)"); return strconv.Atoi(s) })
	case "catch":
		n.f = in.f.Catch(func(err error) (int, error) {
			once("Catch")
			switch n.mode {
			case 0:
				return 500 + n.id%100, nil
			case 1:
				return 0, err
			}
			return 0, fmt.Errorf("%w: %w", n.errA, err)
		})
	case "finally":
		n.f = in.f.Finally(func() {
			once("Finally")
			if n.mode == 1 {
				panic(n.errA)
			}
		})
	case "tap":
		n.f = in.f.Tap(func(v int) error {
			once("Tap")
			if v%4 == 0 {
				return n.errA
			}
			return nil
		})
	case "tapfut":
		n.f = future.TapFuture(in.f, func(v int) *future.Future[string] {
			once("TapFuture")
			var err error
			if v%3 == 0 {
				err = n.errB
			}
			h := g.innerLeaf(n.exec, v, err, n.mode == 0)
			n.setInner(h)
			return future.Map(h, strconv.Itoa)
		})
	case "thenfut":
		n.f = future.ThenFuture(in.f, func(v int) *future.Future[int] {
			once("ThenFuture")
			if v%6 == 0 {
				return nil
			}
			var err error
			if v%4 == 3 {
				err = n.errB
			}
			h := g.innerLeaf(n.exec, v*2%1000, err, n.mode == 0)
			n.setInner(h)
			return h
		})
	case "catchfut":
		n.f = in.f.CatchFuture(func(error) *future.Future[int] {
			once("CatchFuture")
			var err error
			if n.mode == 2 {
				err = n.errB
			}
			h := g.innerLeaf(n.exec, 900, err, n.mode == 0)
			n.setInner(h)
			return h
		})
	case "timeout":
		n.d = time.Duration(g.rng.IntN(3000)) * time.Microsecond
		n.inDone = in.f.Done()
		n.f = future.Timeout(in.f, n.d)
	case "withctx":
		n.ctx, n.ctxStop = context.WithCancelCause(context.Background())
		n.f = in.f.WithContext(n.ctx)
	case "follow":
		var p *future.Promise[int]
		n.f, p = future.New[int](n.exec)
		if !p.Follow(in.f) {
			g.failf("node %d: Follow reported false", n.id)
		}
		if p.Resolve(1) || p.Reject(n.errA) || p.Follow(in.f) {
			g.failf("node %d: a promise that follows settled otherwise", n.id)
		}
	}
	k := edgeStep
	g.consume(in, n, k)
	return n
}

func (n *tn) setInner(h *future.Future[int]) {
	n.innerMu.Lock()
	n.innerTn = &tn{f: h}
	n.innerMu.Unlock()
}

func (n *tn) innerRes() (future.Result[int], bool) {
	n.innerMu.Lock()
	defer n.innerMu.Unlock()
	if n.innerTn == nil {
		return future.Result[int]{}, false
	}
	return n.innerTn.f.Peek()
}

func (g *tgraph) combine(kind string) *tn {
	k := 1 + g.rng.IntN(4)
	ins := make([]*tn, k)
	fs := make([]*future.Future[int], k)
	for i := range ins {
		ins[i] = g.pick()
		fs[i] = ins[i].f
	}
	n := g.add(&tn{kind: kind, ins: ins})
	for _, in := range ins {
		if in.exec != nil {
			n.exec, n.loop = in.exec, in.loop
			break
		}
	}
	var ek edgeKind
	switch kind {
	case "all":
		ek = edgeAll
		n.f = future.Map(future.All(fs...), func(vs []int) int {
			g.onLoop(n, "All's Map")
			sum := 0
			for i, v := range vs {
				sum += v * (i + 1)
			}
			return sum
		})
	case "allsettled":
		ek = edgeAllSettled
		n.f = future.Then(future.AllSettled(fs...), func(rs []future.Result[int]) (int, error) {
			g.onLoop(n, "AllSettled's Then")
			for i, r := range rs {
				want, ok := fs[i].Peek()
				if !ok || want.Err != r.Err || (r.Err == nil && want.Value != r.Value) {
					g.failf("node %d AllSettled: input %d gave %v/%v, it settled with %v/%v (%v)", n.id, i, r.Value, r.Err, want.Value, want.Err, ok)
				}
			}
			return len(rs), nil
		})
	case "any":
		ek = edgeAny
		n.f = future.Any(fs...)
	case "race":
		ek = edgeRace
		n.f = future.Race(fs...)
	}
	for _, in := range ins {
		g.consume(in, n, ek)
	}
	return n
}

func (g *tgraph) slice(kind string) *tn {
	exec, l := g.pickExec()
	n := g.add(&tn{kind: kind, exec: exec, loop: l})
	k := g.rng.IntN(6)
	n.items = make([]sliceItem, k)
	n.started = make([]atomic.Int32, k)
	for i := range n.items {
		it := &n.items[i]
		it.v = g.rng.IntN(1000)
		switch r := g.rng.IntN(20); {
		case r < 13:
			it.kind = 0
		case r < 16:
			it.kind = 1
		case r < 17:
			it.kind = 2
		case r < 18:
			it.kind = 3
		default:
			it.kind = 4
		}
		it.err = g.newErr("item-%d-%d", n.id, i)
	}
	items := make([]int, k)
	for i := range items {
		items[i] = i
	}
	now := g.rng.IntN(2) == 0
	fn := func(i int) *future.Future[int] {
		g.onLoop(n, kind)
		if n.inFn.Add(1) != 1 {
			g.failf("node %d (%s): functions ran at once", n.id, kind)
		}
		defer n.inFn.Add(-1)
		if n.started[i].Add(1) != 1 {
			g.failf("node %d (%s): item %d started twice", n.id, kind, i)
		}
		if kind != "maplimit" {
			for j := range i {
				if n.started[j].Load() != 1 {
					g.failf("node %d (%s): item %d started before %d", n.id, kind, i, j)
				}
			}
		}
		it := n.items[i]
		switch it.kind {
		case 1:
			return future.Resolved(exec, it.v)
		case 2:
			return nil
		case 3:
			panic(it.err)
		case 4:
			return g.innerLeaf(exec, 0, it.err, now)
		}
		return g.innerLeaf(exec, it.v, nil, now && i%2 == 0)
	}
	switch kind {
	case "mapslice":
		n.f = future.Map(future.MapSlice(exec, items, fn), sum)
	case "maplimit":
		n.limit = g.rng.IntN(4)
		n.f = future.Map(future.MapLimit(exec, items, n.limit, fn), sum)
	case "each":
		n.f = future.Map(future.Each(exec, items, fn), func(struct{}) int { return 1 })
	case "filter":
		n.f = future.Map(future.Filter(exec, items, func(i int) *future.Future[bool] {
			h := fn(i)
			if h == nil {
				return nil
			}
			return future.Map(h, func(v int) bool { return v%2 == 1 })
		}), sum)
	case "reduce":
		n.f = future.Reduce(exec, items, 0, func(acc, i int) *future.Future[int] {
			h := fn(i)
			if h == nil {
				return nil
			}
			return future.Map(h, func(v int) int { return acc + v*(i+1) })
		})
	}
	return n
}

func sum(vs []int) int {
	s := 0
	for i, v := range vs {
		s += v * (i + 1)
	}
	return s
}

// --- consumers ---

func (g *tgraph) addConsumer(in *tn) {
	switch g.rng.IntN(4) {
	case 0:
		e := &edge{kind: edgeChan, ch: in.f.Chan()}
		e.early = in.f.Done()
		in.consumers = append(in.consumers, e)
	case 1:
		e := &edge{kind: edgeOnSettle}
		in.f.OnSettle(func(v int, err error) {
			g.onLoop(in, "OnSettle")
			if e.runs.Add(1) != 1 {
				g.failf("node %d: an OnSettle ran twice", in.id)
			}
			e.mu.Lock()
			e.done, e.v, e.err = true, v, err
			e.mu.Unlock()
		})
		e.early = in.f.Done()
		in.consumers = append(in.consumers, e)
	default:
		e := &edge{kind: edgeAwait}
		var ctx context.Context
		var cancel context.CancelFunc
		wg := &g.bgAwaits
		if g.rng.IntN(2) == 0 {
			ctx, cancel = context.WithTimeout(context.Background(), time.Duration(g.rng.IntN(2000))*time.Microsecond)
			wg = &g.wg
		} else {
			ctx, cancel = context.WithCancel(context.Background())
		}
		// Await takes its interest on its goroutine: wait until it has
		// (it asks for ctx.Done once attached) or has returned, so that
		// the model knows the consumer is there.
		in.consumers = append(in.consumers, e)
		pc := &probeCtx{Context: ctx, asked: make(chan struct{})}
		ret := make(chan struct{})
		wg.Go(func() {
			defer cancel()
			defer close(ret)
			v, err := in.f.Await(pc)
			e.mu.Lock()
			e.done, e.v, e.err = true, v, err
			e.ctxErr = err == context.DeadlineExceeded
			e.mu.Unlock()
		})
		select {
		case <-pc.asked:
		case <-ret:
		}
		e.early = in.f.Done()
	}
}

// --- the round ---

func (g *tgraph) round(round int) {
	g.nextID = 0
	g.inners = nil
	steps := []string{"then", "map", "catch", "finally", "tap", "tapfut", "thenfut", "catchfut", "timeout", "withctx", "follow"}
	combs := []string{"all", "allsettled", "any", "race"}
	slices := []string{"mapslice", "maplimit", "each", "filter", "reduce"}
	size := 5 + g.rng.IntN(40)
	for len(g.nodes) < size {
		if g.stopAt > 0 && len(g.nodes) >= g.stopAt && !g.stopped {
			g.loops[1].Stop()
			<-g.ran[1]
			g.stopped = true
		}
		g.actions++
		r := g.rng.IntN(100)
		switch {
		case len(g.nodes) == 0 || r < 20:
			g.newLeaf()
		case r < 45:
			g.step(steps[g.rng.IntN(len(steps))], g.pick())
		case r < 55:
			g.combine(combs[g.rng.IntN(len(combs))])
		case r < 60:
			g.slice(slices[g.rng.IntN(len(slices))])
		case r < 75:
			// Settle a leaf that is to be settled.
			for range 3 {
				n := g.pick()
				if n.kind == "leaf" && !n.never {
					g.settle(n, g.rng.IntN(20))
					break
				}
			}
		case r < 80:
			g.mu.Lock()
			var in *tn
			if len(g.inners) > 0 {
				i := g.rng.IntN(len(g.inners))
				in = g.inners[i]
				g.inners = append(g.inners[:i], g.inners[i+1:]...)
			}
			g.mu.Unlock()
			if in != nil {
				g.settle(in, g.rng.IntN(20))
			}
		case r < 84:
			n := g.pick()
			if n.f.Cancel(n.cause) {
				n.explicit.Store(true)
			}
		case r < 87:
			n := g.pick()
			if n.ctxStop != nil {
				n.ctxStop(n.errB)
			}
		case r < 95:
			g.addConsumer(g.pick())
		default:
			time.Sleep(time.Duration(g.rng.IntN(300)) * time.Microsecond)
		}
	}
	g.end()
}

// end settles what is to be settled, checks that nothing pending is
// unwanted, cancels what is left, and checks every node.
func (g *tgraph) end() {
	for _, n := range g.nodes {
		if n.kind == "leaf" && !n.never {
			g.settle(n, 0)
		}
	}
	for {
		g.sync()
		g.mu.Lock()
		inners := g.inners
		g.inners = nil
		g.mu.Unlock()
		if len(inners) == 0 {
			break
		}
		for _, in := range inners {
			g.settle(in, 0)
		}
	}
	g.wg.Wait()
	// From the last node back: a pending node whose every consumer has
	// gone should have been cancelled; the others are cancelled now.
	dirty := true
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		if n.f.Done() {
			continue
		}
		if dirty {
			g.sync()
			dirty = false
			if n.f.Done() {
				continue
			}
		}
		dirty = true
		g.memo = map[*tn]bool{}
		if g.released(n) {
			g.failf("node %d (%s): pending, though every consumer (%d) has gone", n.id, n.kind, len(n.consumers))
		}
		if n.f.Cancel(n.cause) {
			n.explicit.Store(true)
		}
	}
	for {
		g.sync()
		g.mu.Lock()
		inners := g.inners
		g.inners = nil
		g.mu.Unlock()
		if len(inners) == 0 {
			break
		}
		for _, in := range inners {
			g.settle(in, 0)
		}
	}
	g.bgAwaits.Wait()
	for _, n := range g.nodes {
		if n.kind == "leaf" && n.leafKind != "new" && !n.settled.Load() {
			// Go and FromChan leaves: their goroutine ends with the
			// cancellation; a Go leaf's goroutine waits to be released.
			g.settle(n, 0)
		}
	}
	g.sync()
	g.memo = map[*tn]bool{}
	for _, n := range g.nodes {
		g.check(n)
	}
	g.mu.Lock()
	inners := g.allInners
	g.allInners = nil
	g.mu.Unlock()
	for _, n := range inners {
		o, ok := n.f.Peek()
		switch {
		case !ok:
			g.failf("an inner future never settled")
		case isCancelErr(o.Err):
			if n.wins.Load() != 0 || n.hooks.Load() > 1 || (n.hooks.Load() == 0 && !g.stoppedOn(n)) {
				g.failf("inner future cancelled: %d settles won, OnCancel ran %d times", n.wins.Load(), n.hooks.Load())
			}
		case n.wins.Load() != 1 || n.hooks.Load() != 0:
			g.failf("inner future settled: %d settles won, OnCancel ran %d times", n.wins.Load(), n.hooks.Load())
		}
	}
	g.checkUnhandled()
	if os.Getenv("EDDY_TORTURE_DUMP") != "" && len(g.fails) > 0 {
		for _, n := range g.nodes {
			r := res(n)
			line := fmt.Sprintf("  %d %s mode=%d exec=%v explicit=%v: %v/%v; ins", n.id, n.kind, n.mode, n.exec != nil, n.explicit.Load(), r.Value, r.Err)
			for _, in := range n.ins {
				line += fmt.Sprintf(" %d", in.id)
			}
			line += "; consumers"
			for _, e := range n.consumers {
				if e.c != nil {
					line += fmt.Sprintf(" %d", e.c.id)
				} else {
					line += fmt.Sprintf(" k%d(ctx=%v)", e.kind, e.ctxErr)
				}
			}
			g.failf("%s", line)
		}
	}
}

// released reports whether every consumer of n has gone (and there is at
// least one): n may be, and if pending must be, cancelled for lack of
// interest.
func (g *tgraph) released(n *tn) bool {
	if len(n.consumers) == 0 {
		return false
	}
	o, _ := n.f.Peek()
	for _, e := range n.consumers {
		if !g.edgeReleased(e, o) {
			return false
		}
	}
	return true
}

// mayBeReleased is released for a cancellation that happened while the
// test goroutine went on attaching consumers: a consumer attached while
// the last interest was being dropped (on a loop, a timer or a context's
// goroutine) sees the cancellation without having prevented it, and the
// test cannot tell the moment apart from "just before". So the consumers
// attached before the first one that has gone must all have gone; later
// ones may have come too late.
func (g *tgraph) mayBeReleased(n *tn) bool {
	o, _ := n.f.Peek()
	seen := false
	for _, e := range n.consumers {
		if g.edgeReleased(e, o) {
			seen = true
		} else if !seen {
			return false
		}
	}
	return seen
}

// ownCancelled reports whether n's cancellation is its own: an explicit
// Cancel, its context, or every consumer gone (a cancellation handed
// down from an input does not count).
func (g *tgraph) ownCancelled(n *tn) bool {
	if v, ok := g.memo[n]; ok {
		return v
	}
	g.memo[n] = false // no cycles: consumers come after their inputs
	o, ok := n.f.Peek()
	v := false
	if ok && isCancelErr(o.Err) {
		switch {
		case n.explicit.Load():
			v = true
		case n.kind == "withctx" && n.ctx.Err() != nil && o.Err.(*future.CancelError).Cause == context.Cause(n.ctx):
			v = true
		default:
			v = g.mayBeReleased(n)
		}
	}
	g.memo[n] = v
	return v
}

func isCancelErr(err error) bool {
	_, ok := err.(*future.CancelError)
	return ok
}

func (g *tgraph) edgeReleased(e *edge, mine future.Result[int]) bool {
	if e.early {
		// Attached to a settled future: it could not keep it wanted.
		return true
	}
	switch e.kind {
	case edgeChan, edgeOnSettle:
		return false
	case edgeAwait:
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.done && e.ctxErr
	}
	c, ok := e.c.f.Peek()
	if !ok {
		return false
	}
	if g.ownCancelled(e.c) {
		return true
	}
	switch e.kind {
	case edgeStep:
		var te *future.TimeoutError
		return e.c.kind == "timeout" && errors.As(c.Err, &te)
	case edgeAll:
		// Failed with another input's error.
		return c.Err != nil && c.Err != mine.Err
	case edgeAny:
		return c.Err == nil
	case edgeRace:
		return !sameRes(c, mine)
	}
	return false
}

func sameRes(a, b future.Result[int]) bool {
	if a.Err != nil || b.Err != nil {
		return a.Err == b.Err
	}
	return a.Value == b.Value
}

func res(n *tn) future.Result[int] {
	r, ok := n.f.Peek()
	if !ok {
		return future.Result[int]{Err: errors.New("pending")}
	}
	return r
}

// check compares n's result with the model.
func (g *tgraph) check(n *tn) {
	o, ok := n.f.Peek()
	if !ok {
		g.failf("node %d (%s): never settled (function calls %d, Cancel now %v)", n.id, n.kind, n.calls.Load(), n.f.Cancel(nil))
		return
	}
	if n.f.Executor() != n.exec {
		g.failf("node %d (%s): executor %v, want %v", n.id, n.kind, n.f.Executor(), n.exec)
	}
	// The consumers saw the result.
	for _, e := range n.consumers {
		switch e.kind {
		case edgeChan:
			select {
			case r := <-e.ch:
				if !sameRes(r, o) {
					g.failf("node %d (%s): Chan got %v/%v, want %v/%v", n.id, n.kind, r.Value, r.Err, o.Value, o.Err)
				}
			default:
				g.failf("node %d (%s): Chan got nothing", n.id, n.kind)
			}
		case edgeOnSettle, edgeAwait:
			e.mu.Lock()
			r := future.Result[int]{Value: e.v, Err: e.err}
			if !e.done && e.kind == edgeOnSettle && g.stoppedOn(n) {
				// Its loop stopped: callbacks do not run.
			} else if !e.done {
				g.failf("node %d (%s): consumer %d did not run", n.id, n.kind, e.kind)
			} else if !e.ctxErr && !sameRes(r, o) {
				g.failf("node %d (%s): consumer %d got %v/%v, want %v/%v", n.id, n.kind, e.kind, r.Value, r.Err, o.Value, o.Err)
			}
			e.mu.Unlock()
		}
	}
	// A node that Cancel cancelled carries its cause.
	if n.explicit.Load() {
		ce, ok := o.Err.(*future.CancelError)
		if !ok || ce.Cause != n.cause {
			g.failf("node %d (%s): Cancel reported true, result %v", n.id, n.kind, o.Err)
		}
		return
	}
	ownCancel := g.ownCancelled(n)
	if n.kind == "leaf" {
		g.checkLeaf(n, o, ownCancel)
		return
	}
	if g.stoppedOn(n) && errors.Is(o.Err, future.ErrStopped) {
		return
	}
	if why := g.model(n, o); why != "" && !ownCancel {
		ins := ""
		for _, in := range n.ins {
			r := res(in)
			ins += fmt.Sprintf(" [%d %s: %v/%v]", in.id, in.kind, r.Value, r.Err)
		}
		g.failf("node %d (%s mode %d): got %v/%v: %s; inputs%s", n.id, n.kind, n.mode, o.Value, o.Err, why, ins)
	}
}

func (g *tgraph) checkLeaf(n *tn, o future.Result[int], ownCancel bool) {
	planned := (n.planErr == nil && o.Err == nil && o.Value == n.planV) || (n.planErr != nil && errors.Is(o.Err, n.planErr))
	if n.leafKind == "go" && n.mode == 1 && n.planErr != nil {
		var pe *future.PanicError
		planned = errors.As(o.Err, &pe) && errors.Is(o.Err, n.planErr)
	}
	switch {
	case planned && !n.never:
		if n.leafKind == "new" && n.wins.Load() != 1 {
			g.failf("leaf %d: settled as planned, but %d settles reported true", n.id, n.wins.Load())
		}
		if n.hooks.Load() != 0 {
			g.failf("leaf %d: settled as planned, but OnCancel ran", n.id)
		}
	case isCancelErr(o.Err):
		if !ownCancel {
			g.failf("leaf %d (%s): cancelled (%v) with %d consumers, not all gone", n.id, n.leafKind, o.Err, len(n.consumers))
		}
		if n.leafKind == "new" {
			if n.wins.Load() != 0 {
				g.failf("leaf %d: cancelled, but a settle reported true", n.id)
			}
			if n.hooks.Load() == 0 && g.stoppedOn(n) {
				// Its loop stopped: hooks do not run.
			} else if n.hooks.Load() != 1 {
				g.failf("leaf %d: cancelled, OnCancel ran %d times", n.id, n.hooks.Load())
			} else if c := *n.hookCause.Load(); c != o.Err.(*future.CancelError).Cause {
				g.failf("leaf %d: OnCancel cause %v, want %v", n.id, c, o.Err.(*future.CancelError).Cause)
			}
		}
	default:
		g.failf("leaf %d (%s): got %v/%v, planned %v/%v never=%v", n.id, n.leafKind, o.Value, o.Err, n.planV, n.planErr, n.never)
	}
}

// model returns why o is not what n should give, or "".
func (g *tgraph) model(n *tn, o future.Result[int]) string {
	var in future.Result[int]
	if len(n.ins) > 0 {
		in = res(n.ins[0])
	}
	pass := func() string {
		if o.Err != in.Err {
			return fmt.Sprintf("want the input's error %v", in.Err)
		}
		return ""
	}
	want := func(v int) string {
		if o.Err != nil || o.Value != v {
			return fmt.Sprintf("want %d", v)
		}
		return ""
	}
	wantErr := func(err error) string {
		if o.Err != err {
			return fmt.Sprintf("want error %v", err)
		}
		return ""
	}
	wantPanic := func(errs ...error) string {
		var pe *future.PanicError
		if !errors.As(o.Err, &pe) || len(pe.Stack) == 0 {
			return "want a *PanicError with a stack"
		}
		for _, e := range errs {
			if !errors.Is(o.Err, e) {
				return fmt.Sprintf("want a *PanicError matching %v", e)
			}
		}
		return ""
	}
	inner := func() (future.Result[int], string) {
		r, ok := n.innerRes()
		if !ok {
			return r, "the step function's future is missing or pending"
		}
		return r, ""
	}
	switch n.kind {
	case "then":
		switch v := in.Value; {
		case in.Err != nil:
			return pass()
		case v%5 == 0:
			return wantErr(n.errA)
		case v%13 == 0:
			return wantPanic(n.errB)
		default:
			return want((v*3 + 1) % 1000)
		}
	case "map":
		if in.Err != nil {
			return pass()
		}
		return want(in.Value + 7)
	case "catch":
		switch {
		case in.Err == nil:
			return want(in.Value)
		case n.mode == 0:
			return want(500 + n.id%100)
		case n.mode == 1:
			return pass()
		}
		if o.Err == nil || !errors.Is(o.Err, n.errA) || !errors.Is(o.Err, in.Err) {
			return "want an error wrapping errA and the input's"
		}
		return ""
	case "finally":
		if n.mode == 1 {
			if in.Err != nil {
				return wantPanic(n.errA, in.Err)
			}
			return wantPanic(n.errA)
		}
		if in.Err != nil {
			return pass()
		}
		return want(in.Value)
	case "tap":
		switch {
		case in.Err != nil:
			return pass()
		case in.Value%4 == 0:
			return wantErr(n.errA)
		}
		return want(in.Value)
	case "tapfut":
		if in.Err != nil {
			return pass()
		}
		r, why := inner()
		if why != "" {
			return why
		}
		if r.Err != nil {
			return wantErr(r.Err)
		}
		return want(in.Value)
	case "thenfut":
		if in.Err != nil {
			return pass()
		}
		if in.Value%6 == 0 {
			if !errors.Is(o.Err, future.ErrNilFuture) {
				return "want ErrNilFuture"
			}
			return ""
		}
		r, why := inner()
		if why != "" {
			return why
		}
		if !sameRes(o, r) {
			return fmt.Sprintf("want the inner future's %v/%v", r.Value, r.Err)
		}
		return ""
	case "catchfut":
		if in.Err == nil {
			return want(in.Value)
		}
		r, why := inner()
		if why != "" {
			return why
		}
		if !sameRes(o, r) {
			return fmt.Sprintf("want the inner future's %v/%v", r.Value, r.Err)
		}
		return ""
	case "timeout":
		if sameRes(o, in) {
			return ""
		}
		var te *future.TimeoutError
		if n.inDone {
			return "want the input's result: it had settled when Timeout was called"
		}
		if errors.As(o.Err, &te) && te.After == n.d && errors.Is(o.Err, context.DeadlineExceeded) {
			return ""
		}
		return "want the input's result or a *TimeoutError"
	case "withctx", "follow":
		if !sameRes(o, in) {
			return "want the input's result"
		}
		return ""
	case "all":
		allOK := true
		s := 0
		for i, x := range n.ins {
			r := res(x)
			if r.Err != nil {
				allOK = false
				if o.Err == r.Err {
					return ""
				}
			}
			s += r.Value * (i + 1)
		}
		if allOK {
			return want(s)
		}
		return "want one of the inputs' errors"
	case "allsettled":
		return want(len(n.ins))
	case "any":
		var errs []error
		for _, x := range n.ins {
			r := res(x)
			if r.Err == nil && o.Err == nil && o.Value == r.Value {
				return ""
			}
			errs = append(errs, r.Err)
		}
		var ae *future.AggregateError
		if !errors.As(o.Err, &ae) || len(ae.Errors) != len(errs) {
			return "want a resolved input's value or an *AggregateError"
		}
		for i := range errs {
			if ae.Errors[i] != errs[i] {
				return fmt.Sprintf("AggregateError[%d] is %v, want %v", i, ae.Errors[i], errs[i])
			}
		}
		return ""
	case "race":
		for _, x := range n.ins {
			if sameRes(o, res(x)) {
				return ""
			}
		}
		return "want one of the inputs' results"
	}
	return g.modelSlice(n, o)
}

func (g *tgraph) modelSlice(n *tn, o future.Result[int]) string {
	matches := func(i int) bool {
		it := n.items[i]
		if it.kind == 2 {
			return errors.Is(o.Err, future.ErrNilFuture)
		}
		if it.kind == 3 {
			var pe *future.PanicError
			return errors.As(o.Err, &pe) && errors.Is(o.Err, it.err)
		}
		return o.Err == it.err
	}
	fails := func(i int) bool { return n.items[i].kind >= 2 }
	if n.kind == "maplimit" {
		any := false
		for i := range n.items {
			if fails(i) {
				any = true
				if matches(i) {
					return ""
				}
			}
		}
		if any {
			return "want one of the failing items' errors"
		}
		s := 0
		for i, it := range n.items {
			s += it.v * (i + 1)
		}
		if o.Err != nil || o.Value != s {
			return fmt.Sprintf("want %d", s)
		}
		return ""
	}
	var vals []int
	acc := 0
	for i, it := range n.items {
		if fails(i) {
			if !matches(i) {
				return fmt.Sprintf("want item %d's error %v", i, it.err)
			}
			return ""
		}
		switch n.kind {
		case "filter":
			if it.v%2 == 1 {
				vals = append(vals, i)
			}
		case "reduce":
			acc += it.v * (i + 1)
		default:
			vals = append(vals, it.v)
		}
	}
	want := sum(vals)
	switch n.kind {
	case "each":
		want = 1
	case "reduce":
		want = acc
	}
	if o.Err != nil || o.Value != want {
		return fmt.Sprintf("want %d", want)
	}
	return ""
}

// testIsCancellation is the rule of SetUnhandledRejectionHandler's
// documentation: a *CancelError is a cancellation whatever its cause
// (even a *PanicError: a cancel caused by a panic elsewhere, say All's
// failing input, is still a cancellation, and the panic is reported where
// it happened); outside one, a *PanicError is not; a multiple error is
// one if each of its errors is.
func testIsCancellation(err error) bool {
	if errors.Is(err, future.ErrStopped) {
		return true
	}
	switch e := err.(type) {
	case nil:
		return false
	case *future.CancelError:
		return true
	case *future.PanicError:
		return false
	case interface{ Unwrap() []error }:
		errs := e.Unwrap()
		for _, x := range errs {
			if !testIsCancellation(x) {
				return false
			}
		}
		return len(errs) > 0
	case interface{ Unwrap() error }:
		return testIsCancellation(e.Unwrap())
	}
	return err == future.ErrCanceled || err == context.Canceled || err == future.ErrStopped
}

// checkUnhandled compares the reports with the nodes: a rejected node
// with no consumer on a loop must be reported; one whose consumer came
// before the rejection must not; the others may be.
func (g *tgraph) checkUnhandled() {
	must := map[error]int{}
	for _, n := range g.nodes {
		if composite[n.kind] {
			// The node's first future is consumed by the test goroutine,
			// off the loop, which may settle it before: it may be
			// reported (documented: only handlers attached on the loop,
			// in the same turn, are sure to count). Its error is one of
			// the inputs' or items', whatever the node ended with.
			errs := map[error]bool{res(n).Err: true}
			for _, in := range n.ins {
				errs[res(in).Err] = true
			}
			for _, it := range n.items {
				errs[it.err] = true
			}
			for err := range errs {
				if err != nil && !testIsCancellation(err) {
					g.known[err] = true
					g.maxRep[err]++
				}
			}
		}
		o := res(n)
		if o.Err == nil || testIsCancellation(o.Err) {
			continue
		}
		g.known[o.Err] = true
		// early: the consumer was attached after the node had settled
		// (or, for Await, maybe so).
		late := true
		for _, e := range n.consumers {
			late = late && e.early
		}
		switch {
		case len(n.consumers) == 0 && n.exec != nil:
			must[o.Err]++
			g.maxRep[o.Err]++
		case late:
			g.maxRep[o.Err]++
		}
	}
	g.repMu.Lock()
	defer g.repMu.Unlock()
	for err, k := range must {
		if g.reports[err] < k {
			g.failf("unhandled rejection %q reported %d times, want %d", err, g.reports[err], k)
		}
	}
	for err, k := range g.reports {
		if g.known[err] && !isSentinel(err) && k > g.maxRep[err] {
			g.failf("unhandled rejection %q reported %d times, at most %d expected", err, k, g.maxRep[err])
			for _, n := range g.nodes {
				if res(n).Err == err {
					g.failf("  node %d (%s), exec %v, %d consumers", n.id, n.kind, n.exec != nil, len(n.consumers))
				}
			}
		}
	}
}

func isSentinel(err error) bool {
	switch err {
	case future.ErrNilFuture, future.ErrChanClosed, future.ErrNoFutures:
		return true
	}
	return false
}

// probeCtx tells when Await first asks for Done, which it does once it
// has attached to the future.
type probeCtx struct {
	context.Context
	once  sync.Once
	asked chan struct{}
}

func (c *probeCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.asked) })
	return c.Context.Done()
}

// composite kinds are made of two futures, the second attached to the
// first by the test goroutine.
var composite = map[string]bool{"map": true, "all": true, "allsettled": true, "mapslice": true, "maplimit": true, "each": true, "filter": true}

// stoppedOn reports whether n belongs to loop B and loop B has stopped.
func (g *tgraph) stoppedOn(n *tn) bool {
	return g.stopped && n.loop == g.loops[1]
}

// quiesce waits until no goroutine of this package's own (Go's, a
// FromChan's that is settling, a WithContext's context watch, a Timeout's
// timer without executor) is running callbacks inline: their propagation
// is invisible to sync otherwise.
func (g *tgraph) quiesce() {
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		buf = buf[:runtime.Stack(buf[:cap(buf)], true)]
		busy := ""
		for _, st := range strings.Split(string(buf), "\n\n") {
			switch {
			case strings.Contains(st, "eddy/future.Go["),
				strings.Contains(st, "WithContext.func"),
				strings.Contains(st, ").expire("),
				strings.Contains(st, "eddy/future.FromChan[") && strings.Contains(st, "(*Promise["):
				busy = st
			}
		}
		if busy == "" {
			return
		}
		if time.Now().After(deadline) {
			g.failf("a goroutine of the package stays busy:\n%s", busy)
			return
		}
		time.Sleep(100 * time.Microsecond)
	}
}
