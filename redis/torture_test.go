package redis_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/soak"
	"github.com/eddy-go/eddy/internal/testenv"
	"github.com/eddy-go/eddy/redis"
)

// The torture test drives one Client hard from many callers at once (the
// blocking facade from goroutines, futures issued on the loop, batches,
// MULTI/EXEC and WATCH transactions, a subscriber) while the test's
// goroutine harms the server at random: CLIENT KILL of the normal and
// the pub/sub clients, CLIENT PAUSE, DEBUG SLEEP, a stop and restart of
// the server on the same port. The server keeps an append-only file, so
// that what it acknowledged survives the restart.
//
// Each caller works on keys of its own and writes values naming itself
// and a sequence number, and keeps a model of what each key may hold: a
// command that failed with an error saying it may have run (a
// *driver.ConnError with Sent, a cancellation, a timeout) widens the
// model, one that succeeded narrows it. The invariants, checked after
// every action and at the end:
//   - every reply is the caller's own (an ECHO returns its token, a GET
//     a value this caller may have written, an INCR a count in range);
//   - every error is typed: ErrConnLost, a cancellation or a timeout,
//     or a LOADING *Error after the restart; never a parse error;
//   - an INCR is never run twice: the counter never passes the number
//     of INCRs that succeeded plus those that may have run, and never
//     falls below the number that succeeded;
//   - no call hangs: each settles before a generous watchdog;
//   - the subscriber never sees a message twice or out of order, and
//     after the chaos it receives messages again;
//   - after Close, no goroutine or descriptor is left (leakcheck).
//
// It runs for about 5 s by default (3 s of chaos split between the
// seeds, then the checks);
// EDDY_TORTURE=60s makes it run longer. A failure prints the seed, and
// EDDY_TORTURE_SEED=n runs that seed alone.
func TestTorture(t *testing.T) {
	if testing.Short() {
		t.Skip("torture test in -short mode")
	}
	leakcheck.Check(t)
	total := soak.Duration(t, 3*time.Second)
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, 5*time.Second)
	srv := testenv.Redis(t, testenv.Args("--appendonly", "yes", "--appendfsync", "no"))
	var actions, restarts int64
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newTorture(t, srv, seed, total/time.Duration(len(seeds)))
			r.run()
			actions += r.actions.Load()
			restarts += int64(r.restarts)
		})
	}
	t.Logf("%d seeds, %v, %d actions, %d restarts", len(seeds), total, actions, restarts)
}

// torture is one seed's run.
type torture struct {
	t        *testing.T
	srv      *testenv.Server
	seed     uint64
	dur      time.Duration
	rng      *rand.Rand // the chaos goroutine's
	cl       *redis.Client
	s        *redis.Sync
	prefix   string
	stop     atomic.Bool
	actions  atomic.Int64
	restarts int
	// gen counts the restarts' edges: odd while the server is down or
	// starting (and loading its data, answering LOADING).
	gen atomic.Int64

	mu         sync.Mutex
	violations []string

	// The subscriber's state, loop-only but read at the end.
	psMu    sync.Mutex
	psLast  int64 // highest sequence number received
	psCount int64
}

func newTorture(t *testing.T, srv *testenv.Server, seed uint64, dur time.Duration) *torture {
	r := &torture{
		t: t, srv: srv, seed: seed, dur: dur,
		rng:    rand.New(rand.NewPCG(seed, 0xC0FFEE)),
		prefix: fmt.Sprintf("t%d:", seed),
	}
	l := looptest.Start(t)
	proto := 2 + int(seed%2)
	cl, err := redis.Dial(l, srv.Addr, redis.Options{
		Protocol:   proto,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	r.cl, r.s = cl, cl.Sync()
	return r
}

// violate records a broken invariant; the run goes on, so that one
// failure does not hide the state that led to it.
func (r *torture) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.violations) < 50 {
		r.violations = append(r.violations, msg)
	}
}

