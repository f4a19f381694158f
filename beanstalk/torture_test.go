package beanstalk_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/beanstalk"
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/looptest"
	"github.com/eddy-go/eddy/internal/soak"
	"github.com/eddy-go/eddy/internal/testenv"
)

// The torture test drives a real beanstalkd (with a binlog, so that jobs
// survive a restart) from many producers and consumers at once while the
// test's goroutine harms the connections at random. Producers put jobs
// through the blocking facade and as futures issued on the loop, into
// random tubes, with random priorities, delays, TTRs and sizes up to the
// server's maximum and just past it. Consumers are Workers and raw
// reservers (reserve, reserve-with-timeout, reserve-job, delete, release,
// bury, touch, kick), one of them pipelining touch, reserve and release
// as futures in one loop turn. The chaos cuts client connections (through
// a TCP proxy in front of the server, since beanstalkd has no CLIENT
// KILL), delays the server's replies in the proxy, pauses tubes, and
// stops or kills and restarts the server; callers cancel their calls at
// random with short context timeouts.
//
// Each body names its producer and a sequence number, so that a job seen
// anywhere can be matched with its put. The invariants, checked as jobs
// are seen and at the end:
//   - every call settles exactly once with its own reply or a typed error
//     (never a protocol error or an untyped one), within a watchdog;
//   - a job seen has exactly the body put, and the id its put returned; no
//     put runs twice (one body, one id) and no put that failed for sure
//     created a job;
//   - a job whose delete was acknowledged never comes back; a job is
//     reserved by two consumers at once, or again after a Worker handled
//     it successfully, only if the first reservation's connection dropped
//     since or the job's TTR ran out (stats-job's timeouts), which is
//     counted;
//   - no job is lost: at the end, every job whose put returned an id was
//     deleted (or may have been) or is still in the server, in the tube
//     the producer used;
//   - after the chaos, producers and workers work again by themselves,
//     and after Close nothing leaks (leakcheck).
//
// It runs for about 5 s by default (3 s of chaos split between the seeds,
// then the checks); EDDY_TORTURE=60s makes it run longer. A failure prints
// the seed, and EDDY_TORTURE_SEED=n runs that seed alone.
func TestTorture(t *testing.T) {
	if testing.Short() {
		t.Skip("torture test in -short mode")
	}
	leakcheck.Check(t)
	total := soak.Duration(t, 3*time.Second)
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, 5*time.Second)
	srv := testenv.Beanstalkd(t, testenv.MaxJobSize(tortureServerMax), testenv.Args("-b", t.TempDir()))
	var actions, restarts, cuts, again int64
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := newTorture(t, srv, seed, total/time.Duration(len(seeds)))
			r.run()
			actions += r.actions.Load()
			restarts += int64(r.restarts)
			cuts += int64(r.cuts)
			again += r.againExplained.Load()
		})
	}
	t.Logf("%d seeds, %v, %d actions, %d restarts, %d cuts, %d double reservations explained",
		len(seeds), total, actions, restarts, cuts, again)
}

// tortureMaxJob is the clients' MaxJobSize: bodies go up to it and one
// byte past, which the encoder refuses. The server's -z is two bytes
// more, tortureServerMax: beanstalkd 1.12 stores a body's size in its
// binlog with the CRLF counted, and on restart refuses to load a job
// within two bytes of -z ("job N is too big"), losing every record after
// it. A client with a larger MaxJobSize puts bodies past
// tortureServerMax, which the server refuses with JOB_TOO_BIG.
const (
	tortureMaxJob    = 16 << 10
	tortureServerMax = tortureMaxJob + 2
)

// jobKey names a job by its body: producer and sequence number.
type jobKey struct{ p, s int }

// jobRec is what the model knows of one put.
type jobRec struct {
	size   int
	tubes  []string // the tubes the put may have gone to
	acked  bool     // the put returned id
	id     uint64
	maybe  bool   // the put may have run (no reply)
	failed bool   // the put surely did not run
	seenID uint64 // the id it was seen with
	// deleted: a delete was acknowledged; gone says a delete may have
	// run (no reply) or a Worker run succeeded (then the worker deletes).
	deleted, gone bool
	holds         []*hold
	completed     bool // a Worker run succeeded
	found         bool // in the server at the end
	putGen        int64
}

// torture is one seed's run.
type torture struct {
	t     *testing.T
	srv   *testenv.Server
	px    *proxy
	seed  uint64
	dur   time.Duration
	rng   *rand.Rand // the chaos goroutine's
	loop  *eddy.Loop
	tubes []string
	admin *beanstalk.Sync // straight to the server, for chaos and checks

	stop     atomic.Bool
	actions  atomic.Int64
	restarts int
	cuts     int
	// gen counts the restarts' edges: odd while the server is down.
	gen            atomic.Int64
	againExplained atomic.Int64 // double reservations explained by a TTR or a drop
	sightings      atomic.Int64 // jobs reserved
	resightings    atomic.Int64 // jobs reserved again (released, lost, kicked)

	mu         sync.Mutex
	jobs       map[jobKey]*jobRec
	ids        []uint64 // acked ids, for reserve-job
	violations []string
}

