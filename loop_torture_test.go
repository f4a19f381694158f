//go:build unix

package eddy_test

// A seeded, randomized torture test of the loop's own facilities: timers,
// idle and next-tick callbacks, Post, the worker pool, Ref/Unref and the
// loop's exit, exit callbacks, Stop, signal handlers, child processes and
// a Group, checked against a model kept on each loop.
//
// Invariants, checked as it runs and at the end:
//   - a timer fires only while the model has it pending (never after Stop
//     or a one-shot's firing), never before its deadline on the loop's
//     clock (Loop.Now right after AfterFunc, Every or Reset, plus d), and
//     never while a pending timer with an earlier deadline, or the same
//     deadline and an earlier start, has yet to fire; Stop, Reset and
//     Pending agree with the model;
//   - an idle callback runs only while active, at most once a turn, and
//     every turn while it stays active (turns are counted by an idle
//     started first, which the others follow);
//   - next-tick callbacks run exactly once, in the order queued;
//   - a function posted from any goroutine runs exactly once, in that
//     goroutine's order, if and only if Post returned nil;
//   - work runs and its done runs once, on the loop, with its result (a
//     panic as an error matching ErrPanic); pending work keeps the loop
//     alive;
//   - a loop not stopped ends by itself only when nothing referenced is
//     left in the model (no premature exit), and does end then; exit
//     callbacks run once each, in order; afterwards Post fails with
//     ErrLoopClosed and Stats shows no handles;
//   - a signal sent to the process while a handler is active reaches that
//     handler (at least once), and no handler runs after its Stop;
//   - a child process's OnExit runs exactly once, with the status its
//     command gives (or SIGKILL when it was killed first);
//   - a Group runs what was posted to each loop exactly once and in
//     order, and shuts down gracefully;
//   - no panic reaches a panic handler except those the test causes, and
//     no goroutine or descriptor is left (leakcheck).
//
// Unix only: it sends itself SIGUSR1 and SIGUSR2 and kills its children
// with kill(2).
//
// By default it runs three fixed seeds for about 0.6 s each. Set
// EDDY_TORTURE to a duration (EDDY_TORTURE=60s) to run more seeds, of
// 2 s each, for that long, and EDDY_TORTURE_SEED to replay one seed.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
)

func TestLoopTorture(t *testing.T) {
	total := soak.Duration(t, 0)
	if testing.Short() && total == 0 {
		t.Skip("torture test skipped in -short mode")
	}
	active := 600 * time.Millisecond
	if total > 0 {
		active = 2 * time.Second
	}
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, active+500*time.Millisecond)
	start := time.Now()
	var actions int64
	n := 0
	for _, seed := range seeds {
		n++
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			actions += loopTortureOnce(t, seed, active)
		})
		if !ok {
			t.Logf("replay with EDDY_TORTURE_SEED=%d", seed)
			break
		}
	}
	t.Logf("%d seeds, %v, %d actions, poller %q", n, time.Since(start).Round(time.Millisecond), actions, os.Getenv("EDDY_POLLER"))
}

// ltBoom is the value of the panics the test causes on purpose.
type ltBoom struct{}

// ltIgnore handles a rejection the test expects (a cancelled Submit, a
// loop closed under it).
func ltIgnore(error) (int, error) { return 0, nil }

var errLTWork = errors.New("torture: work failed on purpose")

// ltRun is one seed's run.
type ltRun struct {
	t       *testing.T
	seed    uint64
	actions atomic.Int64
	failed  atomic.Int32
}

func (r *ltRun) fail(format string, args ...any) {
	if r.failed.Add(1) > 20 {
		return // enough to go on
	}
	r.t.Errorf("seed %d: "+format, append([]any{r.seed}, args...)...)
}

// How a loop ends.
const (
	ltEndAlone    = iota // everything is released and the loop ends by itself
	ltEndStopGo          // a goroutine calls Stop at a random moment
	ltEndStopLoop        // a callback calls Stop at a random moment
)

// ltLoop is one loop and its model. Everything but the atomics is
// loop-only.
type ltLoop struct {
	r     *ltRun
	idx   int
	l     *eddy.Loop
	rng   *rand.Rand
	end   int
	t0    time.Time // loop time when it started
	dur   time.Duration
	stop  atomic.Bool // Stop was (about to be) called
	quiet atomic.Bool // the posters are to stop: the loop is to end by itself

	driverRef bool
	ending    bool
	driver    *eddy.Timer

	timers  []*ltTimer
	exact   ltHeap // pending timers whose deadline the model knows exactly
	armSeq  uint64
	nextTID int

	counter *eddy.Idle // counts turns; the first idle while any is active
	turn    int
	idles   []*ltIdle

	ticksQueued, ticksRan uint64

	posters  int
	postNext []uint64 // per posting goroutine, the next sequence number
	accepted []atomic.Uint64
	ran      []atomic.Uint64

	workOut                   int
	submitSent, submitSettled int

	refs int // explicit Refs held

	exits, exitsRan int

	sigs []*ltSig

	procs []*ltProc

	panicsMeant, panicsSeen atomic.Int64
}

type ltTimer struct {
	id       int
	t        *eddy.Timer
	period   time.Duration
	armed    bool
	deadline time.Time // exact, or a lower bound once a repeating timer has fired
	exact    bool
	armSeq   uint64
	gen      int
	unref    bool
}