func (r *torture) run() {
	t := r.t
	var wg sync.WaitGroup
	const workers = 6
	ws := make([]*tworker, workers)
	for i := range ws {
		ws[i] = &tworker{
			r: r, id: i,
			rng:  rand.New(rand.NewPCG(r.seed, uint64(i+1))),
			vals: map[string][]string{}, stray: map[string][]string{},
			ctr: fmt.Sprintf("%sw%d:ctr", r.prefix, i),
		}
		for j := range 3 {
			k := fmt.Sprintf("%sw%d:k%d", r.prefix, i, j)
			ws[i].keys = append(ws[i].keys, k)
			ws[i].vals[k] = []string{missing}
		}
		wg.Go(ws[i].loop)
	}
	ps := r.subscribe()
	wg.Go(r.publish)

	// Chaos, on the test's goroutine (Server.Start must run there).
	deadline := time.Now().Add(r.dur)
	maxRestarts := 1 + int(r.dur/(10*time.Second))
	for time.Now().Before(deadline) {
		r.chaos(maxRestarts)
		time.Sleep(time.Duration(10+r.rng.IntN(60)) * time.Millisecond)
	}
	r.srv.Start() // in case a restart was cut short
	r.stop.Store(true)
	wg.Wait()

	// Recovery: the client reconnects by itself, every caller's state
	// is as its model says, and the subscriber hears again.
	c := looptest.Ctx(t, 30*time.Second)
	for _, w := range ws {
		w.final(c)
	}
	r.heard(c)
	ps.Close()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.violations) > 0 {
		t.Errorf("seed %d (replay with EDDY_TORTURE_SEED=%d): %d invariant(s) broken:\n%s",
			r.seed, r.seed, len(r.violations), strings.Join(r.violations, "\n"))
	}
	t.Logf("seed %d: %d actions, %d restarts, %d messages", r.seed, r.actions.Load(), r.restarts, r.psCount)
}

// chaos does one harmful thing to the server.
func (r *torture) chaos(maxRestarts int) {
	switch n := r.rng.IntN(100); {
	case n < 30:
		rawDo(r.srv.Addr, "CLIENT", "KILL", "TYPE", "normal")
	case n < 45:
		rawDo(r.srv.Addr, "CLIENT", "KILL", "TYPE", "pubsub")
	case n < 60:
		rawDo(r.srv.Addr, "CLIENT", "PAUSE", strconv.Itoa(2+r.rng.IntN(20)), "ALL")
	case n < 72:
		rawDo(r.srv.Addr, "DEBUG", "SLEEP", "0.05")
	case n < 75 && r.restarts < maxRestarts:
		r.restarts++
		r.gen.Add(1)
		defer r.gen.Add(1)
		if r.rng.IntN(2) == 0 {
			r.srv.Stop()
		} else {
			r.srv.Kill() // the data is in the kernel's cache: it survives
		}
		time.Sleep(time.Duration(r.rng.IntN(100)) * time.Millisecond)
		r.srv.Start()
	}
}

// restarted reports whether a restart overlapped the time since the
// generation was g.
func (r *torture) restarted(g int64) bool { return g%2 == 1 || r.gen.Load() != g }

// rawDo sends one command on a connection of its own (CLIENT KILL skips
// it) and reads the reply's first line; errors are ignored: the server
// may be down.
func rawDo(addr string, args ...string) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	c.Write(resp.AppendCommand(nil, args...))
	bufio.NewReader(c).ReadString('\n')
}

// subscribe starts the subscriber: messages on the run's channel carry
// increasing sequence numbers, which it must never see twice or out of
// order.
func (r *torture) subscribe() *redis.PubSub {
	ch := r.prefix + "chan"
	ps := r.cl.PubSub(func(m redis.Message) {
		r.psMu.Lock()
		defer r.psMu.Unlock()
		if m.Channel != ch {
			r.violate("subscriber: message on %q, want %q", m.Channel, ch)
			return
		}
		n, err := strconv.ParseInt(m.Payload, 10, 64)
		if err != nil {
			r.violate("subscriber: payload %q", m.Payload)
			return
		}
		if n <= r.psLast {
			r.violate("subscriber: message %d after %d", n, r.psLast)
		}
		r.psLast = max(r.psLast, n)
		r.psCount++
	})
	if _, err := ps.Subscribe(ch).Await(looptest.Ctx(r.t, 15*time.Second)); err != nil {
		r.t.Fatalf("subscribe: %v", err)
	}
	return ps
}