func newTorture(t *testing.T, srv *testenv.Server, seed uint64, dur time.Duration) *torture {
	r := &torture{
		t: t, srv: srv, seed: seed, dur: dur,
		rng:  rand.New(rand.NewPCG(seed, 0xBEA5)),
		jobs: map[jobKey]*jobRec{},
	}
	for i := range 3 {
		r.tubes = append(r.tubes, fmt.Sprintf("t%d-%d", seed, i))
	}
	r.px = newProxy(t, srv.Addr)
	r.loop = looptest.Start(t)
	c, err := beanstalk.Dial(r.loop, srv.Addr, fastOpts(beanstalk.Options{MaxJobSize: tortureMaxJob}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	r.admin = c.Sync()
	return r
}

func (r *torture) violate(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.violateLocked(msg)
}

func (r *torture) violateLocked(msg string) {
	if len(r.violations) < 50 {
		r.violations = append(r.violations, msg)
	}
}

// dial returns a client through the proxy.
func (r *torture) dial(o beanstalk.Options) *beanstalk.Client {
	o.MinBackoff, o.MaxBackoff = 5*time.Millisecond, 50*time.Millisecond
	if o.MaxJobSize == 0 {
		o.MaxJobSize = tortureMaxJob
	}
	c, err := beanstalk.Dial(r.loop, r.px.Addr(), o)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(c.Close)
	return c
}

func (r *torture) run() {
	t := r.t
	var wg sync.WaitGroup
	var producers []*tproducer
	// Producers with a connection each, which change tubes; two sharing
	// one connection; one issuing futures on the loop; one allowed bodies
	// past the server's limit, which the server refuses.
	shared := r.dial(beanstalk.Options{Tube: r.tubes[0]})
	for i := range 6 {
		p := &tproducer{r: r, id: i, rng: rand.New(rand.NewPCG(r.seed, uint64(100+i)))}
		switch i {
		case 0, 1:
			p.c, p.tubes, p.fixed = shared, []string{r.tubes[0]}, true
		case 2:
			p.c, p.tubes, p.fixed = r.dial(beanstalk.Options{Tube: r.tubes[1]}), []string{r.tubes[1]}, true
			p.onLoop = true
		case 3:
			p.c, p.tubes, p.fixed = r.dial(beanstalk.Options{Tube: r.tubes[2], MaxJobSize: 2 * tortureMaxJob}), []string{r.tubes[2]}, true
			p.big = true
		default:
			p.c, p.tubes = r.dial(beanstalk.Options{Tube: r.tubes[0]}), []string{r.tubes[0]}
		}
		producers = append(producers, p)
		wg.Go(p.loop)
	}
	var consumers []*tconsumer
	for i := range 2 {
		cs := &tconsumer{r: r, id: i, rng: rand.New(rand.NewPCG(r.seed, uint64(200+i)))}
		cs.c = r.dial(beanstalk.Options{Watch: r.tubes, OnState: func(st driver.State, _ error) {
			if st != driver.StateReady {
				cs.gen.Add(1)
			}
		}})
		consumers = append(consumers, cs)
		wg.Go(cs.loop)
	}
	// A pipelining consumer on the futures API.
	pc := &tconsumer{r: r, id: 2, rng: rand.New(rand.NewPCG(r.seed, 202))}
	pc.c = r.dial(beanstalk.Options{Watch: r.tubes, OnState: func(st driver.State, _ error) {
		if st != driver.StateReady {
			pc.gen.Add(1)
		}
		pc.up.Store(st == driver.StateReady)
	}})
	consumers = append(consumers, pc)
	wg.Go(pc.pipeline)
	var workers []*tworker
	for i := range 2 {
		workers = append(workers, r.startWorker(i))
	}

	// Chaos, on the test's goroutine (Server.Start must run there).
	deadline := time.Now().Add(r.dur)
	maxRestarts := 1 + int(r.dur/(10*time.Second))
	for time.Now().Before(deadline) {
		r.chaos(maxRestarts)
		time.Sleep(time.Duration(10+r.rng.IntN(60)) * time.Millisecond)
	}
	r.srv.Start()
	r.stop.Store(true)
	wg.Wait()

	// Recovery: every producer puts again, and the workers handle the
	// jobs put after the chaos.
	c := looptest.Ctx(t, 30*time.Second)
	for _, tube := range r.tubes {
		r.admin.PauseTube(c, tube, 0) // may fail: the final drain retries
	}
	for _, p := range producers {
		p.final(c)
	}
	for _, w := range workers {
		w.final(c)
	}
	for _, w := range workers {
		if _, err := w.w.Stop().Await(c); err != nil {
			r.violate("worker %d: Stop: %v", w.id, err)
		}
	}
	for _, cs := range consumers {
		cs.c.Close()
	}
	for _, p := range producers {
		p.c.Close()
	}
	r.drain(c)
	r.account()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.violations) > 0 {
		t.Errorf("seed %d (replay with EDDY_TORTURE_SEED=%d): %d invariant(s) broken:\n%s",
			r.seed, r.seed, len(r.violations), strings.Join(r.violations, "\n"))
		t.Logf("server log:\n%s", r.srv.Log())
	}
	t.Logf("seed %d: %d actions, %d jobs put, %d reserved (%d again), %d restarts, %d cuts, %d double reservations explained",
		r.seed, r.actions.Load(), len(r.jobs), r.sightings.Load(), r.resightings.Load(), r.restarts, r.cuts, r.againExplained.Load())
}

// chaos does one harmful thing.
func (r *torture) chaos(maxRestarts int) {
	switch n := r.rng.IntN(100); {
	case n < 30:
		r.cuts += r.px.cut(-1, r.rng)
	case n < 50:
		r.cuts += r.px.cut(1, r.rng)
	case n < 55:
		// Replies come late, or on time again.
		r.px.lag.Store(int64(time.Duration(r.rng.IntN(3)) * time.Millisecond))
	case n < 65:
		tube := r.tubes[r.rng.IntN(len(r.tubes))]
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.admin.PauseTube(c, tube, time.Second); err != nil {
			r.typed("chaos pause-tube", err, false)
		}
	case n < 68 && r.restarts < maxRestarts:
		r.restarts++
		r.gen.Add(1)
		defer r.gen.Add(1)
		if r.rng.IntN(2) == 0 {
			r.srv.Stop()
		} else {
			r.srv.Kill() // the binlog is in the kernel's cache: it survives
		}
		time.Sleep(time.Duration(r.rng.IntN(100)) * time.Millisecond)
		r.srv.Start()
	}
}

// typed checks that err is one the chaos allows, and reports whether the
// command may have run. hang says whether the context that ended was the
// watchdog's.
func (r *torture) typed(what string, err error, hang bool) (maybe bool) {
	var ce *driver.ConnError
	var re *bs.ReplyError
	switch {
	case errors.Is(err, beanstalk.ErrProtocol):
		r.violate("%s: protocol error: %v", what, err)
		return true
	case errors.As(err, &ce):
		if !errors.Is(err, beanstalk.ErrConnLost) {
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
	case errors.Is(err, beanstalk.ErrConnLost):
		// A Worker's report of a job that failed after its reservation
		// went with its connection.
		return true
	case errors.Is(err, beanstalk.ErrClosed) && r.stop.Load():
		return false
	case errors.As(err, new(*bs.ArgError)) && errors.Is(err, beanstalk.ErrJobTooBig):
		return false // refused before sending
	case errors.As(err, &re):
		switch {
		case errors.Is(err, beanstalk.ErrNotFound), errors.Is(err, beanstalk.ErrTimedOut),
			errors.Is(err, beanstalk.ErrDeadlineSoon), errors.Is(err, beanstalk.ErrJobTooBig),
			errors.Is(err, beanstalk.ErrNotIgnored):
			return false
		}
	}
	r.violate("%s: unexpected error %T: %v", what, err, err)
	return true
}

// Bodies.

// bodyPattern fills bodies; it holds CR, LF and NUL, which a body may.
const bodyPattern = "abc\r\nxyz\x00-0123456789"

func makeBody(k jobKey, size int) []byte {
	b := fmt.Appendf(nil, "p%d:%d:", k.p, k.s)
	for i := len(b); i < size; i++ {
		b = append(b, bodyPattern[(i+k.s)%len(bodyPattern)])
	}
	return b
}

func parseBody(b []byte) (jobKey, bool) {
	if len(b) < 2 || b[0] != 'p' {
		return jobKey{}, false
	}
	parts := bytes.SplitN(b[1:], []byte(":"), 3)
	if len(parts) != 3 {
		return jobKey{}, false
	}
	p, err1 := strconv.Atoi(string(parts[0]))
	s, err2 := strconv.Atoi(string(parts[1]))
	return jobKey{p, s}, err1 == nil && err2 == nil
}

func short(b []byte) string {
	if len(b) > 40 {
		return fmt.Sprintf("%q...(%d bytes)", b[:40], len(b))
	}
	return fmt.Sprintf("%q", b)
}

// hold is a reservation of a job: who holds it, and the generation of
// its connection (a counter its OnState bumps) when it reserved the job.
// A Worker's successful run keeps its hold (done) for good, since the
// worker deletes the job; other holds end before the job is let go.
type hold struct {
	who  string
	gen  *atomic.Int64
	g    int64
	done bool
}

// valid reports whether the connection that made the reservation is
// still up: a second reservation of the job is then wrong.
func (h *hold) valid() bool { return h.gen.Load() == h.g }

// sight checks a job reserved by who, whose connection generation is gen
// (g when it reserved the job), and records the reservation. It returns the job's key, the hold, and
// whether another reservation of the job (or a successful Worker run)
// is still valid: the caller then looks at the job's TTR timeouts
// (explain), since a TTR that ran out is the other way to lose one.
func (r *torture) sight(who string, gen *atomic.Int64, g int64, id uint64, body []byte) (key jobKey, h *hold, check bool) {
	key, ok := parseBody(body)
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.jobs[key]
	switch {
	case !ok || rec == nil:
		r.violateLocked(fmt.Sprintf("%s: job %d has a body no put had: %s", who, id, short(body)))
		return key, nil, false
	case !bytes.Equal(body, makeBody(key, rec.size)):
		r.violateLocked(fmt.Sprintf("%s: job %d (%v) has body %s, want %s", who, id, key, short(body), short(makeBody(key, rec.size))))
	case rec.failed:
		r.violateLocked(fmt.Sprintf("%s: job %d (%v) exists, but its put failed for sure", who, id, key))
	case rec.acked && rec.id != id:
		r.violateLocked(fmt.Sprintf("%s: job %v has id %d, its put returned %d", who, key, id, rec.id))
	case rec.seenID != 0 && rec.seenID != id:
		r.violateLocked(fmt.Sprintf("%s: job %v seen as %d and as %d: put twice", who, key, rec.seenID, id))
	case rec.deleted:
		r.violateLocked(fmt.Sprintf("%s: job %d (%v) came back after its delete was acknowledged", who, id, key))
	}
	r.sightings.Add(1)
	if rec.seenID != 0 {
		r.resightings.Add(1)
	}
	rec.seenID = id
	for _, o := range rec.holds {
		check = check || o.valid()
	}
	if gen != nil {
		h = &hold{who: who, gen: gen, g: g}
		rec.holds = append(rec.holds, h)
	}
	return key, h, check
}

// unhold ends a reservation that is about to be let go (released,
// buried, deleted, failed).
func (r *torture) unhold(key jobKey, h *hold) {
	if h == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec := r.jobs[key]; rec != nil {
		rec.holds = slices.DeleteFunc(rec.holds, func(o *hold) bool { return o == h })
	}
}

// explain settles a job reserved while another reservation of it (or a
// Worker's successful run) seemed valid: that is allowed if the job's TTR
// ran out meanwhile (stats-job's timeouts).
func (r *torture) explain(who string, id uint64, key jobKey, h *hold, st beanstalk.JobStats, err error) {
	if err != nil {
		// The checking connection went too; the drop may be the
		// other's as well. Counted, not judged.
		r.againExplained.Add(1)
		return
	}
	if st.Timeouts > 0 {
		r.againExplained.Add(1)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.jobs[key]
	for _, o := range rec.holds {
		if o != h && o.valid() {
			what := "holds it"
			if o.done {
				what = "completed it"
			}
			r.violateLocked(fmt.Sprintf("%s: reserved job %d (%v), but %s %s on a connection still up (no TTR timeout)",
				who, id, key, o.who, what))
			return
		}
	}
	r.againExplained.Add(1)
}

// Producers.

type tproducer struct {
	r      *torture
	id     int
	rng    *rand.Rand
	c      *beanstalk.Client
	seq    int
	tubes  []string // the tubes puts may go to now
	fixed  bool     // never changes tube
	onLoop bool     // issues futures on the loop
	big    bool     // its client accepts bodies the server refuses
}

// newJob registers a put about to be made.
func (p *tproducer) newJob() (jobKey, []byte, beanstalk.PutOptions) {
	p.seq++
	k := jobKey{p.id, p.seq}
	head := len(fmt.Sprintf("p%d:%d:", k.p, k.s))
	var size int
	switch x := p.rng.IntN(100); {
	case p.big && x < 50:
		size = tortureServerMax + 1 + p.rng.IntN(tortureMaxJob)
	case p.big:
		size = head + p.rng.IntN(200)
	case x < 3:
		size = tortureMaxJob
	case x < 6:
		size = tortureMaxJob + 1
	case x < 12:
		size = p.rng.IntN(tortureMaxJob)
	default:
		size = head + p.rng.IntN(200)
	}
	size = max(size, head)
	o := beanstalk.PutOptions{Priority: uint32(p.rng.IntN(2000))}
	if p.rng.IntN(10) == 0 {
		o.Delay = time.Duration(1+p.rng.IntN(2)) * time.Second
	}
	switch p.rng.IntN(4) {
	case 0:
		o.TTR = time.Second
	case 1:
		o.TTR = time.Duration(2+p.rng.IntN(5)) * time.Second
	}
	p.r.mu.Lock()
	p.r.jobs[k] = &jobRec{size: size, tubes: append([]string(nil), p.tubes...)}
	p.r.mu.Unlock()
	return k, makeBody(k, size), o
}

// putDone records the end of a put.
func (p *tproducer) putDone(what string, k jobKey, id uint64, err error, hang bool) {
	maybe := false
	if err != nil {
		maybe = p.r.typed(what, err, hang)
	}
	r := p.r
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := r.jobs[k]
	switch {
	case err == nil:
		rec.acked, rec.id = true, id
		rec.putGen = r.gen.Load()
		if rec.size > tortureServerMax {
			r.violateLocked(fmt.Sprintf("%s: a %d-byte body was accepted past the server's %d", what, rec.size, tortureServerMax))
		}
		if rec.seenID != 0 && rec.seenID != id {
			r.violateLocked(fmt.Sprintf("%s: job %v returned id %d, seen as %d", what, k, id, rec.seenID))
		}
		r.ids = append(r.ids, id)
	case maybe:
		rec.maybe = true
	default:
		rec.failed = true
		if rec.seenID != 0 {
			r.violateLocked(fmt.Sprintf("%s: job %v failed (%v) but was seen as %d", what, k, err, rec.seenID))
		}
		var re *bs.ReplyError
		var ae *bs.ArgError
		replied := errors.As(err, &re) || errors.As(err, &ae)
		if replied && errors.Is(err, beanstalk.ErrJobTooBig) != (rec.size > tortureMaxJob) {
			r.violateLocked(fmt.Sprintf("%s: a %d-byte put failed with %v", what, rec.size, err))
		}
	}
}

// ctx returns the context of one call: usually only a watchdog, at
// random a short timeout or a cancellation from another goroutine.
func tctx(rng *rand.Rand) (c context.Context, cancel func(), watchdog bool) {
	switch x := rng.IntN(100); {
	case x < 10:
		c, cancel = context.WithTimeout(context.Background(), time.Duration(rng.IntN(5000))*time.Microsecond)
		return c, cancel, false
	case x < 15:
		c, stop := context.WithCancel(context.Background())
		t := time.AfterFunc(time.Duration(rng.IntN(3000))*time.Microsecond, stop)
		return c, func() { t.Stop(); stop() }, false
	}
	c, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	return c, cancel, true
}

func (p *tproducer) loop() {
	for !p.r.stop.Load() {
		p.r.actions.Add(1)
		switch x := p.rng.IntN(100); {
		case p.onLoop:
			p.loopPuts()
		case x < 8 && !p.fixed:
			p.use()
		case x < 12:
			p.listUsed()
		default:
			p.put()
		}
		// Leave the consumers a chance to keep up.
		time.Sleep(time.Duration(p.rng.IntN(3)) * time.Millisecond)
	}
}

func (p *tproducer) put() {
	k, body, o := p.newJob()
	c, cancel, wd := tctx(p.rng)
	defer cancel()
	id, err := p.c.Sync().Put(c, body, o)
	p.putDone(fmt.Sprintf("producer %d: put %v", p.id, k), k, id, err, wd)
}

func (p *tproducer) use() {
	tube := p.r.tubes[p.rng.IntN(len(p.r.tubes))]
	c, cancel, wd := tctx(p.rng)
	defer cancel()
	got, err := p.c.Sync().Use(c, tube)
	switch {
	case err == nil:
		if got != tube {
			p.r.violate("producer %d: use %s answered %s", p.id, tube, got)
		}
		p.tubes = []string{tube}
	case p.r.typed(fmt.Sprintf("producer %d: use", p.id), err, wd):
		// The client follows the reply it did not get; the server may
		// have switched until the connection dropped.
		p.tubes = append(p.tubes, tube)
	}
}

func (p *tproducer) listUsed() {
	c, cancel, wd := tctx(p.rng)
	defer cancel()
	got, err := p.c.Sync().ListTubeUsed(c)
	if err != nil {
		p.r.typed(fmt.Sprintf("producer %d: list-tube-used", p.id), err, wd)
		return
	}
	if p.fixed && got != p.tubes[0] {
		p.r.violate("producer %d: list-tube-used %s, want %s", p.id, got, p.tubes[0])
	}
	if !p.fixed {
		p.tubes = []string{got} // what the session holds now
	}
}

// loopPuts issues puts (and a list-tube-used) as futures in one loop
// turn, cancels one at random, and checks that each settles once.
func (p *tproducer) loopPuts() {
	n := 1 + p.rng.IntN(4)
	type putArgs struct {
		k    jobKey
		body []byte
		o    beanstalk.PutOptions
	}
	puts := make([]putArgs, n)
	for i := range puts {
		puts[i].k, puts[i].body, puts[i].o = p.newJob()
	}
	cancelAt := p.rng.IntN(2 * n)
	ids := make([]uint64, n)
	errs := make([]error, n+1)
	var used string
	settled := make([]atomic.Int32, n+1)
	left := atomic.Int32{}
	left.Store(int32(n + 1))
	done := make(chan struct{})
	note := func(i int) {
		if settled[i].Add(1) != 1 {
			p.r.violate("producer %d: future %d settled twice", p.id, i)
			return
		}
		if left.Add(-1) == 0 {
			close(done)
		}
	}
	if err := p.c.Loop().Post(func() {
		for i, a := range puts {
			f := p.c.Put(a.body, a.o)
			f.OnSettle(func(id uint64, err error) { ids[i], errs[i] = id, err; note(i) })
			if i == cancelAt {
				f.Cancel(errors.New("torture"))
			}
		}
		p.c.ListTubeUsed().OnSettle(func(s string, err error) { used, errs[n] = s, err; note(n) })
	}); err != nil {
		p.r.violate("producer %d: Post: %v", p.id, err)
		return
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		p.r.violate("producer %d: futures issued on the loop never settled", p.id)
		p.r.stop.Store(true)
		return
	}
	for i, a := range puts {
		p.putDone(fmt.Sprintf("producer %d: loop put %v", p.id, a.k), a.k, ids[i], errs[i], false)
	}
	if err := errs[n]; err != nil {
		p.r.typed(fmt.Sprintf("producer %d: loop list-tube-used", p.id), err, false)
	} else if used != p.tubes[0] {
		p.r.violate("producer %d: loop list-tube-used %s, want %s", p.id, used, p.tubes[0])
	}
}

// final checks that the producer puts again after the chaos.
func (p *tproducer) final(c context.Context) {
	for {
		k, body, o := p.newJob()
		if len(body) > tortureMaxJob {
			p.r.mu.Lock()
			p.r.jobs[k].failed = true
			p.r.mu.Unlock()
			continue
		}
		id, err := p.c.Sync().Put(c, body, o)
		p.putDone(fmt.Sprintf("producer %d: final put %v", p.id, k), k, id, err, false)
		if err == nil {
			return
		}
		if c.Err() != nil {
			p.r.violate("producer %d: did not recover: %v", p.id, err)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Raw consumers.

type tconsumer struct {
	r   *torture
	id  int
	rng *rand.Rand
	c   *beanstalk.Client
	gen atomic.Int64 // counts the connection's states other than ready
	up  atomic.Bool  // the connection is ready (pipeline only)
}

func (cs *tconsumer) what(s string) string { return fmt.Sprintf("consumer %d: %s", cs.id, s) }

func (cs *tconsumer) loop() {
	s := cs.c.Sync()
	for !cs.r.stop.Load() {
		cs.r.actions.Add(1)
		g := cs.gen.Load() // before the reserve: the reservation is valid while it stays
		var j beanstalk.Job
		var err error
		var wd bool
		switch x := cs.rng.IntN(100); {
		case x < 60:
			c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			j, err = s.ReserveWithTimeout(c, time.Duration(cs.rng.IntN(2))*time.Second)
			cancel()
			wd = true
		case x < 80:
			// A deadline: the server is asked to wait no longer.
			c, cancel := context.WithTimeout(context.Background(), time.Duration(1+cs.rng.IntN(500))*time.Millisecond)
			j, err = s.Reserve(c)
			cancel()
		case x < 88:
			// Given up without a deadline: the reserve (plain, or with
			// a timeout) stays on the server, which hands its job to
			// nobody; the client releases it.
			c, cancel := context.WithCancel(context.Background())
			tm := time.AfterFunc(time.Duration(cs.rng.IntN(20))*time.Millisecond, cancel)
			if cs.rng.IntN(2) == 0 {
				j, err = s.Reserve(c)
			} else {
				j, err = s.ReserveWithTimeout(c, time.Second)
			}
			tm.Stop()
			cancel()
		case x < 95:
			cs.r.mu.Lock()
			var id uint64
			if len(cs.r.ids) > 0 {
				id = cs.r.ids[cs.rng.IntN(len(cs.r.ids))]
			}
			cs.r.mu.Unlock()
			if id == 0 {
				continue
			}
			c, cancel, w := tctx(cs.rng)
			j, err = s.ReserveJob(c, id)
			cancel()
			if err == nil && j.ID != id {
				cs.r.violate("%s", cs.what(fmt.Sprintf("reserve-job %d returned job %d", id, j.ID)))
			}
			wd = w
		default:
			cs.kick()
			continue
		}
		if err != nil {
			switch {
			case errors.Is(err, beanstalk.ErrTimedOut):
			case errors.Is(err, context.DeadlineExceeded) && !wd:
			default:
				cs.r.typed(cs.what("reserve"), err, wd)
			}
			if errors.Is(err, beanstalk.ErrDeadlineSoon) {
				time.Sleep(10 * time.Millisecond)
			}
			continue
		}
		cs.handle(j, g)
	}
}

// handle does something with a reserved job.
func (cs *tconsumer) handle(j beanstalk.Job, g int64) {
	s := cs.c.Sync()
	key, h, check := cs.r.sight(cs.what("reserve"), &cs.gen, g, j.ID, j.Body)
	if check {
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		st, err := s.StatsJob(c, j.ID)
		cancel()
		cs.r.explain(cs.what("reserve"), j.ID, key, h, st, err)
	}
	c, cancel, wd := tctx(cs.rng)
	defer cancel()
	var err error
	switch x := cs.rng.IntN(100); {
	case x < 55:
		cs.r.unhold(key, h)
		err = s.Delete(c, j.ID)
		cs.deleted(key, err, wd)
		return
	case x < 70:
		cs.r.unhold(key, h)
		err = s.Release(c, j.ID, uint32(cs.rng.IntN(2000)), time.Duration(cs.rng.IntN(2))*time.Second)
	case x < 80:
		cs.r.unhold(key, h)
		err = s.Bury(c, j.ID, uint32(cs.rng.IntN(2000)))
	case x < 90:
		err = s.Touch(c, j.ID)
		cs.r.unhold(key, h)
		if err == nil {
			err = s.Delete(c, j.ID)
			cs.deleted(key, err, wd)
			return
		}
	default:
		time.Sleep(time.Duration(cs.rng.IntN(20)) * time.Millisecond)
		cs.r.unhold(key, h)
		err = s.Delete(c, j.ID)
		cs.deleted(key, err, wd)
		return
	}
	if err != nil {
		cs.r.typed(cs.what("release/bury/touch"), err, wd)
	}
}

func (cs *tconsumer) deleted(key jobKey, err error, wd bool) {
	maybe := err != nil && cs.r.typed(cs.what("delete"), err, wd)
	cs.r.mu.Lock()
	defer cs.r.mu.Unlock()
	if rec := cs.r.jobs[key]; rec != nil {
		rec.deleted = rec.deleted || err == nil
		rec.gone = rec.gone || maybe
	}
}

// kick kicks buried or delayed jobs of a tube, or one job.
func (cs *tconsumer) kick() {
	s := cs.c.Sync()
	c, cancel, wd := tctx(cs.rng)
	defer cancel()
	if cs.rng.IntN(2) == 0 {
		tube := cs.r.tubes[cs.rng.IntN(len(cs.r.tubes))]
		if _, err := s.Use(c, tube); err != nil {
			cs.r.typed(cs.what("use"), err, wd)
			return
		}
		if _, err := s.Kick(c, 1+cs.rng.IntN(10)); err != nil {
			cs.r.typed(cs.what("kick"), err, wd)
		}
		return
	}
	cs.r.mu.Lock()
	var id uint64
	if len(cs.r.ids) > 0 {
		id = cs.r.ids[cs.rng.IntN(len(cs.r.ids))]
	}
	cs.r.mu.Unlock()
	if id == 0 {
		return
	}
	if err := s.KickJob(c, id); err != nil {
		cs.r.typed(cs.what("kick-job"), err, wd)
	}
}

// pipeline reserves the next job and lets go of the one it holds in the
// same loop turn, behind a touch of the held job: touch, reserve, then
// release, bury or delete, pipelined on one connection.
func (cs *tconsumer) pipeline() {
	r := cs.r
	var held *beanstalk.Job
	var key jobKey
	var h *hold
	for !r.stop.Load() {
		r.actions.Add(1)
		act := cs.rng.IntN(3)
		pri := uint32(cs.rng.IntN(2000))
		if held != nil {
			r.unhold(key, h)
		}
		type result struct {
			job        beanstalk.Job
			jerr, lerr error
			g          int64 // the connection that answered the reserve
		}
		res := make(chan result, 1)
		var touched atomic.Int32
		ok := cs.c.Loop().Post(func() {
			var out result
			left := 1
			done := func() {
				if left--; left == 0 {
					res <- out
				}
			}
			if held != nil {
				left += 2
				cs.c.Touch(held.ID).OnSettle(func(_ struct{}, err error) {
					touched.Add(1)
					if err != nil {
						r.typed(cs.what("pipelined touch"), err, false)
					}
					done()
				})
			}
			cs.c.ReserveWithTimeout(0).OnSettle(func(j beanstalk.Job, err error) {
				// On the loop, right after the reply: the connection that
				// gave it is the current one if it is up (a new one takes
				// more loop turns to set up than this callback).
				out.job, out.jerr, out.g = j, err, cs.gen.Load()
				if !cs.up.Load() {
					out.g = -1
				}
				done()
			})
			if held != nil {
				var f *future.Future[struct{}]
				switch act {
				case 0:
					f = cs.c.Release(held.ID, pri, 0)
				case 1:
					f = cs.c.Bury(held.ID, pri)
				default:
					f = cs.c.Delete(held.ID)
				}
				f.OnSettle(func(_ struct{}, err error) { out.lerr = err; done() })
			}
		}) == nil
		if !ok {
			r.violate("%s", cs.what("Post failed"))
			return
		}
		var out result
		select {
		case out = <-res:
		case <-time.After(30 * time.Second):
			r.violate("%s", cs.what("pipelined futures never settled"))
			r.stop.Store(true)
			return
		}
		// The server ran the reserve before the release, bury or delete:
		// after a drop, both may have gone to the next connection, where
		// the reserve can get the held job again.
		oldKey := key
		var newKey jobKey
		var newHold *hold
		if out.jerr == nil {
			var check bool
			newKey, newHold, check = r.sight(cs.what("pipelined reserve"), &cs.gen, out.g, out.job.ID, out.job.Body)
			if check {
				c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				st, err := cs.c.Sync().StatsJob(c, out.job.ID)
				cancel()
				r.explain(cs.what("pipelined reserve"), out.job.ID, newKey, newHold, st, err)
			}
		} else if !errors.Is(out.jerr, beanstalk.ErrTimedOut) {
			r.typed(cs.what("pipelined reserve"), out.jerr, false)
		}
		if held != nil {
			if act == 2 {
				cs.deleted(oldKey, out.lerr, false)
			} else if out.lerr != nil {
				r.typed(cs.what("pipelined release/bury"), out.lerr, false)
			}
			if touched.Load() != 1 {
				r.violate("%s", cs.what("touch settled more than once"))
			}
		}
		held = nil
		if out.jerr != nil {
			time.Sleep(time.Duration(cs.rng.IntN(3)) * time.Millisecond)
			continue
		}
		j := out.job
		held, key, h = &j, newKey, newHold
	}
	if held != nil {
		r.unhold(key, h)
		c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := cs.c.Sync().Delete(c, held.ID)
		cs.deleted(key, err, true)
	}
}

// Workers.

type tworker struct {
	r   *torture
	id  int
	rng *rand.Rand // loop-only
	w   *beanstalk.Worker
	gen atomic.Int64 // counts the connection's states other than ready
	up  atomic.Bool  // the connection is ready
}

// ownTube is the tube only worker i watches, for its final job.
func (r *torture) ownTube(i int) string { return fmt.Sprintf("t%d-w%d", r.seed, i) }

func (r *torture) startWorker(i int) *tworker {
	tw := &tworker{r: r, id: i, rng: rand.New(rand.NewPCG(r.seed, uint64(300+i)))}
	w, err := beanstalk.NewWorker(r.loop, r.px.Addr(), tw.handle, beanstalk.WorkerOptions{
		Options: beanstalk.Options{
			Watch: append([]string{r.ownTube(i)}, r.tubes...), MaxJobSize: tortureMaxJob,
			MinBackoff: 5 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
			OnState: func(s driver.State, _ error) {
				if s != driver.StateReady {
					tw.gen.Add(1)
				}
				tw.up.Store(s == driver.StateReady)
			},
		},
		Concurrency:  1 + i*3,
		PollInterval: 20 * time.Millisecond,
		OnFailure: func(j beanstalk.Job, err error) beanstalk.Failure {
			if strings.Contains(err.Error(), "bury") {
				return beanstalk.Failure{Bury: true, Priority: 7}
			}
			return beanstalk.Failure{Priority: 9, Delay: time.Duration(tw.rng.IntN(2)) * time.Second}
		},
		OnError: func(err error) { r.typed(fmt.Sprintf("worker %d: OnError", i), err, false) },
	})
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { w.Stop().Await(looptest.Ctx(r.t, 20*time.Second)) })
	tw.w = w
	return tw
}

// handle is the worker's Handler, on the loop.
func (tw *tworker) handle(j beanstalk.Job) *future.Future[struct{}] {
	r := tw.r
	r.actions.Add(1)
	what := fmt.Sprintf("worker %d", tw.id)
	g := tw.gen.Load()
	if !tw.up.Load() {
		// The connection dropped between the reply and the handler
		// (both on the loop, in that order): the reservation is lost.
		g = -1
	}
	key, h, check := r.sight(what, &tw.gen, g, j.ID, j.Body)
	first := future.Resolved(r.loop, struct{}{})
	if check {
		// Look at the job's TTR timeouts before running it again.
		first = future.Map(tw.w.Client().StatsJob(j.ID).Tap(func(st beanstalk.JobStats) error {
			r.explain(what, j.ID, key, h, st, nil)
			return nil
		}).Catch(func(err error) (beanstalk.JobStats, error) {
			r.explain(what, j.ID, key, h, beanstalk.JobStats{}, err)
			return beanstalk.JobStats{}, nil
		}), func(beanstalk.JobStats) struct{} { return struct{}{} })
	}
	x := tw.rng.IntN(100)
	sleep := time.Duration(tw.rng.IntN(30)) * time.Millisecond
	return future.ThenFuture(first, func(struct{}) *future.Future[struct{}] {
		return future.Then(r.loop.Sleep(sleep), func(struct{}) (struct{}, error) {
			switch {
			case x < 10 && key.s >= 0:
				r.unhold(key, h)
				return struct{}{}, errors.New("release")
			case x < 15 && key.s >= 0:
				r.unhold(key, h)
				return struct{}{}, errors.New("bury")
			}
			r.mu.Lock()
			if rec := r.jobs[key]; rec != nil {
				if h != nil {
					h.done = true
				}
				rec.gone = true
				rec.completed = true
			}
			r.mu.Unlock()
			return struct{}{}, nil
		})
	})
}

// final puts jobs after the chaos and waits until the workers have
// handled them.
func (tw *tworker) final(c context.Context) {
	r := tw.r
	// Producer -1-id, sequence negative: recognised as final jobs.
	k := jobKey{-1 - tw.id, -1}
	tube := r.ownTube(tw.id)
	r.mu.Lock()
	r.jobs[k] = &jobRec{size: 16, tubes: []string{tube}}
	r.mu.Unlock()
	pc := r.dial(beanstalk.Options{Tube: tube})
	defer pc.Close()
	for {
		id, err := pc.Sync().Put(c, makeBody(k, 16), beanstalk.PutOptions{TTR: 5 * time.Second})
		if err == nil {
			r.mu.Lock()
			r.jobs[k].acked, r.jobs[k].id = true, id
			r.mu.Unlock()
			break
		}
		r.typed("final worker put", err, false)
		if c.Err() != nil {
			r.violate("worker %d: final put: %v", tw.id, err)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	for {
		r.mu.Lock()
		handled := r.jobs[k].completed
		r.mu.Unlock()
		if handled {
			return
		}
		if c.Err() != nil {
			r.violate("worker %d: the workers did not handle a job put after the chaos", tw.id)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// The end.

// drain takes every job left in the run's tubes out of the server,
// checking each.
func (r *torture) drain(c context.Context) {
	for {
		_, err := r.admin.Stats(c)
		if err == nil {
			break
		}
		if c.Err() != nil {
			r.violate("drain: the server does not answer: %v", err)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	cl, err := beanstalk.Dial(r.loop, r.srv.Addr, fastOpts(beanstalk.Options{
		Watch: append([]string{r.ownTube(0), r.ownTube(1)}, r.tubes...), MaxJobSize: tortureMaxJob}))
	if err != nil {
		r.t.Fatal(err)
	}
	defer cl.Close()
	s := cl.Sync()
	for _, tube := range append([]string{r.ownTube(0), r.ownTube(1)}, r.tubes...) {
		if err := s.PauseTube(c, tube, 0); err != nil && !errors.Is(err, beanstalk.ErrNotFound) {
			r.violate("drain: unpause %s: %v", tube, err)
		}
		// The consumers' connections are closing: their reservations go
		// back to the ready queue.
		for {
			st, err := s.StatsTube(c, tube)
			if errors.Is(err, beanstalk.ErrNotFound) || err == nil && st.CurrentJobsReserved == 0 {
				break
			}
			if c.Err() != nil {
				r.violate("drain: jobs of %s stay reserved: %v %+v", tube, err, st)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
		if _, err := s.Use(c, tube); err != nil {
			r.violate("drain: use %s: %v", tube, err)
			return
		}
		for {
			n, err := s.Kick(c, 1000)
			if err != nil {
				r.violate("drain: kick %s: %v", tube, err)
				return
			}
			if n == 0 {
				break
			}
		}
	}
	for {
		j, err := s.ReserveWithTimeout(c, 0)
		if errors.Is(err, beanstalk.ErrTimedOut) {
			break
		}
		if err != nil {
			r.violate("drain: reserve: %v", err)
			return
		}
		key, _, _ := r.sight("drain", nil, 0, j.ID, j.Body)
		st, err := s.StatsJob(c, j.ID)
		if err != nil {
			r.violate("drain: stats-job %d: %v", j.ID, err)
		}
		r.mu.Lock()
		if rec := r.jobs[key]; rec != nil {
			rec.found = true
			if err == nil && !contains(rec.tubes, st.Tube) {
				r.violateLocked(fmt.Sprintf("drain: job %d (%v) in tube %s, put to one of %q", j.ID, key, st.Tube, rec.tubes))
			}
		}
		r.mu.Unlock()
		if err := s.Delete(c, j.ID); err != nil {
			r.violate("drain: delete %d: %v", j.ID, err)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// account checks that no put job was lost.
func (r *torture) account() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, rec := range r.jobs {
		if rec.acked && !rec.found && !rec.deleted && !rec.gone {
			r.violateLocked(fmt.Sprintf("job %d (%v) lost: put acknowledged, never deleted, not in the server (put gen %d, seen %d)", rec.id, k, rec.putGen, rec.seenID))
		}
	}
}

// The proxy.

// proxy forwards TCP connections to a server, and cuts them on demand:
// beanstalkd cannot drop a client itself.
type proxy struct {
	ln     net.Listener
	target string
	wg     sync.WaitGroup
	lag    atomic.Int64 // delay of the server's replies, in nanoseconds

	mu     sync.Mutex
	pairs  map[*pair]struct{}
	closed bool
}

type pair struct{ a, b net.Conn }

func (p *pair) close() { p.a.Close(); p.b.Close() }

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, pairs: map[*pair]struct{}{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	for {
		a, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.serve(a) })
	}
}

func (p *proxy) serve(a net.Conn) {
	b, err := net.DialTimeout("tcp", p.target, 2*time.Second)
	if err != nil {
		a.Close()
		return
	}
	pr := &pair{a, b}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		pr.close()
		return
	}
	p.pairs[pr] = struct{}{}
	p.mu.Unlock()
	// Plain copies: TCP to TCP, io.Copy would splice through pipes that
	// the runtime caches, which leakcheck would count.
	var wg sync.WaitGroup
	wg.Go(func() { io.Copy(struct{ io.Writer }{b}, struct{ io.Reader }{a}); pr.close() })
	wg.Go(func() { p.lagCopy(a, b); pr.close() })
	wg.Wait()
	p.mu.Lock()
	delete(p.pairs, pr)
	p.mu.Unlock()
}

// lagCopy copies the server's replies to the client, late by the
// proxy's lag: replies that come late keep the client's later commands
// queued behind them, so that a cut finds more of them not yet written.
func (p *proxy) lagCopy(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if d := time.Duration(p.lag.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// cut closes n random connections (all if n < 0) and returns how many.
func (p *proxy) cut(n int, rng *rand.Rand) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	var all []*pair
	for pr := range p.pairs {
		all = append(all, pr)
	}
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	if n >= 0 && n < len(all) {
		all = all[:n]
	}
	for _, pr := range all {
		pr.close()
	}
	return len(all)
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closed = true
	for pr := range p.pairs {
		pr.close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}