type ltEntry struct {
	tm       *ltTimer
	gen      int
	deadline time.Time
	seq      uint64
}

// ltHeap is a min-heap of timer entries by (deadline, seq); entries of
// timers stopped or re-armed since are skipped lazily.
type ltHeap []ltEntry

func (h ltHeap) lessAt(i, j int) bool {
	if !h[i].deadline.Equal(h[j].deadline) {
		return h[i].deadline.Before(h[j].deadline)
	}
	return h[i].seq < h[j].seq
}

func (h *ltHeap) push(e ltEntry) {
	*h = append(*h, e)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s.lessAt(i, p) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *ltHeap) pop() {
	s := *h
	n := len(s) - 1
	s[0] = s[n]
	s[n] = ltEntry{}
	s = s[:n]
	for i := 0; ; {
		m := i
		for _, c := range []int{2*i + 1, 2*i + 2} {
			if c < n && s.lessAt(c, m) {
				m = c
			}
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
}

func (e ltEntry) valid() bool { return e.tm.armed && e.tm.exact && e.tm.gen == e.gen }

// top returns the earliest valid entry.
func (h *ltHeap) top() (ltEntry, bool) {
	for len(*h) > 0 {
		if e := (*h)[0]; e.valid() {
			return e, true
		}
		h.pop()
	}
	return ltEntry{}, false
}

type ltIdle struct {
	i       *eddy.Idle
	active  bool
	start   int // the turn count when it was last started
	lastRun int
	unref   bool
}

type ltSig struct {
	s           *eddy.Signal
	sig         syscall.Signal
	active      bool
	outstanding bool // sent while active, not seen yet
	unref       bool
}

type ltProc struct {
	p      *eddy.Process
	kind   int // 0 true, 1 exit code, 2 sleep
	code   int
	killed bool
	exits  int
	unref  bool
}

func loopTortureOnce(t *testing.T, seed uint64, active time.Duration) int64 {
	leakcheck.Check(t)
	r := &ltRun{t: t, seed: seed}
	rng := rand.New(rand.NewPCG(seed, 0x10))
	nloops := 2
	loops := make([]*ltLoop, nloops)
	for i := range loops {
		m := &ltLoop{r: r, idx: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), end: rng.IntN(3), dur: active, posters: 3}
		m.postNext = make([]uint64, m.posters)
		m.accepted = make([]atomic.Uint64, m.posters)
		m.ran = make([]atomic.Uint64, m.posters)
		l, err := eddy.New(eddy.WithWorkers(1+rng.IntN(3)), eddy.WithPanicHandler(func(v any, stack []byte) {
			if _, ok := v.(ltBoom); ok {
				m.panicsSeen.Add(1)
				return
			}
			r.fail("loop %d: panic reached the handler: %v\n%s", i, v, stack)
		}))
		if err != nil {
			t.Fatal(err)
		}
		m.l = l
		loops[i] = m
		m.setup()
	}

	var wg sync.WaitGroup
	runDone := make([]chan struct{}, nloops)
	for i, m := range loops {
		runDone[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(runDone[i])
			if err := m.l.Run(); err != nil {
				r.fail("loop %d: Run: %v", i, err)
			}
		}()
		// Posting goroutines.
		for g := 0; g < m.posters; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.poster(g, rand.New(rand.NewPCG(seed, uint64(100+10*i+g))))
			}()
		}
		if m.end == ltEndStopGo {
			wg.Add(1)
			d := time.Duration(rng.Int64N(int64(active)))
			go func() {
				defer wg.Done()
				select {
				case <-time.After(d):
					m.stop.Store(true)
					m.l.Stop()
				case <-runDone[i]:
				}
			}()
		}
	}

	groupActions := ltGroup(r, rand.New(rand.NewPCG(seed, 0x20)), active)

	// Watchdog: a loop that does not end is a failure (with its stats),
	// not a hang.
	for i, m := range loops {
		select {
		case <-runDone[i]:
		case <-time.After(active + 20*time.Second):
			r.fail("loop %d (end mode %d) did not end: %+v", i, m.end, m.l.Stats())
			dump := make(chan string, 1)
			if m.l.Post(func() { dump <- m.describe() }) == nil {
				select {
				case s := <-dump:
					r.fail("loop %d model: %s", i, s)
				case <-time.After(2 * time.Second):
					r.fail("loop %d does not run posted functions", i)
				}
			}
			m.stop.Store(true)
			m.l.Stop()
			<-runDone[i]
		}
	}
	wg.Wait()

	for i, m := range loops {
		m.check(i)
	}
	return r.actions.Load() + groupActions
}

// setup runs before Run, on the test goroutine (which may use a loop
// before Run).
func (m *ltLoop) setup() {
	l := m.l
	m.t0 = l.Now()
	m.exits = 1 + m.rng.IntN(3)
	for k := range m.exits {
		l.OnExit(func() {
			if m.exitsRan != k {
				m.r.fail("loop %d: exit callback %d ran after %d", m.idx, k, m.exitsRan)
			}
			m.exitsRan++
			if k == 0 && !m.stop.Load() {
				m.checkNothingReferenced()
			}
		})
	}
	l.Ref()
	m.driverRef = true
	m.driver = l.AfterFunc(0, m.step)
}

