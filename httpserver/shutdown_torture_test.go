package httpserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
)

// TestTortureShutdown drives the torture test's clients and handlers
// (torture_test.go) at servers that are shut down at a random moment:
// gracefully (a context with time enough) or forced (one that expires),
// sometimes by two callers at once, while handlers are blocked in Std,
// stream with backpressure, read bodies, wait behind TimeoutHandler or
// have hijacked or upgraded their connections, and while new
// connections keep arriving. It checks, per round:
//   - a response read before the shutdown is intact, with the torture
//     test's checks; one read during it is intact too, or cut by a clean
//     close (EOF or reset, never a corrupt response), and a cut is
//     allowed only when the shutdown was forced;
//   - "Connection: close" appears only on responses read once the
//     shutdown had begun (or that asked for it);
//   - idle keep-alive connections close while the shutdown still waits
//     for blocked handlers;
//   - no handler runs for a request on a loop already shutting down,
//     and a dial after Shutdown returned is refused;
//   - Shutdown returns nil when graceful, nil or a context error when
//     forced; when it returns, every handler context has ended with a
//     documented cause, every SendFile file is closed, and (graceful)
//     every Std handler has returned; nothing panics out of a callback,
//     and nothing leaks once the blocked handlers are let go.
//
// EDDY_TORTURE=60s runs it longer; EDDY_TORTURE_SEED=n replays one seed.

var shutdownSeeds = []uint64{11, 12, 13}

// shutState is one round's shared state.
type shutState struct {
	down     atomic.Bool // set just before the first Shutdown call
	returned atomic.Bool // set once every Shutdown call has returned
	forced   bool        // some Shutdown call's context expires
	release  chan struct{}
	relOnce  sync.Once

	stdRunning atomic.Int64 // Std handlers (ours) not yet returned
	lateServed atomic.Int64 // handlers run on a loop shutting down
	badPanic   atomic.Int64

	mu    sync.Mutex
	ctxs  []trackedCtx
	lines []string // what happened, for a failure

	idle      atomic.Int64 // idle clients waiting for their close
	lateStart atomic.Int64 // Std handlers started after Shutdown returned
}

type trackedCtx struct {
	ctx  context.Context
	kind string
	id   int
}

func (st *shutState) letGo() { st.relOnce.Do(func() { close(st.release) }) }

// shutHandler adds to the torture handler the kinds a shutdown meets:
// Std handlers that block (until released, or their context ends),
// Std hijacks, and upgrades.
func shutHandler(ts *tortureServer, st *shutState) httpserver.Handler {
	inner := ts.handler()
	std := httpserver.Std(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/")
		id, _ := strconv.Atoi(parts[2])
		if st.returned.Load() {
			st.lateStart.Add(1)
		}
		switch parts[1] {
		case "block":
			st.stdRunning.Add(1)
			defer st.stdRunning.Add(-1)
			if parts[3] == "0" {
				select {
				case <-r.Context().Done():
				case <-st.release:
				}
			} else {
				<-st.release // a handler that ignores its context
			}
			fmt.Fprintf(w, "block %d", id)
		case "hijack":
			if parts[3] == "1" {
				<-st.release
			}
			conn, brw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				http.Error(w, "hijack: "+err.Error(), 500)
				return
			}
			defer conn.Close()
			body := fmt.Sprintf("hijack %d", id)
			fmt.Fprintf(brw, "HTTP/1.1 200 OK\r\nDate: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
				time.Now().UTC().Format(http.TimeFormat), len(body), body)
			brw.Flush()
		}
	}))
	return httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		if r.Loop().ShuttingDown() {
			st.lateServed.Add(1)
			st.mu.Lock()
			st.lines = append(st.lines, "served during shutdown: "+r.Method+" "+r.Target)
			st.mu.Unlock()
		}
		parts := strings.Split(r.Path, "/")
		id := 0
		if len(parts) > 2 {
			id, _ = strconv.Atoi(parts[2])
		}
		kind := ""
		if len(parts) > 1 {
			kind = parts[1]
		}
		st.mu.Lock()
		st.ctxs = append(st.ctxs, trackedCtx{r.Context(), kind, id})
		st.mu.Unlock()
		switch kind {
		case "block", "hijack":
			std.ServeHTTP(w, r)
		case "upgrade":
			if !r.IsUpgrade() {
				w.WriteHeader(400)
				return
			}
			w.Upgrade("torture", func(c *eddy.Conn) eddy.Handler {
				l := c.Loop()
				if l.ShuttingDown() {
					c.Close()
				} else {
					l.OnShutdown(func() { c.Close() })
				}
				return echoProto{}
			})
		default:
			inner.ServeHTTP(w, r)
		}
	})
}