// publishSeq numbers the run's messages.
var publishSeq atomic.Int64

// publish publishes numbered messages until the run stops.
func (r *torture) publish() {
	ch := r.prefix + "chan"
	for !r.stop.Load() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		n := publishSeq.Add(1)
		_, err := r.s.Do(ctx, "PUBLISH", ch, strconv.FormatInt(n, 10))
		cancel()
		r.actions.Add(1)
		if err != nil {
			r.typed("PUBLISH", err, false)
		}
		time.Sleep(time.Millisecond)
	}
}

// heard publishes until the subscriber receives a message published
// after the chaos.
func (r *torture) heard(c context.Context) {
	ch := r.prefix + "chan"
	for {
		n := publishSeq.Add(1)
		r.s.Do(c, "PUBLISH", ch, strconv.FormatInt(n, 10))
		time.Sleep(5 * time.Millisecond)
		r.psMu.Lock()
		got := r.psLast >= n
		r.psMu.Unlock()
		if got {
			return
		}
		if c.Err() != nil {
			r.violate("the subscriber never received a message after the chaos")
			return
		}
	}
}

// typed checks that err is one of the errors a command may fail with
// under this chaos, and reports whether the command may have run. hang
// says whether the context that ended was the watchdog's, not a random
// timeout: then the call hung.
func (r *torture) typed(what string, err error, hang bool) (maybe bool) {
	var ce *driver.ConnError
	var re *redis.Error
	switch {
	case errors.As(err, &ce):
		if !errors.Is(err, redis.ErrConnLost) {
			r.violate("%s: ConnError not matching ErrConnLost: %v", what, err)
		}
		return ce.Sent
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		if hang {
			r.violate("%s: did not settle within the watchdog: %v", what, err)
		}
		return true
	case errors.Is(err, future.ErrCanceled), errors.Is(err, future.ErrTimeout):
		return true
	case errors.As(err, &re) && re.Code == "LOADING":
		return false
	case errors.As(err, &re) && re.Code == "EXECABORT" && strings.HasPrefix(what, "EXEC@"):
		// A queued command refused with LOADING while the restarted
		// server loaded its data: nothing ran.
		return false
	}
	r.violate("%s: unexpected error %T: %v", what, err, err)
	return true
}

// missing stands in the model for a key that does not exist.
const missing = "\x00missing"

// tworker is one caller with keys of its own.
type tworker struct {
	r    *torture
	id   int
	rng  *rand.Rand
	seq  int
	keys []string
	ctr  string
	// vals holds, per key, the values it may hold now.
	vals map[string][]string
	// stray holds, per key, the values of transactions that may have
	// run: a transaction's connection is closed when its Exec is
	// cancelled, and the server may still run the MULTI/EXEC it had
	// buffered, even after later commands on the shared connection (a
	// paused server serves its sockets in any order). They stay
	// possible for good.
	stray map[string][]string
	// The counter: INCRs that succeeded, INCRs that may have run, the
	// last reply.
	incrOK, incrMaybe, lastIncr int64
}

func (w *tworker) next() int { w.seq++; return w.seq }

// value returns a new value naming w and a sequence number, of a random
// size: usually small, sometimes 64 KiB, rarely several MB.
func (w *tworker) value() string {
	n := w.next()
	head := fmt.Sprintf("w%d:s%d:", w.id, n)
	switch x := w.rng.IntN(1000); {
	case x < 3:
		return head + strings.Repeat(string(rune('a'+n%26)), 3<<20+w.rng.IntN(1<<20))
	case x < 40:
		return head + strings.Repeat(string(rune('a'+n%26)), 64<<10)
	default:
		return head + strings.Repeat("x", w.rng.IntN(100))
	}
}