// checkNothingReferenced fails if the model still holds something that
// keeps the loop alive: the loop has ended early.
func (m *ltLoop) checkNothingReferenced() {
	var what []string
	if m.driverRef || m.refs > 0 {
		what = append(what, fmt.Sprintf("%d Refs", m.refs+btoi(m.driverRef)))
	}
	for _, tm := range m.timers {
		if tm.armed && !tm.unref {
			what = append(what, fmt.Sprintf("timer %d", tm.id))
		}
	}
	for _, i := range m.idles {
		if i.active && !i.unref {
			what = append(what, "an idle")
		}
	}
	for _, s := range m.sigs {
		if s.active && !s.unref {
			what = append(what, "a signal handler")
		}
	}
	for _, p := range m.procs {
		if p.exits == 0 && !p.unref {
			what = append(what, fmt.Sprintf("process %d", p.p.Pid()))
		}
	}
	if m.workOut > 0 {
		what = append(what, fmt.Sprintf("%d pending work", m.workOut))
	}
	if len(what) > 0 {
		m.r.fail("loop %d ended by itself while referenced: %v", m.idx, what)
	}
}

// describe summarizes the model, for a loop that does not end.
func (m *ltLoop) describe() string {
	armed, refd := 0, 0
	for _, tm := range m.timers {
		if tm.armed {
			armed++
			if !tm.unref {
				refd++
			}
		}
	}
	running := 0
	for _, p := range m.procs {
		if p.exits == 0 {
			running++
		}
	}
	outstanding := 0
	for _, s := range m.sigs {
		if s.active && s.outstanding {
			outstanding++
		}
	}
	return fmt.Sprintf("ending %v, driver ref %v, refs %d, timers pending %d (%d ref'd), processes running %d, signal handlers %d (%d awaiting a signal), work %d, submits %d/%d",
		m.ending, m.driverRef, m.refs, armed, refd, running, len(m.sigs), outstanding, m.workOut, m.submitSettled, m.submitSent)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// check runs after Run has returned.
func (m *ltLoop) check(i int) {
	r := m.r
	if m.exitsRan != m.exits {
		r.fail("loop %d: %d of %d exit callbacks ran", i, m.exitsRan, m.exits)
	}
	if m.ticksRan != m.ticksQueued {
		r.fail("loop %d: %d of %d ticks ran", i, m.ticksRan, m.ticksQueued)
	}
	for g := range m.posters {
		if a, n := m.accepted[g].Load(), m.ran[g].Load(); a != n {
			r.fail("loop %d: poster %d: %d posts accepted, %d ran", i, g, a, n)
		}
	}
	if err := m.l.Post(func() { r.fail("loop %d: post ran after Run returned", i) }); !errors.Is(err, eddy.ErrLoopClosed) {
		r.fail("loop %d: Post after Run: %v, want ErrLoopClosed", i, err)
	}
	if !m.stop.Load() && m.workOut != 0 {
		r.fail("loop %d: %d work results never came", i, m.workOut)
	}
	if !m.stop.Load() && m.submitSettled != m.submitSent {
		r.fail("loop %d: %d of %d Submit futures settled", i, m.submitSettled, m.submitSent)
	}
	if meant, seen := m.panicsMeant.Load(), m.panicsSeen.Load(); meant != seen {
		r.fail("loop %d: %d panics caused, %d reported", i, meant, seen)
	}
	st := m.l.Stats()
	if st.Timers != 0 || st.Idles != 0 || st.Signals != 0 || st.Refs != 0 || st.Conns != 0 || st.Posted != 0 {
		r.fail("loop %d: stats after Run: %+v", i, st)
	}
	if st.Panics != uint64(m.panicsSeen.Load()) {
		r.fail("loop %d: Stats.Panics %d, handler saw %d", i, st.Panics, m.panicsSeen.Load())
	}
	// Children a stopped loop left running: kill them, so that the
	// goroutines reaping them end.
	for _, p := range m.procs {
		if p.exits == 0 {
			_ = syscall.Kill(p.p.Pid(), syscall.SIGKILL)
		}
	}
}

// poster posts numbered functions to the loop until it closes.
func (m *ltLoop) poster(g int, rng *rand.Rand) {
	var seq uint64
	closed := false
	for !closed && !m.quiet.Load() {
		// A bounded backlog: posts are cheap, and posters left to run
		// free would bury the loop.
		for m.accepted[g].Load()-m.ran[g].Load() > 64 && !m.quiet.Load() {
			time.Sleep(100 * time.Microsecond)
		}
		n := 1 + rng.IntN(20)
		for range n {
			s := seq
			act := rng.IntN(8) == 0
			err := m.l.Post(func() {
				m.r.actions.Add(1)
				if !m.l.OnLoop() {
					m.r.fail("loop %d: posted function not on the loop", m.idx)
				}
				if m.postNext[g] != s {
					m.r.fail("loop %d: poster %d: ran %d, want %d", m.idx, g, s, m.postNext[g])
				}
				m.postNext[g] = s + 1
				m.ran[g].Add(1)
				if act && !m.tornDown() {
					m.act(m.rng.IntN(100))
				}
			})
			if err != nil {
				if !errors.Is(err, eddy.ErrLoopClosed) {
					m.r.fail("loop %d: Post: %v", m.idx, err)
				}
				closed = true
				break
			}
			m.accepted[g].Add(1)
			seq++
		}
		if rng.IntN(4) == 0 {
			time.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond)
		} else {
			runtime.Gosched()
		}
	}
	if !closed {
		return
	}
	// Once closed, it stays closed.
	if err := m.l.Post(func() {}); !errors.Is(err, eddy.ErrLoopClosed) {
		m.r.fail("loop %d: Post after ErrLoopClosed: %v", m.idx, err)
	}
}