// echoProto is the upgraded connections' protocol: it echoes.
type echoProto struct{ eddy.BaseHandler }

func (echoProto) OnData(c *eddy.Conn, p []byte) int {
	c.Write(p)
	return len(p)
}

// benign reports whether err is how a clean close looks to a reader: the
// end of the stream, or a reset.
func benign(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, net.ErrClosed)
}

// shutRequest picks a request: mostly the torture test's, sometimes a
// blocking, hijacking or upgrading one.
func shutRequest(c *tclient) *treq {
	r := c.rng
	switch x := r.IntN(100); {
	case x < 8:
		q := &treq{id: c.id(), method: "GET", kind: "block"}
		q.head = fmt.Appendf(nil, "GET /block/%d/%d HTTP/1.1\r\nHost: torture\r\n\r\n", q.id, r.IntN(2))
		q.want = fmt.Sprintf("block %d", q.id)
		return q
	case x < 12:
		q := &treq{id: c.id(), method: "GET", kind: "hijack", close: true, last: true}
		q.head = fmt.Appendf(nil, "GET /hijack/%d/%d HTTP/1.1\r\nHost: torture\r\n\r\n", q.id, r.IntN(2))
		q.want = fmt.Sprintf("hijack %d", q.id)
		return q
	case x < 16:
		q := &treq{id: c.id(), method: "GET", kind: "upgrade", last: true}
		q.head = fmt.Appendf(nil, "GET /upgrade/%d HTTP/1.1\r\nHost: torture\r\nConnection: Upgrade\r\nUpgrade: torture\r\n\r\n", q.id)
		return q
	}
	return c.request()
}