// ctx returns the context of one call: usually only a watchdog, at
// random a short timeout or a cancellation from another goroutine.
// watchdog reports which.
func (w *tworker) ctx() (c context.Context, cancel func(), watchdog bool) {
	switch x := w.rng.IntN(100); {
	case x < 10:
		c, cancel = context.WithTimeout(context.Background(), time.Duration(w.rng.IntN(5000))*time.Microsecond)
		return c, cancel, false
	case x < 15:
		c, stop := context.WithCancel(context.Background())
		t := time.AfterFunc(time.Duration(w.rng.IntN(3000))*time.Microsecond, stop)
		return c, func() { t.Stop(); stop() }, false
	}
	c, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	return c, cancel, true
}

func short(s string) string {
	if len(s) > 40 {
		return fmt.Sprintf("%s...(%d bytes)", s[:40], len(s))
	}
	return s
}

func (w *tworker) loop() {
	for !w.r.stop.Load() {
		w.r.actions.Add(1)
		switch x := w.rng.IntN(100); {
		case x < 20:
			w.set()
		case x < 40:
			w.get()
		case x < 55:
			w.incr()
		case x < 62:
			w.echo()
		case x < 74:
			w.batch()
		case x < 80:
			w.multi()
		case x < 84:
			w.watch()
		default:
			w.onLoop()
		}
	}
}

// Model updates.

func (w *tworker) setDone(k, v string, err error, maybe bool) {
	switch {
	case err == nil:
		w.vals[k] = []string{v}
	case maybe:
		w.vals[k] = append(w.vals[k], v)
	}
}

func (w *tworker) checkGet(what, k, got string, err error) {
	if errors.Is(err, redis.Nil) {
		got, err = missing, nil
	}
	if err != nil {
		return
	}
	if !slices.Contains(w.vals[k], got) && !slices.Contains(w.stray[k], got) {
		var want []string
		for _, v := range w.vals[k] {
			want = append(want, short(v))
		}
		w.r.violate("worker %d: %s %s = %q, want one of %q", w.id, what, k, short(got), want)
	}
	w.vals[k] = []string{got}
}

func (w *tworker) incrDone(what string, n int64, err error, maybe bool) {
	switch {
	case err == nil:
		w.incrOK++
		if n <= w.lastIncr || n < w.incrOK || n > w.incrOK+w.incrMaybe {
			w.r.violate("worker %d: %s = %d after %d; %d succeeded, %d may have run",
				w.id, what, n, w.lastIncr, w.incrOK, w.incrMaybe)
		}
		w.lastIncr = n
	case maybe:
		w.incrMaybe++
	}
}

func (w *tworker) key() string { return w.keys[w.rng.IntN(len(w.keys))] }

// Actions.

func (w *tworker) set() {
	k, v := w.key(), w.value()
	c, cancel, wd := w.ctx()
	defer cancel()
	_, err := w.r.s.Set(c, k, v, redis.SetOptions{})
	maybe := err != nil && w.r.typed("SET", err, wd)
	w.setDone(k, v, err, maybe)
}

func (w *tworker) get() {
	k := w.key()
	c, cancel, wd := w.ctx()
	defer cancel()
	v, err := w.r.s.Get(c, k)
	if err != nil && !errors.Is(err, redis.Nil) {
		w.r.typed("GET", err, wd)
	}
	w.checkGet("GET", k, v, err)
}

func (w *tworker) incr() {
	c, cancel, wd := w.ctx()
	defer cancel()
	n, err := w.r.s.Incr(c, w.ctr)
	maybe := err != nil && w.r.typed("INCR", err, wd)
	w.incrDone("INCR", n, err, maybe)
}

func (w *tworker) echo() {
	tok := fmt.Sprintf("w%d:e%d", w.id, w.next())
	c, cancel, wd := w.ctx()
	defer cancel()
	v, err := w.r.s.Do(c, "ECHO", tok)
	if err != nil {
		w.r.typed("ECHO", err, wd)
		return
	}
	if s, _ := v.Str(); s != tok {
		w.r.violate("worker %d: ECHO %s = %v", w.id, tok, v)
	}
}