// step is the driver: a few random actions, then again soon, until the
// seed's time is up.
func (m *ltLoop) step() {
	if m.ending {
		return
	}
	if m.l.Now().Sub(m.t0) >= m.dur {
		m.beginEnd()
		return
	}
	var d time.Duration
	switch m.rng.IntN(4) {
	case 0:
	case 1, 2:
		d = time.Duration(m.rng.IntN(300)) * time.Microsecond
	default:
		d = time.Duration(m.rng.IntN(3)) * time.Millisecond
	}
	// Re-armed first: an action may panic (on purpose).
	m.driver.Reset(d)
	for range 1 + m.rng.IntN(6) {
		m.act(m.rng.IntN(100))
	}
}

// act does one random thing on the loop. Loop-only.
func (m *ltLoop) act(k int) {
	if m.ending || m.tornDown() {
		return
	}
	m.r.actions.Add(1)
	l := m.l
	switch {
	case k < 30:
		m.timerAction()
	case k < 40:
		m.idleAction()
	case k < 48:
		m.tick(m.rng.IntN(3))
	case k < 58:
		m.workAction()
	case k < 64:
		if m.rng.IntN(2) == 0 || m.refs == 0 {
			l.Ref()
			m.refs++
		} else {
			l.Unref()
			m.refs--
		}
	case k < 72:
		m.signalAction()
	case k < 77:
		m.procAction()
	case k < 82:
		// Post from the loop itself.
		if err := l.Post(func() { m.act(m.rng.IntN(100)) }); err != nil {
			m.r.fail("loop %d: Post on the loop: %v", m.idx, err)
		}
	case k < 84:
		// A burst of long timers, to keep thousands pending.
		for range 200 + m.rng.IntN(800) {
			m.startTimer(time.Duration(1+m.rng.IntN(30))*time.Second, 0)
		}
	case k < 86:
		// Stop many pending timers at once.
		for _, tm := range m.timers {
			if tm.armed && m.rng.IntN(2) == 0 {
				m.stopTimer(tm)
			}
		}
		m.compact()
	case k < 88:
		if m.end == ltEndStopLoop && m.rng.IntN(40) == 0 {
			m.stop.Store(true)
			l.Stop()
		}
	case k < 90:
		m.panicNow()
	default:
		m.timerAction()
	}
}

// tornDown reports whether the loop has begun to tear down (or has
// closed): what it runs then (functions posted just before, ticks) finds
// its timers, idles and signal handlers dropped, so the model no longer
// applies. Opening a handle is refused then, and Signal checks that
// before its argument.
func (m *ltLoop) tornDown() bool {
	_, err := m.l.Signal(nil, nil)
	return errors.Is(err, eddy.ErrLoopStopped) || errors.Is(err, eddy.ErrLoopClosed)
}

func (m *ltLoop) panicNow() {
	m.panicsMeant.Add(1)
	panic(ltBoom{})
}

// compact forgets timers that are neither pending nor likely to be
// used again, so that the model stays small.
func (m *ltLoop) compact() {
	if len(m.timers) < 4000 {
		return
	}
	keep := m.timers[:0]
	for _, tm := range m.timers {
		if tm.armed || m.rng.IntN(8) == 0 {
			keep = append(keep, tm)
		}
	}
	clear(m.timers[len(keep):])
	m.timers = keep
}

// --- timers ---

func (m *ltLoop) randDur() time.Duration {
	switch m.rng.IntN(6) {
	case 0:
		if m.rng.IntN(10) == 0 {
			return math.MaxInt64 - time.Duration(m.rng.IntN(2)) // "never"
		}
		return 0
	case 1:
		return -time.Millisecond
	case 2:
		return time.Duration(m.rng.IntN(100)) * time.Microsecond
	case 3, 4:
		return time.Duration(m.rng.IntN(3000)) * time.Microsecond
	default:
		return time.Duration(m.rng.IntN(50)) * time.Millisecond
	}
}

func (m *ltLoop) pickTimer() *ltTimer {
	if len(m.timers) == 0 {
		return nil
	}
	// Mostly recent timers, which are more often pending and short.
	n := len(m.timers)
	if m.rng.IntN(2) == 0 && n > 16 {
		return m.timers[n-1-m.rng.IntN(16)]
	}
	return m.timers[m.rng.IntN(n)]
}

// arm records in the model that tm was started now with d.
func (m *ltLoop) arm(tm *ltTimer, d time.Duration) {
	if d < 0 {
		d = 0
	}
	tm.armed = true
	tm.exact = true
	tm.deadline = m.l.Now().Add(d)
	m.armSeq++
	tm.armSeq = m.armSeq
	tm.gen++
	m.exact.push(ltEntry{tm: tm, gen: tm.gen, deadline: tm.deadline, seq: tm.armSeq})
	if !tm.t.Pending() {
		m.r.fail("loop %d: timer %d not pending after start", m.idx, tm.id)
	}
}