// shutSession runs one connection of random requests and checks what
// comes back against the round's shutdown state.
func shutSession(c *tclient, st *shutState) error {
	c.log, c.ids = c.log[:0], c.ids[:0]
	r := c.rng
	var reqs []*treq
	for range 1 + r.IntN(6) {
		q := shutRequest(c)
		reqs = append(reqs, q)
		if q.close || q.last {
			break
		}
	}
	if last := reqs[len(reqs)-1]; !last.close && !last.last && r.IntN(10) == 0 {
		reqs = append(reqs, c.malformed())
	}
	mode := r.IntN(3) // 0 one at a time; 1 pipelined; 2 pipelined, split
	idle := !reqs[len(reqs)-1].close && !reqs[len(reqs)-1].last && reqs[len(reqs)-1].bad == "" && r.IntN(4) == 0
	wasDown, wasReturned := st.down.Load(), st.returned.Load()
	conn, err := c.dial()
	if err != nil {
		if wasReturned && !errors.Is(err, syscall.ECONNREFUSED) {
			return c.failf("dial after Shutdown returned: %v", err)
		}
		if wasDown || st.down.Load() {
			return nil
		}
		return err
	}
	if wasReturned {
		conn.Close()
		return c.failf("dial after Shutdown returned was accepted")
	}
	w := startWriter(conn, r, mode == 2)
	defer func() {
		conn.Close()
		w.finish()
	}()
	c.logf("conn %v mode %d down %v", conn.LocalAddr(), mode, wasDown)
	if mode != 0 {
		for _, q := range reqs {
			c.send(w, q, true)
		}
	}
	br := bufio.NewReaderSize(conn, 4096)
	// closedOK reports whether the connection may close now, with no
	// response or one cut short: once the shutdown has begun.
	closedOK := func() bool { return st.down.Load() }
	for _, q := range reqs {
		if mode == 0 {
			c.send(w, q, !q.expect)
		}
		if q.bad != "" {
			resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
			if err != nil {
				if isTimeout(err) {
					return c.failf("malformed %q: no answer and no close: %v", q.bad, err)
				}
				if !benign(err) {
					return c.failf("malformed %q: corrupt answer: %v", q.bad, err)
				}
				return nil
			}
			io.Copy(io.Discard, resp.Body)
			if resp.StatusCode < 400 || !resp.Close {
				return c.failf("malformed %q answered %d close %v", q.bad, resp.StatusCode, resp.Close)
			}
			return c.expectClose(br, "after malformed "+q.bad)
		}
		if q.kind == "upgrade" {
			return c.upgraded(br, w, q, closedOK)
		}
		status, body, closed, outcome, err := c.readShut(br, q, func() {
			if mode == 0 && q.expect {
				c.logf("100 for %d: send body", q.id)
				w.ch <- q.body
			}
		})
		if err != nil {
			return err
		}
		c.logf("got %d: %d %d bytes close %v outcome %s", q.id, status, len(body), closed, outcome)
		switch outcome {
		case "none": // closed before a response
			if !closedOK() {
				return c.failf("request %d (%s): connection closed with no response before the shutdown", q.id, q.kind)
			}
			return nil
		case "cut":
			if q.mayCut {
				if !strings.HasPrefix(q.want, string(body)) {
					return c.failf("request %d (%s): cut-short body %q is not a prefix of %q", q.id, q.kind, trim(body), trim([]byte(q.want)))
				}
				return nil
			}
			if !closedOK() || !st.forced {
				return c.failf("request %d (%s): body cut short (forced %v): %d %q", q.id, q.kind, st.forced, status, trim(body))
			}
			if q.want != "" && q.method != "HEAD" && !strings.HasPrefix(q.want, string(body)) {
				return c.failf("request %d (%s): cut-short body %q is not a prefix of %q", q.id, q.kind, trim(body), trim([]byte(q.want)))
			}
			return nil
		}
		if q.mayCut && q.http10 && closed && len(body) < len(q.want) && strings.HasPrefix(q.want, string(body)) {
			return nil // delimited by the close: cannot be told from a cut
		}
		if q.check != nil {
			if err := q.check(status, body); err != nil {
				return c.failf("request %d: %v", q.id, err)
			}
		} else if q.method != "HEAD" && q.want != "" {
			if status != 200 || string(body) != q.want {
				return c.failf("request %d (%s): got %d %q, want %q", q.id, q.kind, status, trim(body), trim([]byte(q.want)))
			}
		} else if q.method == "HEAD" && status != 200 {
			return c.failf("HEAD %d (%s): status %d", q.id, q.kind, status)
		}
		if q.close && !closed {
			return c.failf("request %d asked to close: response without Connection: close", q.id)
		}
		if q.kind == "block" && q == reqs[len(reqs)-1] && !st.forced && !closed {
			// Released only once a graceful shutdown has begun, and
			// the last request of its connection: its response had
			// not begun when the shutdown came, so it says that the
			// connection closes after it.
			return c.failf("request %d (block): response finished during the shutdown without Connection: close", q.id)
		}
		if closed {
			if !q.close && !q.last && !q.http10 && !closedOK() {
				return c.failf("request %d (%s): Connection: close before the shutdown, status %d", q.id, q.kind, status)
			}
			return c.expectClose(br, fmt.Sprintf("after Connection: close on %d", q.id))
		}
		if q.last {
			return nil
		}
	}
	if idle && !st.down.Load() {
		// An idle keep-alive connection: the shutdown must close it
		// while it waits for the busy ones.
		st.idle.Add(1)
		defer st.idle.Add(-1)
		c.logf("idle")
		return c.expectClose(br, "idle keep-alive connection")
	}
	return nil
}