// batch sends SET, GET, INCR and ECHO in one Batch.
func (w *tworker) batch() {
	k, v := w.key(), w.value()
	tok := fmt.Sprintf("w%d:e%d", w.id, w.next())
	var b redis.Batch
	b.Do("SET", k, v)
	b.Do("GET", k)
	b.Do("INCR", w.ctr)
	b.Do("ECHO", tok)
	c, cancel, wd := w.ctx()
	defer cancel()
	res, err := w.r.s.Exec(c, &b)
	if err != nil {
		w.r.typed("Batch", err, wd)
		w.setDone(k, v, err, true)
		w.incrDone("batch INCR", 0, err, true)
		return
	}
	if len(res) != 4 {
		w.r.violate("worker %d: batch gave %d results", w.id, len(res))
		return
	}
	err = res[0].Err
	w.setDone(k, v, err, err != nil && w.r.typed("batch SET", err, false))
	if err = res[1].Err; err != nil && !errors.Is(err, resp.ErrNil) {
		w.r.typed("batch GET", err, false)
	} else {
		got, _ := res[1].Value.Str()
		if err == nil && res[1].Value.IsNull() {
			err = redis.Nil
		}
		w.checkGet("batch GET", k, got, err)
	}
	err = res[2].Err
	var n int64
	if err == nil {
		n, _ = res[2].Value.Int()
	}
	w.incrDone("batch INCR", n, err, err != nil && w.r.typed("batch INCR", err, false))
	if err = res[3].Err; err != nil {
		w.r.typed("batch ECHO", err, false)
	} else if s, _ := res[3].Value.Str(); s != tok {
		w.r.violate("worker %d: batch ECHO %s = %v", w.id, tok, res[3].Value)
	}
}

// multi runs SET, INCR and GET in MULTI/EXEC.
func (w *tworker) multi() {
	k, v := w.key(), w.value()
	tx := w.r.cl.Multi()
	tx.Queue("SET", k, v)
	tx.Queue("INCR", w.ctr)
	tx.Queue("GET", k)
	c, cancel, wd := w.ctx()
	defer cancel()
	g := w.r.gen.Load()
	res, err := tx.Exec().Await(c)
	if err != nil {
		what := "EXEC"
		if w.r.restarted(g) {
			what = "EXEC@restart"
		}
		maybe := w.r.typed(what, err, wd)
		if maybe {
			w.stray[k] = append(w.stray[k], v)
		}
		w.incrDone("EXEC INCR", 0, err, maybe)
		return
	}
	w.txResult("EXEC", k, v, res)
}

func (w *tworker) txResult(what, k, v string, res []resp.Value) {
	if len(res) != 3 {
		w.r.violate("worker %d: %s gave %d replies", w.id, what, len(res))
		return
	}
	w.setDone(k, v, nil, false)
	n, err := res[1].Int()
	if err != nil {
		w.r.violate("worker %d: %s INCR reply %v", w.id, what, res[1])
	}
	w.incrDone(what+" INCR", n, nil, false)
	if s, _ := res[2].Str(); s != v {
		w.r.violate("worker %d: %s GET %s = %q, want %q", w.id, what, k, short(s), short(v))
	}
}

// watch runs WATCH k, GET k, then MULTI SET INCR GET EXEC: only this
// worker writes k, so the transaction must never abort.
func (w *tworker) watch() {
	k, v := w.key(), w.value()
	c, cancel, wd := w.ctx()
	defer cancel()
	g := w.r.gen.Load()
	tx, err := w.r.cl.Watch(k).Await(c)
	if err != nil {
		w.r.typed("WATCH", err, wd)
		return
	}
	defer tx.Discard()
	got, err := tx.Do("GET", k).Await(c)
	if err != nil {
		w.r.typed("tx GET", err, wd)
		return
	}
	s, _ := got.Str()
	if got.IsNull() {
		s = missing
	}
	w.checkGet("tx GET", k, s, nil)
	tx.Queue("SET", k, v)
	tx.Queue("INCR", w.ctr)
	tx.Queue("GET", k)
	res, err := tx.Exec().Await(c)
	if errors.Is(err, redis.ErrTxAborted) && w.r.restarted(g) {
		return // the restarted server loaded k again, which touches it
	}
	if errors.Is(err, redis.ErrTxAborted) {
		w.r.violate("worker %d: WATCH %s aborted, but only it writes the key", w.id, k)
		return
	}
	if err != nil {
		what := "watched EXEC"
		if w.r.restarted(g) {
			what = "EXEC@restart"
		}
		maybe := w.r.typed(what, err, wd)
		if maybe {
			w.stray[k] = append(w.stray[k], v)
		}
		w.incrDone("watched EXEC INCR", 0, err, maybe)
		return
	}
	w.txResult("watched EXEC", k, v, res)
}