func (m *ltLoop) startTimer(d, period time.Duration) *ltTimer {
	m.nextTID++
	tm := &ltTimer{id: m.nextTID}
	if period > 0 {
		if d <= 0 {
			d = time.Millisecond
		}
		tm.period = d
		tm.t = m.l.Every(d, func() { m.fired(tm) })
	} else {
		tm.t = m.l.AfterFunc(d, func() { m.fired(tm) })
	}
	m.arm(tm, d)
	if m.rng.IntN(8) == 0 {
		tm.t.Unref()
		tm.unref = true
	}
	m.timers = append(m.timers, tm)
	return tm
}

func (m *ltLoop) stopTimer(tm *ltTimer) {
	was := tm.t.Stop()
	if was != tm.armed {
		m.r.fail("loop %d: timer %d: Stop reported %v, model pending %v", m.idx, tm.id, was, tm.armed)
	}
	tm.armed = false
	if tm.t.Pending() {
		m.r.fail("loop %d: timer %d pending after Stop", m.idx, tm.id)
	}
}

func (m *ltLoop) resetTimer(tm *ltTimer, d time.Duration) {
	was := tm.t.Reset(d)
	if was != tm.armed {
		m.r.fail("loop %d: timer %d: Reset reported %v, model pending %v", m.idx, tm.id, was, tm.armed)
	}
	if tm.period > 0 {
		if d <= 0 {
			d = time.Millisecond
		}
		tm.period = d
	}
	m.arm(tm, d)
}

func (m *ltLoop) timerAction() {
	switch k := m.rng.IntN(10); {
	case k < 4 || len(m.timers) == 0:
		period := time.Duration(0)
		if m.rng.IntN(5) == 0 {
			period = 1
		}
		m.startTimer(m.randDur(), period)
	case k < 6:
		if tm := m.pickTimer(); tm != nil {
			m.stopTimer(tm)
		}
	case k < 9:
		if tm := m.pickTimer(); tm != nil {
			m.resetTimer(tm, m.randDur())
		}
	default:
		if tm := m.pickTimer(); tm != nil {
			if tm.t.Pending() != tm.armed {
				m.r.fail("loop %d: timer %d: Pending %v, model %v", m.idx, tm.id, tm.t.Pending(), tm.armed)
			}
			if m.rng.IntN(2) == 0 {
				tm.t.Unref()
				tm.unref = true
			} else {
				tm.t.Ref()
				tm.unref = false
			}
		}
	}
}

// fired checks a timer's firing against the model, then maybe does
// something to itself or to others.
func (m *ltLoop) fired(tm *ltTimer) {
	m.r.actions.Add(1)
	now := m.l.Now()
	if !tm.armed {
		m.r.fail("loop %d: timer %d fired while not pending (stopped or already fired)", m.idx, tm.id)
	}
	if now.Before(tm.deadline) {
		m.r.fail("loop %d: timer %d fired %v early", m.idx, tm.id, tm.deadline.Sub(now))
	}
	if e, ok := m.exact.top(); ok {
		if tm.exact && e.tm != tm {
			m.r.fail("loop %d: timer %d (deadline +%v, seq %d) fired before timer %d (deadline +%v, seq %d)",
				m.idx, tm.id, tm.deadline.Sub(m.t0), tm.armSeq, e.tm.id, e.deadline.Sub(m.t0), e.seq)
		}
		if !tm.exact && e.deadline.Before(tm.deadline) {
			m.r.fail("loop %d: repeating timer %d (deadline at least +%v) fired before timer %d (deadline +%v)",
				m.idx, tm.id, tm.deadline.Sub(m.t0), e.tm.id, e.deadline.Sub(m.t0))
		}
	}
	if tm.period == 0 {
		tm.armed = false
	} else {
		// The next deadline is at least a period on (later if the turn
		// ran late); the model knows only that bound now.
		tm.deadline = tm.deadline.Add(tm.period)
		tm.exact = false
		tm.gen++
	}
	if tm.t.Pending() != tm.armed {
		m.r.fail("loop %d: timer %d: Pending %v in its callback, model %v", m.idx, tm.id, tm.t.Pending(), tm.armed)
	}
	if m.ending {
		if tm.armed && m.rng.IntN(2) == 0 {
			m.stopTimer(tm)
		}
		return
	}
	switch m.rng.IntN(14) {
	case 0:
		m.stopTimer(tm) // from its own callback
	case 1:
		m.resetTimer(tm, m.randDur()) // from its own callback
	case 2:
		if o := m.pickTimer(); o != nil {
			m.stopTimer(o) // another timer, from a timer's callback
		}
	case 3:
		if o := m.pickTimer(); o != nil {
			m.resetTimer(o, m.randDur())
		}
	case 4:
		m.act(m.rng.IntN(100))
	case 5:
		if m.rng.IntN(4) == 0 {
			m.panicNow()
		}
	}
}

// --- idles and ticks ---

func (m *ltLoop) startCounter() {
	if m.counter != nil && m.counter.Active() {
		return
	}
	for _, i := range m.idles {
		if i.active {
			m.r.fail("loop %d: model idle active while the counter is not", m.idx)
		}
	}
	if m.counter == nil {
		m.counter = m.l.Idle(m.countTurn)
	} else {
		m.counter.Start()
	}
	m.counter.Unref()
}