// readShut reads q's response: outcome is "ok" for a whole response,
// "none" when the connection closed cleanly before one, "cut" when it
// closed cleanly within its body; a corrupt response is an error.
func (c *tclient) readShut(br *bufio.Reader, q *treq, onContinue func()) (status int, body []byte, closed bool, outcome string, err error) {
	for {
		resp, err := http.ReadResponse(br, &http.Request{Method: q.method})
		if err != nil {
			if isTimeout(err) || !benign(err) {
				return 0, nil, false, "", c.failf("request %d (%s): no response: %v", q.id, q.kind, err)
			}
			c.logf("none %d: %v", q.id, err)
			return 0, nil, false, "none", nil
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 {
			if resp.StatusCode != 100 || !q.expect {
				return 0, nil, false, "", c.failf("request %d: unexpected interim %d", q.id, resp.StatusCode)
			}
			onContinue()
			continue
		}
		if resp.Header.Get("Date") == "" {
			return 0, nil, false, "", c.failf("request %d: response without Date", q.id)
		}
		if q.method != "HEAD" && resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && resp.StatusCode != 204 && resp.StatusCode != 304 && !resp.Close {
			return 0, nil, false, "", c.failf("request %d: response %d with no framing on a kept connection", q.id, resp.StatusCode)
		}
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			if isTimeout(err) || !benign(err) {
				return 0, nil, false, "", c.failf("request %d (%s): body: %v (%d bytes)", q.id, q.kind, err, len(b))
			}
			c.logf("cut %d: %v", q.id, err)
			return resp.StatusCode, b, resp.Close, "cut", nil
		}
		if q.method == "HEAD" && len(b) != 0 {
			return 0, nil, false, "", c.failf("HEAD %d has a body", q.id)
		}
		return resp.StatusCode, b, resp.Close, "ok", nil
	}
}

// upgraded checks an upgrade: a 101, then an echo of what is sent, or a
// clean close once the shutdown has begun.
func (c *tclient) upgraded(br *bufio.Reader, w *writer, q *treq, closedOK func() bool) error {
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		if isTimeout(err) || !benign(err) {
			return c.failf("upgrade %d: %v", q.id, err)
		}
		if !closedOK() {
			return c.failf("upgrade %d: closed before the shutdown: %v", q.id, err)
		}
		return nil
	}
	if resp.StatusCode != 101 {
		return c.failf("upgrade %d: status %d", q.id, resp.StatusCode)
	}
	for k := range 1 + c.rng.IntN(3) {
		msg := fmt.Sprintf("ping %d.%d\n", q.id, k)
		w.ch <- []byte(msg)
		got, err := br.ReadString('\n')
		if err != nil {
			if isTimeout(err) || !benign(err) {
				return c.failf("upgrade %d: echo: %v", q.id, err)
			}
			if !closedOK() {
				return c.failf("upgrade %d: closed before the shutdown: %v", q.id, err)
			}
			if !strings.HasPrefix(msg, got) {
				return c.failf("upgrade %d: echo %q of %q", q.id, got, msg)
			}
			return nil
		}
		if got != msg {
			return c.failf("upgrade %d: echo %q of %q", q.id, got, msg)
		}
	}
	return nil
}