// onLoop issues SET, GET, INCR and ECHO as futures from a loop callback
// (one loop turn: one write), cancelling one of them at random, and
// checks that each settles exactly once.
func (w *tworker) onLoop() {
	k, v := w.key(), w.value()
	tok := fmt.Sprintf("w%d:e%d", w.id, w.next())
	cancelAt := w.rng.IntN(8) // 0..3: cancel that future at once
	type res struct {
		v   resp.Value
		s   string
		n   int64
		err error
	}
	var out [4]res
	var settled [4]atomic.Int32
	done := make(chan struct{})
	left := 4
	note := func(i int, r res) {
		if settled[i].Add(1) != 1 {
			w.r.violate("worker %d: future %d settled twice", w.id, i)
			return
		}
		out[i] = r
		if left--; left == 0 {
			close(done)
		}
	}
	post := w.r.cl.Loop().Post(func() {
		f0 := w.r.cl.Set(k, v, redis.SetOptions{})
		f1 := w.r.cl.Get(k)
		f2 := w.r.cl.Incr(w.ctr)
		f3 := w.r.cl.Do("ECHO", tok)
		f0.OnSettle(func(_ bool, err error) { note(0, res{err: err}) })
		f1.OnSettle(func(s string, err error) { note(1, res{s: s, err: err}) })
		f2.OnSettle(func(n int64, err error) { note(2, res{n: n, err: err}) })
		f3.OnSettle(func(v resp.Value, err error) { note(3, res{v: v, err: err}) })
		switch cancelAt {
		case 0:
			f0.Cancel(errors.New("torture"))
		case 1:
			f1.Cancel(errors.New("torture"))
		case 2:
			f2.Cancel(errors.New("torture"))
		case 3:
			f3.Cancel(errors.New("torture"))
		}
	})
	if post != nil {
		w.r.violate("worker %d: Post: %v", w.id, post)
		return
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		w.r.violate("worker %d: futures issued on the loop never settled", w.id)
		w.r.stop.Store(true)
		return
	}
	err := out[0].err
	w.setDone(k, v, err, err != nil && w.r.typed("loop SET", err, false))
	if err = out[1].err; err != nil && !errors.Is(err, redis.Nil) {
		w.r.typed("loop GET", err, false)
	}
	w.checkGet("loop GET", k, out[1].s, err)
	err = out[2].err
	w.incrDone("loop INCR", out[2].n, err, err != nil && w.r.typed("loop INCR", err, false))
	if err = out[3].err; err != nil {
		w.r.typed("loop ECHO", err, false)
	} else if s, _ := out[3].v.Str(); s != tok {
		w.r.violate("worker %d: loop ECHO %s = %v", w.id, tok, out[3].v)
	}
}

// final checks, once the chaos is over, that the client works again and
// that the server holds what the model allows.
func (w *tworker) final(c context.Context) {
	var n int64
	var err error
	for {
		n, err = w.r.s.IncrBy(c, w.ctr, 0)
		if err == nil || c.Err() != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		w.r.violate("worker %d: the client did not recover: %v", w.id, err)
		return
	}
	if n < w.incrOK || n > w.incrOK+w.incrMaybe {
		w.r.violate("worker %d: counter %d at the end; %d INCRs succeeded, %d may have run",
			w.id, n, w.incrOK, w.incrMaybe)
	}
	for _, k := range w.keys {
		v, err := w.r.s.Get(c, k)
		if err != nil && !errors.Is(err, redis.Nil) {
			w.r.violate("worker %d: final GET %s: %v", w.id, k, err)
			continue
		}
		w.checkGet("final GET", k, v, err)
	}
}