// countTurn runs first among the idles, once a turn: an idle started
// before the previous turn's count and still active must have run since.
func (m *ltLoop) countTurn() {
	m.turn++
	c := m.turn
	for _, i := range m.idles {
		if i.active && i.start <= c-2 && i.lastRun != c-1 {
			m.r.fail("loop %d: idle active since turn %d did not run in turn %d (last ran in %d)", m.idx, i.start, c-1, i.lastRun)
		}
	}
}

func (m *ltLoop) stopAllIdles() {
	for _, i := range m.idles {
		i.i.Stop()
		i.active = false
	}
	m.idles = m.idles[:0]
	if m.counter != nil {
		m.counter.Stop()
	}
}

func (m *ltLoop) idleAction() {
	switch k := m.rng.IntN(10); {
	case k < 3:
		if len(m.idles) >= 12 {
			return
		}
		m.startCounter()
		mi := &ltIdle{active: true, start: m.turn, lastRun: -1}
		mi.i = m.l.Idle(func() { m.idleRan(mi) })
		if m.rng.IntN(3) == 0 {
			mi.i.Unref()
			mi.unref = true
		}
		m.idles = append(m.idles, mi)
	case k < 5:
		if len(m.idles) > 0 {
			mi := m.idles[m.rng.IntN(len(m.idles))]
			mi.i.Stop()
			mi.active = false
		}
	case k < 7:
		if len(m.idles) > 0 && m.counter.Active() {
			mi := m.idles[m.rng.IntN(len(m.idles))]
			if !mi.active {
				mi.active = true
				mi.start = m.turn
			}
			mi.i.Start()
		}
	case k < 8:
		if len(m.idles) > 0 {
			mi := m.idles[m.rng.IntN(len(m.idles))]
			if mi.unref {
				mi.i.Ref()
			} else {
				mi.i.Unref()
			}
			mi.unref = !mi.unref
		}
	default:
		// A quiet phase: the loop sleeps again.
		m.stopAllIdles()
	}
	for _, mi := range m.idles {
		if mi.i.Active() != mi.active {
			m.r.fail("loop %d: idle Active %v, model %v", m.idx, mi.i.Active(), mi.active)
		}
	}
}

func (m *ltLoop) idleRan(mi *ltIdle) {
	m.r.actions.Add(1)
	if !mi.active {
		m.r.fail("loop %d: idle ran while stopped", m.idx)
	}
	if mi.lastRun == m.turn {
		m.r.fail("loop %d: idle ran twice in turn %d", m.idx, m.turn)
	}
	mi.lastRun = m.turn
	if m.ending {
		return
	}
	if m.rng.IntN(10) == 0 {
		m.act(m.rng.IntN(100))
	}
	k := m.rng.IntN(30)
	if len(m.idles) == 0 {
		return // an action above stopped them all
	}
	switch k {
	case 0, 1:
		mi.i.Stop() // from its own callback
		mi.active = false
	case 2, 3, 4, 5:
		// Another idle, perhaps one still to run this turn.
		o := m.idles[m.rng.IntN(len(m.idles))]
		o.i.Stop()
		o.active = false
	case 6, 7:
		// Stop and start again another one: it runs this turn only if
		// it had not run yet.
		o := m.idles[m.rng.IntN(len(m.idles))]
		o.i.Stop()
		o.i.Start()
		if !o.active {
			o.active = true
			o.start = m.turn
		}
	case 8:
		m.stopAllIdles()
	}
}

// tick queues a next-tick callback that checks its order, and may queue
// more from inside.
func (m *ltLoop) tick(depth int) {
	m.ticksQueued++
	n := m.ticksQueued
	m.l.NextTick(func() {
		m.ticksRan++
		if m.ticksRan != n {
			m.r.fail("loop %d: tick %d ran as number %d", m.idx, n, m.ticksRan)
		}
		if depth > 0 && !m.tornDown() {
			m.tick(depth - 1)
		}
		if !m.ending && m.rng.IntN(30) == 0 && !m.tornDown() {
			m.panicNow()
		}
	})
}

// --- work ---

func (m *ltLoop) workAction() {
	if m.workOut+m.submitSent-m.submitSettled > 64 {
		return
	}
	n := 1 + m.rng.IntN(6) // often more than the pool's workers
	for range n {
		kind := m.rng.IntN(6)
		want := m.rng.IntN(1 << 20)
		sleep := time.Duration(m.rng.IntN(500)) * time.Microsecond
		if m.rng.IntN(3) == 0 {
			// Submit, and sometimes cancel: the result is dropped, but
			// the work still ends and releases the loop.
			f := eddy.Submit(m.l, func() (int, error) { time.Sleep(sleep); return want, nil })
			m.submitSent++
			cancelled := m.rng.IntN(2) == 0
			f.Finally(func() {
				m.submitSettled++
				if !m.l.OnLoop() {
					m.r.fail("loop %d: Submit's future settled off the loop", m.idx)
				}
			}).Catch(ltIgnore)
			if cancelled {
				if !f.Cancel(errors.New("torture: cancelled")) {
					m.r.fail("loop %d: Cancel of a fresh Submit failed", m.idx)
				}
			} else {
				future.Then(f, func(v int) (int, error) {
					if v != want {
						m.r.fail("loop %d: Submit gave %d, want %d", m.idx, v, want)
					}
					return v, nil
				}).Catch(ltIgnore)
			}
			continue
		}
		m.workOut++
		ran := false
		eddy.Work(m.l, func() (int, error) {
			if sleep > 0 {
				time.Sleep(sleep)
			}
			switch kind {
			case 0:
				panic(fmt.Errorf("torture work %d: %w", want, errLTWork))
			case 1:
				return 0, errLTWork
			}
			return want, nil
		}, func(v int, err error) {
			m.r.actions.Add(1)
			if ran {
				m.r.fail("loop %d: work done ran twice", m.idx)
			}
			ran = true
			m.workOut--
			if !m.l.OnLoop() {
				m.r.fail("loop %d: work done not on the loop", m.idx)
			}
			switch kind {
			case 0:
				var pe *eddy.PanicError
				if !errors.Is(err, eddy.ErrPanic) || !errors.As(err, &pe) || !errors.Is(err, errLTWork) {
					m.r.fail("loop %d: work panic gave %v", m.idx, err)
				}
			case 1:
				if !errors.Is(err, errLTWork) {
					m.r.fail("loop %d: work error gave %v", m.idx, err)
				}
			default:
				if err != nil || v != want {
					m.r.fail("loop %d: work gave %d, %v; want %d", m.idx, v, err, want)
				}
			}
			if !m.ending && m.rng.IntN(8) == 0 {
				m.act(m.rng.IntN(100))
			}
		})
	}
}