func TestTortureShutdown(t *testing.T) {
	seeds := soak.Seeds(t, shutdownSeeds, 0, 0)
	per := tortureDuration(t) / time.Duration(len(seeds))
	var rounds, reqs atomic.Int64
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			leakcheck.Check(t)
			rng := rand.New(rand.NewPCG(seed, 99))
			dir := t.TempDir()
			deadline := time.Now().Add(per)
			for round := 0; time.Now().Before(deadline) && !t.Failed(); round++ {
				rounds.Add(1)
				shutRound(t, seed, round, rng, dir, &reqs)
			}
		})
	}
	t.Logf("%d rounds, %d requests", rounds.Load(), reqs.Load())
}

// shutRound runs one server through traffic and a shutdown.
func shutRound(t *testing.T, seed uint64, round int, rng *rand.Rand, dir string, reqs *atomic.Int64) {
	tag := fmt.Sprintf("seed %d round %d", seed, round)
	ts := &tortureServer{t: t, files: make(map[int]string)}
	ts.fileData = make([]byte, 64<<10)
	fill(ts.fileData, 0, 0)
	ts.filePath = filepath.Join(dir, "file")
	if round == 0 {
		if err := os.WriteFile(ts.filePath, ts.fileData, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st := &shutState{release: make(chan struct{})}
	forced := rng.IntN(3) == 0
	st.forced = forced
	srv := &httpserver.Server{
		Handler:        shutHandler(ts, st),
		MaxHeaderBytes: tortureMaxHeader,
		MaxURIBytes:    tortureMaxURI,
		HalfClose:      rng.IntN(4) == 0,
	}
	panics := func(v any, stack []byte) {
		if _, ok := v.(torturePanic); !ok {
			st.badPanic.Add(1)
			t.Errorf("%s: panic out of a callback: %v\n%s", tag, v, stack)
		}
	}
	addr, g := start(t, srv, 1+rng.IntN(2), eddy.WithLoopOptions(eddy.WithPanicHandler(panics)))

	var nextID atomic.Int64
	nextID.Store(int64(round) * 1_000_000)
	var failed atomic.Bool
	var logs sync.Map
	var wg sync.WaitGroup
	nclients := 3 + rng.IntN(5)
	for i := range nclients {
		wg.Add(1)
		cseed := rng.Uint64()
		go func() {
			defer wg.Done()
			c := &tclient{ts: ts, addr: addr, rng: rand.New(rand.NewPCG(cseed, uint64(i))), nextID: &nextID, reqs: reqs, logs: &logs}
			// Sessions go on through the shutdown (new connections
			// keep arriving) and stop a little after it returned.
			after := 0
			for !failed.Load() && after < 2 {
				if st.returned.Load() {
					after++
				}
				if err := shutSession(c, st); err != nil {
					if !failed.Swap(true) {
						t.Errorf("%s client %d: %v", tag, i, err)
					}
					return
				}
			}
		}()
	}

	// Traffic for a while, then the shutdown.
	time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
	type call struct {
		ctx    context.Context
		cancel context.CancelFunc
		short  bool
		err    error
	}
	var calls []*call
	mk := func(short bool) {
		d := 15 * time.Second
		if short {
			d = time.Duration(rng.IntN(30)) * time.Millisecond
		}
		ctx, cancel := context.WithTimeout(context.Background(), d)
		calls = append(calls, &call{ctx: ctx, cancel: cancel, short: short})
	}
	mk(forced)
	two := rng.IntN(3) // 0: one call; 1: two at once; 2: a second after the first
	if two > 0 {
		mk(forced && rng.IntN(2) == 0)
	}
	releaseAfter := time.Duration(rng.IntN(40)) * time.Millisecond
	st.down.Store(true)
	var sw sync.WaitGroup
	for i, cl := range calls {
		if two == 2 && i == 1 {
			break
		}
		sw.Add(1)
		go func() {
			defer sw.Done()
			cl.err = srv.Shutdown(cl.ctx)
		}()
	}
	if !forced {
		// Graceful: the blocked handlers are let go once the idle
		// connections have closed, which they must while Shutdown
		// waits for the busy ones, and the loops have begun to shut
		// down (so that their responses are finished during it).
		for _, l := range g.Loops() {
			waitShuttingDown(l)
		}
		wd := time.Now().Add(tortureWatchdog)
		for st.idle.Load() > 0 && time.Now().Before(wd) {
			time.Sleep(time.Millisecond)
		}
		if n := st.idle.Load(); n > 0 {
			t.Errorf("%s: %d idle connections not closed while Shutdown waits", tag, n)
		}
		time.Sleep(releaseAfter)
		st.letGo()
	}
	sw.Wait()
	if two == 2 {
		calls[1].err = srv.Shutdown(calls[1].ctx)
		if calls[1].err != nil {
			t.Errorf("%s: second Shutdown, after the first returned: %v", tag, calls[1].err)
		}
	}
	st.returned.Store(true)
	for _, cl := range calls {
		cl.cancel()
	}

	// What must hold when Shutdown returns, before the blocked handlers
	// are let go.
	for i, cl := range calls {
		switch {
		case !forced && cl.err != nil:
			t.Errorf("%s: graceful Shutdown %d: %v", tag, i, cl.err)
		case cl.err != nil && !errors.Is(cl.err, context.DeadlineExceeded):
			t.Errorf("%s: forced Shutdown %d: %v, want a context error", tag, i, cl.err)
		}
	}
	if o, c := ts.opened.Load(), ts.closed.Load(); o != c {
		ts.mu.Lock()
		t.Errorf("%s: %d files opened for SendFile, %d closed when Shutdown returned; open: %v", tag, o, c, ts.files)
		ts.mu.Unlock()
	}
	if n := st.stdRunning.Load(); !forced && n != 0 {
		t.Errorf("%s: %d Std handlers still running when a graceful Shutdown returned", tag, n)
	}
	st.mu.Lock()
	for _, tc := range st.ctxs {
		if tc.ctx.Err() == nil {
			t.Errorf("%s: handler context of %s %d not ended when Shutdown returned", tag, tc.kind, tc.id)
			break
		}
		cause := context.Cause(tc.ctx)
		switch {
		case errors.Is(cause, httpserver.ErrResponseEnded), errors.Is(cause, httpserver.ErrConnClosed),
			errors.Is(cause, httpserver.ErrHandlerTimeout), errors.Is(cause, httpserver.ErrTimeout):
		case errors.Is(cause, context.Canceled) && (tc.kind == "std" || tc.kind == "block" || tc.kind == "hijack"):
			// Std: the handler returned.
		default:
			t.Errorf("%s: handler context of %s %d ended with %v", tag, tc.kind, tc.id, cause)
		}
	}
	lines := st.lines
	st.mu.Unlock()
	if n := st.lateServed.Load(); n > 0 {
		t.Errorf("%s: %d requests served on a loop shutting down: %v", tag, n, lines[:min(len(lines), 5)])
	}

	st.letGo()
	wg.Wait()
	if n := st.lateStart.Load(); n > 0 {
		t.Logf("%s: %d Std handlers started after Shutdown returned", tag, n)
	}
	// The handlers let go finish on their own goroutines (Std, forced).
	wd := time.Now().Add(tortureWatchdog)
	for st.stdRunning.Load() != 0 && time.Now().Before(wd) {
		time.Sleep(time.Millisecond)
	}
	if n := st.stdRunning.Load(); n != 0 {
		t.Errorf("%s: %d Std handlers never returned", tag, n)
	}
	if t.Failed() {
		t.Logf("%s: forced %v, calls %d (mode %d), HalfClose %v", tag, forced, len(calls), two, srv.HalfClose)
	}
}

// waitShuttingDown returns once l has begun a graceful shutdown (its
// shutdown hooks have run) or has closed.
func waitShuttingDown(l *eddy.Loop) {
	for {
		down := make(chan bool, 1)
		if l.Post(func() { down <- l.ShuttingDown() }) != nil || <-down {
			return
		}
		time.Sleep(time.Millisecond)
	}
}