// --- signals ---

func (m *ltLoop) signalAction() {
	switch k := m.rng.IntN(10); {
	case k < 3:
		if len(m.sigs) >= 6 {
			return
		}
		sig := syscall.SIGUSR1
		if m.rng.IntN(2) == 0 {
			sig = syscall.SIGUSR2
		}
		ms := &ltSig{sig: sig, active: true}
		s, err := m.l.Signal(sig, func(got os.Signal) {
			m.r.actions.Add(1)
			if !ms.active {
				m.r.fail("loop %d: %v handler ran after Stop", m.idx, sig)
			}
			if got != sig {
				m.r.fail("loop %d: %v handler got %v", m.idx, sig, got)
			}
			ms.outstanding = false
			if !m.ending && m.rng.IntN(6) == 0 {
				ms.s.Stop() // from its own callback
				ms.active = false
			}
		})
		if err != nil {
			m.r.fail("loop %d: Signal: %v", m.idx, err)
			return
		}
		ms.s = s
		if m.rng.IntN(4) == 0 {
			s.Unref()
			ms.unref = true
		}
		m.sigs = append(m.sigs, ms)
	case k < 5:
		if len(m.sigs) > 0 {
			i := m.rng.IntN(len(m.sigs))
			m.sigs[i].s.Stop()
			m.sigs[i].active = false
			m.sigs = append(m.sigs[:i], m.sigs[i+1:]...)
		}
	default:
		// Send a signal that a handler of this loop watches (so that it
		// is caught, never the process's default action).
		if len(m.sigs) == 0 {
			return
		}
		sig := m.sigs[m.rng.IntN(len(m.sigs))].sig
		for _, s := range m.sigs {
			if s.sig == sig {
				s.outstanding = true
			}
		}
		if err := syscall.Kill(os.Getpid(), sig); err != nil {
			m.r.fail("kill: %v", err)
		}
	}
}

// --- processes ---

func (m *ltLoop) running() int {
	n := 0
	for _, p := range m.procs {
		if p.exits == 0 {
			n++
		}
	}
	return n
}

func (m *ltLoop) procAction() {
	if m.rng.IntN(3) == 0 {
		// Kill one at a random moment.
		if len(m.procs) == 0 {
			return
		}
		p := m.procs[m.rng.IntN(len(m.procs))]
		m.kill(p)
		return
	}
	if m.running() >= 3 {
		return
	}
	mp := &ltProc{kind: m.rng.IntN(3)}
	var o eddy.ProcessOptions
	switch mp.kind {
	case 0:
		o.Path = "true"
	case 1:
		mp.code = 1 + m.rng.IntN(100)
		o.Path, o.Args = "sh", []string{"sh", "-c", fmt.Sprintf("exit %d", mp.code)}
	default:
		o.Path, o.Args = "sleep", []string{"sleep", "30"}
	}
	o.OnExit = func(p *eddy.Process, st eddy.ExitStatus) {
		m.r.actions.Add(1)
		mp.exits++
		if mp.exits > 1 {
			m.r.fail("loop %d: process %d: OnExit ran %d times", m.idx, p.Pid(), mp.exits)
		}
		killed := mp.killed && st.Signal == syscall.SIGKILL && st.Code == -1
		switch mp.kind {
		case 0:
			if !st.Success() && !killed {
				m.r.fail("loop %d: true: %v", m.idx, st)
			}
		case 1:
			if st.Code != mp.code && !killed {
				m.r.fail("loop %d: exit %d: %v", m.idx, mp.code, st)
			}
		default:
			if !killed {
				m.r.fail("loop %d: sleep (killed %v): %v", m.idx, mp.killed, st)
			}
		}
		if err := p.Kill(); !errors.Is(err, eddy.ErrProcessDone) {
			m.r.fail("loop %d: Kill after exit: %v", m.idx, err)
		}
	}
	p, err := m.l.Spawn(o)
	if err != nil {
		m.r.fail("loop %d: Spawn %s: %v", m.idx, o.Path, err)
		return
	}
	mp.p = p
	if m.rng.IntN(5) == 0 {
		p.Unref()
		mp.unref = true
	}
	m.procs = append(m.procs, mp)
	if m.rng.IntN(4) == 0 {
		m.kill(mp) // at once
	}
}

func (m *ltLoop) kill(p *ltProc) {
	err := p.p.Kill()
	if p.exits > 0 {
		if !errors.Is(err, eddy.ErrProcessDone) {
			m.r.fail("loop %d: Kill of a reaped process: %v", m.idx, err)
		}
		return
	}
	if err != nil {
		m.r.fail("loop %d: Kill: %v", m.idx, err)
	}
	p.killed = true
}

// --- the end ---

// beginEnd releases what the model holds, at random, in several steps,
// so that a loop left to end by itself does so; a loop to be stopped is
// just left running with its handles.
func (m *ltLoop) beginEnd() {
	m.ending = true
	if m.end == ltEndStopLoop && !m.stop.Load() {
		m.stop.Store(true)
		m.l.Stop()
		return
	}
	if m.end != ltEndAlone {
		return // the goroutine stops it
	}
	m.quiet.Store(true)
	m.stopAllIdles()
	for _, p := range m.procs {
		if p.exits == 0 && p.kind == 2 {
			m.kill(p)
		}
	}
	for m.refs > 0 {
		m.l.Unref()
		m.refs--
	}
	for _, tm := range m.timers {
		if !tm.armed {
			continue
		}
		// A one-shot timer due soon may stay; the others would hold the
		// loop too long.
		soon := tm.period == 0 && tm.deadline.Sub(m.l.Now()) < 5*time.Millisecond
		switch {
		case !soon || m.rng.IntN(2) == 0:
			if m.rng.IntN(3) == 0 {
				tm.t.Unref() // left pending, but unref'd: it must not hold the loop
				tm.unref = true
			} else {
				m.stopTimer(tm)
			}
		}
	}
	// Signals: wait until every signal sent to an active handler has
	// come, then remove the handlers.
	var wait func()
	deadline := time.Now().Add(10 * time.Second)
	wait = func() {
		for _, s := range m.sigs {
			if s.active && s.outstanding {
				if time.Now().After(deadline) {
					m.r.fail("loop %d: %v sent to an active handler never came", m.idx, s.sig)
				} else {
					m.l.AfterFunc(time.Millisecond, wait)
					return
				}
			}
		}
		for _, s := range m.sigs {
			s.s.Stop()
			s.active = false
		}
		m.sigs = nil
		m.l.Unref()
		m.driverRef = false
	}
	wait()
}

// --- group ---

// ltGroup posts numbered functions to each loop of a group from several
// goroutines, then shuts it down gracefully at a random moment.
func ltGroup(r *ltRun, rng *rand.Rand, active time.Duration) int64 {
	var panics atomic.Int64
	g, err := eddy.NewGroup(eddy.WithLoops(2), eddy.WithLoopOptions(eddy.WithPanicHandler(func(v any, stack []byte) {
		r.fail("group: panic reached the handler: %v\n%s", v, stack)
		panics.Add(1)
	})))
	if err != nil {
		r.fail("NewGroup: %v", err)
		return 0
	}
	loops := g.Loops()
	hooks := make([]atomic.Int32, len(loops))
	for i, l := range loops {
		l.OnShutdown(func() { hooks[i].Add(1) })
	}
	g.Start()
	const posters = 2
	type track struct {
		next     uint64 // loop-only
		accepted atomic.Uint64
		ran      atomic.Uint64
	}
	tr := make([][posters]track, len(loops))
	var actions atomic.Int64
	var wg sync.WaitGroup
	for li, l := range loops {
		for p := range posters {
			wg.Add(1)
			prng := rand.New(rand.NewPCG(rng.Uint64(), uint64(li*posters+p)))
			go func() {
				defer wg.Done()
				k := &tr[li][p]
				for seq := uint64(0); ; seq++ {
					timer := prng.IntN(10) == 0
					d := time.Duration(prng.IntN(2000)) * time.Microsecond
					err := l.Post(func() {
						actions.Add(1)
						if k.next != seq {
							r.fail("group loop %d poster %d: ran %d, want %d", li, p, seq, k.next)
						}
						k.next = seq + 1
						k.ran.Add(1)
						if timer {
							l.AfterFunc(d, func() { actions.Add(1) })
						}
					})
					if err != nil {
						if !errors.Is(err, eddy.ErrLoopClosed) {
							r.fail("group Post: %v", err)
						}
						return
					}
					k.accepted.Add(1)
					if prng.IntN(8) == 0 {
						time.Sleep(time.Duration(prng.IntN(300)) * time.Microsecond)
					}
				}
			}()
		}
	}
	time.Sleep(time.Duration(rng.Int64N(int64(active))))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if err := g.Shutdown(ctx); err != nil {
		r.fail("group Shutdown: %v", err)
	}
	cancel()
	wg.Wait()
	for li := range loops {
		if n := hooks[li].Load(); n != 1 {
			r.fail("group loop %d: shutdown hook ran %d times", li, n)
		}
		for p := range posters {
			k := &tr[li][p]
			if a, n := k.accepted.Load(), k.ran.Load(); a != n {
				r.fail("group loop %d poster %d: %d accepted, %d ran", li, p, a, n)
			}
		}
	}
	return actions.Load()
}
