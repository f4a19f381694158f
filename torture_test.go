package eddy_test

// A seeded, randomized torture test of the core sockets and TLS: a group
// of loops (or a single loop) serves TCP, Unix and TLS, with handlers that
// do random things to their connections from their callbacks, from loop
// timers and from other goroutines through Post, against clients of three
// kinds: eddy connections dialled on a loop (the same random handler),
// plain net.Conn goroutines (crypto/tls for TLS), and goroutines using the
// net.Conn adapter with random deadlines. Every connection carries a
// pseudo-random byte stream in each direction, generated from the pair's
// id, so that any byte can be checked where it arrives.
//
// Invariants, checked as it runs and at the end:
//   - what a side reads is exactly the other side's stream, in order;
//     a clean end of stream after a clean, flushed close of the sender
//     comes after all of it;
//   - OnClose runs exactly once, last, with nil or a typed error, and a
//     timeout only when a deadline or idle timeout was set; Write after
//     Close or OnClose fails with ErrClosed;
//   - no OnData while reading is paused, after Close or after OnEOF;
//   - Write is refused with ErrQueueFull exactly when the queue is at or
//     above the high water mark, and then queues nothing; the queue never
//     exceeds the high water mark by more than the last write; OnDrain
//     runs only after the queue was above the low water mark, with the
//     queue at or below it, and a refused Write is always followed by
//     OnDrain or the close;
//   - after the group's graceful shutdown (or Stop), every connection has
//     closed, Stats shows no live handles, and no goroutine or descriptor
//     is left (leakcheck);
//   - no callback panics on a loop (the loops' panic handler fails the
//     test, where a loop would only log the panic it recovered).
//
// By default it runs a few fixed seeds for about a second each. Set
// EDDY_TORTURE to a duration (EDDY_TORTURE=60s) to run more seeds for
// that long, and EDDY_TORTURE_SEED to replay one seed. A failure prints
// its seed.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	crand "crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
	"github.com/eddy-go/eddy/tlsx"
)

func TestTorture(t *testing.T) {
	if runtime.GOOS == "windows" && os.Getenv("EDDY_TORTURE_WINDOWS") == "" {
		// Under Wine, a peer's reset can reach a reader as a clean end of
		// stream, which the check "a clean end of stream comes after all
		// that was written and flushed" then reports as lost bytes. Every
		// such failure (seed 1 has some on most runs) was a server end
		// that Closed with its client's input unread: closing a socket
		// with unread input resets the connection, and the reset discards
		// what the kernel had not sent yet, as on Linux, where the
		// client's read fails with ECONNRESET and the check does not
		// apply. Under Wine the reader's WSARecv completes with 0 bytes
		// (an end of stream) where Windows fails it with WSAECONNRESET;
		// Wine runs Winsock over Linux sockets, and the Linux socket's
		// pending error is reported once only, probably to wineserver's
		// own poll rather than to the read. Go's own net package
		// shows it with no eddy code involved: a net.Conn whose peer
		// (a net.Conn too) closes with unread input while it has sent
		// 1 MiB reads 128000 bytes then io.EOF under Wine, and the same
		// bytes then "connection reset by peer" on Linux. With that one
		// case let through (a clean end of stream short while the server
		// had unread input), the test passed 6 runs of 3 seeds under
		// Wine. The skip stays because the check cannot tell Wine's
		// false end of stream from a real loss; EDDY_TORTURE_WINDOWS=1
		// runs it anyway (on real Windows it should pass).
		t.Skip("under Wine a reset can reach a reader as a clean end of stream, which this test counts as lost bytes (EDDY_TORTURE_WINDOWS=1 runs it)")
	}
	// By default three seeds of 0.7 s of actions each; with EDDY_TORTURE,
	// seeds of 3 s, new ones (from the clock) until the time is up.
	total := soak.Duration(t, 0)
	if testing.Short() && total == 0 {
		t.Skip("torture test skipped in -short mode")
	}
	seeds := []uint64{1, 2, 3}
	active := 700 * time.Millisecond
	if total > 0 {
		active = 3 * time.Second
	}
	if os.Getenv("EDDY_TORTURE_SEED") != "" {
		seeds, total = soak.Seeds(t, nil, 0, 0), 0
	}
	pki := newTorturePKI(t)
	start := time.Now()
	var actions int64
	nseeds := 0
	for i := 0; ; i++ {
		var seed uint64
		if i < len(seeds) {
			seed = seeds[i]
		} else if total > 0 && time.Since(start) < total {
			seed = uint64(time.Now().UnixNano())
		} else {
			break
		}
		nseeds++
		ok := t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			actions += tortureOnce(t, seed, active, pki)
		})
		if !ok {
			t.Logf("replay with EDDY_TORTURE_SEED=%d", seed)
			break
		}
	}
	t.Logf("%d seeds, %v, %d actions, poller %q", nseeds, time.Since(start).Round(time.Millisecond), actions, os.Getenv("EDDY_POLLER"))
}

// --- streams ---

func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// streamFill fills p with the stream seed from offset off.
func streamFill(seed uint64, off int64, p []byte) {
	var w uint64
	blk := int64(-1)
	for i := range p {
		o := off + int64(i)
		if b := o >> 3; b != blk {
			blk = b
			w = mix64(seed ^ uint64(b)*0x2545f4914f6cdd1d)
		}
		p[i] = byte(w >> (8 * (o & 7)))
	}
}

// streamCheck returns the index of the first byte of p that is not the
// stream's at off, or -1.
func streamCheck(seed uint64, off int64, p []byte) int {
	var w uint64
	blk := int64(-1)
	for i := range p {
		o := off + int64(i)
		if b := o >> 3; b != blk {
			blk = b
			w = mix64(seed ^ uint64(b)*0x2545f4914f6cdd1d)
		}
		if p[i] != byte(w>>(8*(o&7))) {
			return i
		}
	}
	return -1
}

// --- shared state ---

// dir is one direction of one connection.
type dir struct {
	mu          sync.Mutex
	seed        uint64
	tx          int64 // bytes the sender's writes accepted
	senderClean bool  // the sender closed cleanly after flushing (no abort, no error)
	senderDone  bool
	rx          int64 // bytes the receiver read
	rxEOF       bool  // the receiver read a clean end of stream
	rxDone      bool
}

func (d *dir) addTx(n int) {
	d.mu.Lock()
	d.tx += int64(n)
	d.mu.Unlock()
}

type pair struct {
	id       uint64
	kind     string // how the client was made, for messages
	caddr    string // the client's local address, once known (for dumpOpen)
	up, down dir    // up: client to server
}

type torture struct {
	t       *testing.T
	seed    uint64
	high    int
	low     int
	stopped atomic.Bool // the loops were stopped (ErrLoopStopped is expected)
	// earlyAborts counts server ends that aborted before their client's
	// id came (see dialRefusedOK).
	earlyAborts atomic.Int64
	// idlessEOFs counts server ends whose peer ended its stream before
	// sending its id; lostHeaders counts client ends that aborted while
	// their id may still have been queued. Abort discards queued output,
	// and a client's first action (in OnOpen, before the id queued at
	// dial time has gone) may be an Abort, which a Unix socket's peer
	// reads as a clean end of stream (TCP's sees a reset). So the first
	// may not exceed the second: an id lost any other way is a bug.
	idlessEOFs, lostHeaders atomic.Int64
	ending                  atomic.Bool
	actions                 atomic.Int64

	mu    sync.Mutex
	pairs map[uint64]*pair
	ends  []*end
	fails []string

	wg      sync.WaitGroup // client goroutines
	posters sync.WaitGroup // goroutines that Post actions
}

func (tt *torture) failf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	tt.mu.Lock()
	if len(tt.fails) < 20 {
		tt.fails = append(tt.fails, msg)
	}
	tt.mu.Unlock()
}

func (tt *torture) pair(id uint64) *pair {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	return tt.pairs[id]
}

func (tt *torture) newPair(id uint64, kind string) *pair {
	p := &pair{id: id, kind: kind}
	p.up.seed = id
	p.down.seed = id ^ 0x5a5a5a5a5a5a5a5a
	tt.mu.Lock()
	tt.pairs[id] = p
	tt.mu.Unlock()
	return p
}

// okCloseErr reports whether err is one the package documents for a
// connection's close.
func (tt *torture) okCloseErr(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, eddy.ErrReset),
		errors.Is(err, eddy.ErrTimeout),
		errors.Is(err, eddy.ErrReadBufferFull),
		errors.Is(err, tlsx.ErrTruncated),
		errors.Is(err, tlsx.ErrHandshake):
		return true
	case errors.Is(err, eddy.ErrLoopStopped):
		return tt.stopped.Load()
	}
	return false
}

// dialRefusedOK reports whether a goroutine client's failed dial is one
// the run explains. The kernel completes a TCP handshake before the
// server accepts it, and the dialling goroutine reads the outcome
// (SO_ERROR) only when the Go scheduler gets to it: a reset that comes
// in between fails the dial with ECONNRESET. Resets come from a server
// end that aborted at once (its first action, in OnOpen, before the
// client could send its id) or, once the loops are stopped, from
// listeners closing with connections not yet accepted, which can also
// refuse the connection outright (or, for a Unix socket, be gone with
// its file). Any other dial error is a failure.
func (tt *torture) dialRefusedOK(err error) bool {
	reset := errors.Is(err, syscall.ECONNRESET) || errors.Is(err, eddy.ErrReset)
	if tt.stopped.Load() {
		return reset || errors.Is(err, eddy.ErrLoopStopped) || errors.Is(err, eddy.ErrLoopClosed) ||
			errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, eddy.ErrRefused) || errors.Is(err, syscall.ENOENT)
	}
	return reset && tt.earlyAborts.Load() > 0
}

// --- the loop side: one random handler for servers and eddy clients ---

type end struct {
	tt     *torture
	l      *eddy.Loop // the end's loop, set before the end is shared
	rng    *rand.Rand // loop-only
	client bool
	tls    bool
	name   string
	c      *eddy.Conn
	p      *pair
	in     *dir // what this side reads
	out    *dir // what this side writes
	hdr    []byte

	rxOff, txOff int64
	budget       int64 // bytes left to send

	opened, closed bool
	localClosed    bool // Close or Abort
	aborted        bool
	shutWr         bool // CloseWrite
	paused         bool
	eof            bool // OnEOF ran
	wantDrain      bool // a Write was refused with ErrQueueFull, no OnDrain since
	aboveLow       bool // the queue was above the low water mark since the last OnDrain
	deadlines      bool // a deadline or idle timeout was ever set
	flushBound     bool // finish set the write deadline that bounds a Close's flush
	timer          *eddy.Timer
	gone           atomic.Bool
	closeErr       error
}

// eofEnd is an end whose handler is an EOFHandler.
type eofEnd struct{ *end }

func (e eofEnd) OnEOF(c *eddy.Conn) {
	e.check("OnEOF")
	if e.eof {
		e.tt.failf("%s: OnEOF twice", e.name)
	}
	e.eof = true
	if e.in != nil {
		e.in.mu.Lock()
		e.in.rxEOF = true
		e.in.mu.Unlock()
	} else if !e.client {
		e.tt.idlessEOFs.Add(1)
	}
	if e.tt.ending.Load() || e.rng.IntN(3) == 0 {
		e.shut()
	}
}

func (tt *torture) newEnd(l *eddy.Loop, client, isTLS bool, seed uint64, name string) *end {
	e := &end{tt: tt, l: l, client: client, tls: isTLS, name: name, rng: rand.New(rand.NewPCG(seed, 7))}
	e.budget = int64(e.rng.IntN(4 * tt.high))
	if e.rng.IntN(4) == 0 {
		e.budget = int64(e.rng.IntN(16 * tt.high))
	}
	tt.mu.Lock()
	tt.ends = append(tt.ends, e)
	tt.mu.Unlock()
	return e
}

func (e *end) handler() eddy.Handler {
	if e.rng.IntN(2) == 0 {
		return eofEnd{e}
	}
	return e
}

func (e *end) check(cb string) {
	if e.closed {
		e.tt.failf("%s: %s after OnClose(%v)", e.name, cb, e.closeErr)
	}
}

func (e *end) OnOpen(c *eddy.Conn) {
	e.check("OnOpen")
	if e.opened {
		e.tt.failf("%s: OnOpen twice", e.name)
	}
	e.opened = true
	e.c = c
	if e.client && e.p != nil {
		e.tt.mu.Lock()
		e.p.caddr = fmt.Sprint(c.LocalAddr())
		e.tt.mu.Unlock()
	}
	e.schedule()
	if e.rng.IntN(4) == 0 {
		e.startPoster()
	}
	e.act()
}

// schedule arms the end's timer for its next random action.
func (e *end) schedule() {
	d := time.Duration(1+e.rng.IntN(20)) * time.Millisecond
	if e.timer == nil {
		e.timer = e.c.Loop().AfterFunc(d, e.onTimer)
		return
	}
	e.timer.Reset(d)
}

func (e *end) onTimer() {
	if e.closed {
		return
	}
	e.act()
	if !e.closed {
		e.schedule()
	}
}

// startPoster acts on the connection from another goroutine, through
// Post, until it has closed (and once or twice after).
func (e *end) startPoster() {
	l := e.c.Loop()
	seed := e.rng.Uint64()
	e.tt.posters.Add(1)
	go func() {
		defer e.tt.posters.Done()
		r := rand.New(rand.NewPCG(seed, 9))
		after := 0
		for after < 2 {
			if e.gone.Load() {
				after++
			}
			time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
			if l.Post(func() { e.act() }) != nil {
				return
			}
		}
	}()
}

func (e *end) OnData(c *eddy.Conn, d []byte) int {
	e.check("OnData")
	if !e.opened {
		e.tt.failf("%s: OnData before OnOpen", e.name)
	}
	if e.paused {
		e.tt.failf("%s: OnData(%d bytes) while reading is paused", e.name, len(d))
	}
	if e.localClosed {
		e.tt.failf("%s: OnData(%d bytes) after Close", e.name, len(d))
	}
	if e.eof {
		e.tt.failf("%s: OnData(%d bytes) after OnEOF", e.name, len(d))
	}
	n := 0
	if e.p == nil {
		// A server reads the pair's id first.
		if len(d) < 8 {
			return 0
		}
		id := uint64(0)
		for i := 0; i < 8; i++ {
			id = id<<8 | uint64(d[i])
		}
		e.p = e.tt.pair(id)
		if e.p == nil {
			e.tt.failf("%s: unknown pair id %x", e.name, id)
			c.Abort()
			return len(d)
		}
		e.name += fmt.Sprintf("[%x %s]", id, e.p.kind)
		e.in, e.out = &e.p.up, &e.p.down
		d = d[8:]
		n = 8
	}
	if i := streamCheck(e.in.seed, e.rxOff, d); i >= 0 {
		e.tt.failf("%s: byte %d of the stream is wrong", e.name, e.rxOff+int64(i))
		c.Abort()
		return n + len(d)
	}
	k := len(d)
	if !e.tt.ending.Load() && e.rng.IntN(3) == 0 {
		k = e.rng.IntN(len(d) + 1)
	}
	// rx counts the bytes seen: those left unconsumed were read too, and
	// an end of stream may come before they are consumed.
	e.in.mu.Lock()
	e.in.rx = max(e.in.rx, e.rxOff+int64(len(d)))
	e.in.mu.Unlock()
	e.rxOff += int64(k)
	if e.rng.IntN(4) == 0 {
		e.act()
	}
	return n + k
}

func (e *end) OnDrain(c *eddy.Conn) {
	e.check("OnDrain")
	low, _ := c.WriteBuffer()
	if b := c.Buffered(); b > low {
		e.tt.failf("%s: OnDrain with %d bytes queued, above the low water mark %d", e.name, b, low)
	}
	if !e.aboveLow && !e.wantDrain {
		e.tt.failf("%s: OnDrain without the queue having been above the low water mark", e.name)
	}
	e.wantDrain, e.aboveLow = false, false
	if e.rng.IntN(2) == 0 {
		e.writeSome(e.rng.IntN(2 * e.tt.high))
	}
}

func (e *end) OnClose(c *eddy.Conn, err error) {
	e.check("OnClose")
	e.closed = true
	e.closeErr = err
	e.gone.Store(true)
	if e.timer != nil {
		e.timer.Stop()
	}
	if !e.tt.okCloseErr(err) {
		e.tt.failf("%s: OnClose with unexpected error %v (%T)", e.name, err, err)
	}
	if errors.Is(err, eddy.ErrTimeout) && !e.deadlines && !errors.Is(err, tlsx.ErrHandshake) {
		e.tt.failf("%s: OnClose(%v) with no deadline or idle timeout set", e.name, err)
	}
	if !c.Closed() {
		e.tt.failf("%s: OnClose but Closed() is false", e.name)
	}
	if werr := c.Write([]byte("x")); !errors.Is(werr, eddy.ErrClosed) {
		e.tt.failf("%s: Write in OnClose: %v, want ErrClosed", e.name, werr)
	}
	if e.out != nil {
		e.out.mu.Lock()
		e.out.senderDone = true
		e.out.senderClean = err == nil && !e.aborted
		e.out.mu.Unlock()
	}
	if e.in != nil {
		e.in.mu.Lock()
		e.in.rxDone = true
		// A clean close this side did not ask for is the peer's end of
		// stream (with the output flushed).
		if err == nil && !e.localClosed {
			if _, isEOF := c.Handler().(eofEnd); !isEOF || e.shutWr {
				e.in.rxEOF = true
			}
		}
		e.in.mu.Unlock()
	}
}

// write writes p (the next bytes of the stream) and checks the water
// marks.
func (e *end) write(n int, vec bool) {
	c := e.c
	if n <= 0 || e.out == nil {
		return
	}
	if int64(n) > e.budget {
		n = int(e.budget)
		if n == 0 {
			return
		}
	}
	p := make([]byte, n)
	streamFill(e.out.seed, e.txOff, p)
	low, high := c.WriteBuffer()
	before := c.Buffered()
	var err error
	if vec {
		k := e.rng.IntN(n + 1)
		err = c.Writev(p[:k], p[k:])
	} else {
		err = c.Write(p)
	}
	after := c.Buffered()
	switch {
	case err == nil:
		if e.localClosed || e.shutWr || e.closed {
			e.tt.failf("%s: Write accepted after Close/CloseWrite/OnClose", e.name)
		}
		if before >= high {
			e.tt.failf("%s: Write accepted with %d bytes queued, at or above the high water mark %d", e.name, before, high)
		}
		slack := 0
		if e.tls {
			slack = n/1024 + 4096 // record overhead, and crypto/tls's own records
		}
		if after > before+n+slack {
			e.tt.failf("%s: queue grew from %d to %d on a write of %d", e.name, before, after, n)
		}
		if after > low {
			e.aboveLow = true
		}
		e.txOff += int64(n)
		e.budget -= int64(n)
		e.out.addTx(n)
	case errors.Is(err, eddy.ErrQueueFull):
		if before < high {
			e.tt.failf("%s: ErrQueueFull with %d bytes queued, below the high water mark %d", e.name, before, high)
		}
		if after != before {
			e.tt.failf("%s: refused Write changed the queue from %d to %d", e.name, before, after)
		}
		e.wantDrain = true
	case errors.Is(err, eddy.ErrClosed):
		if e.closed || e.localClosed || e.shutWr {
			break
		}
		if !c.Closed() && c.Writable() {
			e.tt.failf("%s: ErrClosed on a writable connection", e.name)
		}
	default:
		e.tt.failf("%s: Write: unexpected error %v", e.name, err)
	}
}

// writeSome writes up to n bytes in random pieces until refused.
func (e *end) writeSome(n int) {
	for n > 0 && !e.closed && e.budget > 0 {
		k := 1 + e.rng.IntN(min(n, 32<<10))
		was := e.txOff
		e.write(k, e.rng.IntN(4) == 0)
		if e.txOff == was {
			return
		}
		n -= k
	}
}

// shut ends this side's writing cleanly: CloseWrite or Close.
func (e *end) shut() {
	if e.rng.IntN(2) == 0 {
		e.shutWr = true
		e.c.CloseWrite()
	} else {
		e.localClosed = true
		e.c.Close()
	}
}

// act does one random thing to the connection.
func (e *end) act() {
	c := e.c
	e.tt.actions.Add(1)
	if e.closed {
		if err := c.Write([]byte("late")); !errors.Is(err, eddy.ErrClosed) {
			e.tt.failf("%s: Write after OnClose: %v, want ErrClosed", e.name, err)
		}
		return
	}
	if e.wantDrain && c.Buffered() == 0 && !c.Closed() {
		// (A closed connection's OnClose may still be on its way: posted
		// actions that run in the same turn see it closed before.)
		e.tt.failf("%s: queue empty after ErrQueueFull, but no OnDrain", e.name)
	}
	if e.localClosed {
		if err := c.Write([]byte("late")); !errors.Is(err, eddy.ErrClosed) {
			e.tt.failf("%s: Write after Close: %v, want ErrClosed", e.name, err)
		}
	}
	if e.tt.ending.Load() {
		e.finish()
		return
	}
	_, high := c.WriteBuffer()
	switch r := e.rng.IntN(100); {
	case r < 30:
		e.write(1+e.rng.IntN(high/2), false)
	case r < 40:
		e.writeSome(3 * high)
	case r < 45:
		e.write(1+e.rng.IntN(2*high), true)
	case r < 55:
		if !e.paused {
			e.paused = true
			c.PauseRead()
			if !c.Paused() && !c.Closed() {
				e.tt.failf("%s: Paused() false after PauseRead", e.name)
			}
		}
	case r < 68:
		if e.paused {
			e.paused = false
			c.ResumeRead()
		}
	case r < 71:
		if !e.localClosed && !e.shutWr && e.rng.IntN(3) == 0 {
			e.shut()
		}
	case r < 72:
		if e.rng.IntN(3) == 0 {
			e.localClosed, e.aborted = true, true
			if !e.client && e.p == nil {
				e.tt.earlyAborts.Add(1)
			}
			// The id and the stream's first txOff bytes were queued, in
			// that order; more queued than the stream's bytes means the
			// id has not all gone. (With TLS the queue holds records, so
			// any output queued may hold it.)
			if e.client && (c.Buffered() > int(e.txOff) || e.tls && c.Buffered() > 0) {
				e.tt.lostHeaders.Add(1)
			}
			c.Abort()
		}
	case r < 77:
		if e.rng.IntN(2) == 0 {
			e.deadlines = true
			c.SetReadDeadline(time.Now().Add(time.Duration(50+e.rng.IntN(500)) * time.Millisecond))
		} else {
			c.SetReadDeadline(time.Time{})
		}
	case r < 81:
		if e.rng.IntN(2) == 0 {
			e.deadlines = true
			c.SetIdleTimeout(time.Duration(50+e.rng.IntN(500)) * time.Millisecond)
		} else {
			c.SetIdleTimeout(0)
		}
	case r < 85:
		if e.rng.IntN(2) == 0 {
			e.deadlines = true
			c.SetWriteDeadline(time.Now().Add(time.Duration(50+e.rng.IntN(500)) * time.Millisecond))
		} else {
			c.SetWriteDeadline(time.Time{})
		}
	case r < 88:
		h := 1024 + e.rng.IntN(2*e.tt.high)
		l := e.rng.IntN(h)
		c.SetWriteBuffer(l, h)
		if c.Buffered() > l {
			e.aboveLow = true
		}
	default:
		// nothing this time
	}
}

// finish winds the connection down at the end of the run: reading goes
// on to the end of the peer's stream, deadlines go, and this side ends
// its writing. A side that closed earlier, while both sides may have
// stopped reading, gets a write deadline to bound its flush.
func (e *end) finish() {
	c := e.c
	c.SetReadDeadline(time.Time{})
	c.SetIdleTimeout(0)
	if e.localClosed {
		if !e.flushBound {
			// Once: finish runs at every action until the end, and a
			// deadline moved a second on each time would never pass
			// (two Unix socket ends that both closed with full queues,
			// neither reading, hung the shutdown).
			e.flushBound = true
			e.deadlines = true
			c.SetWriteDeadline(time.Now().Add(time.Second))
		}
		return
	}
	c.SetWriteDeadline(time.Time{})
	if e.paused {
		e.paused = false
		c.ResumeRead()
	}
	if e.out == nil {
		// The id has not come yet, and never will after the peer's end
		// of stream (see torture.idlessEOFs).
		if e.eof {
			e.localClosed = true
			c.Close()
		}
		return
	}
	if !e.shutWr {
		e.shutWr = true
		c.CloseWrite()
	}
	if e.eof {
		e.localClosed = true
		c.Close()
	}
}

// acceptor is the listeners' handler: it gives each accepted
// connection an end of its own.
type acceptor struct {
	tt    *torture
	tls   bool
	n     atomic.Uint64
	fails atomic.Int64 // connections closed before OnOpen (a failed handshake)
}

func (a *acceptor) OnOpen(c *eddy.Conn) {
	n := a.n.Add(1)
	e := a.tt.newEnd(c.Loop(), false, a.tls, a.tt.seed*1000003+n, fmt.Sprintf("server#%d", n))
	c.SetHandler(e.handler())
	e.OnOpen(c)
}
func (a *acceptor) OnData(c *eddy.Conn, d []byte) int {
	a.tt.failf("acceptor: OnData before OnOpen")
	return len(d)
}
func (a *acceptor) OnDrain(*eddy.Conn) {}
func (a *acceptor) OnClose(c *eddy.Conn, err error) {
	// Only a connection that never opened gets here.
	a.fails.Add(1)
	if !a.tt.okCloseErr(err) {
		a.tt.failf("acceptor: OnClose before OnOpen with unexpected error %v", err)
	}
}

// --- clients ---

type target struct {
	network, addr string
	tls           bool
}

// dialEddy dials from loop l with a random end.
func (tt *torture) dialEddy(l *eddy.Loop, tg target, id uint64, cfg *tls.Config) {
	p := tt.newPair(id, "eddy/"+tg.network+map[bool]string{true: "+tls"}[tg.tls])
	e := tt.newEnd(l, true, tg.tls, id, fmt.Sprintf("client[%x %s]", id, p.kind))
	e.p, e.in, e.out = p, &p.down, &p.up
	err := l.Post(func() {
		var c *eddy.Conn
		var err error
		h := e.handler()
		if tg.tls {
			c, err = tlsx.Dial(l, tg.network, tg.addr, cfg, h)
		} else {
			c, err = l.Dial(tg.network, tg.addr, h)
		}
		if err != nil {
			if !(tt.stopped.Load() && errors.Is(err, eddy.ErrLoopStopped)) {
				tt.failf("%s: dial: %v", e.name, err)
			}
			e.closed = true
			return
		}
		e.c = c
		var hdr [8]byte
		for i := range hdr {
			hdr[i] = byte(id >> (56 - 8*i))
		}
		if err := c.Write(hdr[:]); err != nil {
			tt.failf("%s: header write before connect: %v", e.name, err)
		}
		if low, _ := c.WriteBuffer(); c.Buffered() > low {
			// The queued id alone may be above a low water mark under
			// 8 bytes: OnDrain follows once it has gone.
			e.aboveLow = true
		}
		if e.rng.IntN(3) == 0 {
			// Writes before the connection (or handshake) completes are
			// queued (held) until it does.
			e.write(1+e.rng.IntN(tt.high), false)
		}
	})
	if err != nil {
		e.closed = true
	}
}

func header(id uint64) []byte {
	var hdr [8]byte
	for i := range hdr {
		hdr[i] = byte(id >> (56 - 8*i))
	}
	return hdr[:]
}

// streamConn is what the goroutine clients need of a connection.
type streamConn interface {
	net.Conn
	CloseWrite() error
}

// goClient drives conn from goroutines: a writer and a slow reader.
// reset, when not nil, makes the connection reset rather than close.
func (tt *torture) goClient(conn streamConn, p *pair, r *rand.Rand, name string, reset func() error, deadlines bool) {
	defer tt.wg.Done()
	done := make(chan struct{})
	rseed := r.Uint64()
	var closeOnce sync.Once
	closeConn := func(rst bool) {
		closeOnce.Do(func() {
			if rst && reset != nil {
				reset()
			}
			conn.Close()
		})
	}
	// The reader.
	go func() {
		defer close(done)
		rr := rand.New(rand.NewPCG(rseed, 3))
		buf := make([]byte, 64<<10)
		var off int64
		for {
			if !tt.ending.Load() && rr.IntN(8) == 0 {
				time.Sleep(time.Duration(rr.IntN(5000)) * time.Microsecond)
			}
			dl := time.Now().Add(20 * time.Second) // a hang, not a timing check
			short := deadlines && !tt.ending.Load() && rr.IntN(6) == 0
			if short {
				dl = time.Now().Add(time.Duration(rr.IntN(2000)) * time.Microsecond)
			}
			conn.SetReadDeadline(dl)
			n, err := conn.Read(buf[:1+rr.IntN(len(buf))])
			if n > 0 {
				if i := streamCheck(p.down.seed, off, buf[:n]); i >= 0 {
					tt.failf("%s: byte %d of the stream is wrong", name, off+int64(i))
					closeConn(true)
					return
				}
				off += int64(n)
				p.down.mu.Lock()
				p.down.rx = off
				p.down.mu.Unlock()
			}
			if err == nil {
				continue
			}
			if short && errors.Is(err, os.ErrDeadlineExceeded) {
				if n != 0 {
					tt.failf("%s: Read returned %d bytes with a deadline error", name, n)
				}
				continue
			}
			p.down.mu.Lock()
			p.down.rxDone = true
			if err == io.EOF {
				p.down.rxEOF = true
			}
			p.down.mu.Unlock()
			if err != io.EOF && errors.Is(err, os.ErrDeadlineExceeded) {
				tt.failf("%s: read hung: %v", name, err)
			}
			return
		}
	}()
	// The writer.
	clean := false
	var off int64
	budget := int64(r.IntN(8 * tt.high))
	mode := r.IntN(10) // how it ends: 0-1 reset, 2-4 close, else CloseWrite
	_, _ = conn.Write(header(p.id))
	buf := make([]byte, 32<<10)
	for !tt.ending.Load() && off < budget && r.IntN(60) != 0 {
		n := 1 + r.IntN(len(buf))
		streamFill(p.up.seed, off, buf[:n])
		dl := time.Now().Add(20 * time.Second)
		short := deadlines && r.IntN(6) == 0
		if short {
			dl = time.Now().Add(time.Duration(r.IntN(2000)) * time.Microsecond)
		}
		conn.SetWriteDeadline(dl)
		k, err := conn.Write(buf[:n])
		off += int64(k)
		p.up.addTx(k)
		if err != nil {
			if short && errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			if errors.Is(err, os.ErrDeadlineExceeded) {
				tt.failf("%s: write hung: %v", name, err)
			}
			goto out
		}
		if r.IntN(4) == 0 {
			time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
		}
	}
	conn.SetWriteDeadline(time.Time{})
	switch {
	case mode < 2 && !tt.ending.Load():
		closeConn(true)
		<-done
		return
	case mode < 5 && !tt.ending.Load():
		closeConn(false)
		clean = true
		<-done
		p.up.mu.Lock()
		p.up.senderClean, p.up.senderDone = clean, true
		p.up.mu.Unlock()
		return
	default:
		clean = conn.CloseWrite() == nil
	}
out:
	p.up.mu.Lock()
	p.up.senderClean, p.up.senderDone = clean, true
	p.up.mu.Unlock()
	<-done
	closeConn(false)
}

// dialGo starts a goroutine client: a plain net.Conn (kind "net") or the
// eddy adapter (kind "adapter") on loop l.
func (tt *torture) dialGo(l *eddy.Loop, tg target, id uint64, adapter bool, cfg *tls.Config) {
	kind := "net/"
	if adapter {
		kind = "adapter/"
	}
	p := tt.newPair(id, kind+tg.network+map[bool]string{true: "+tls"}[tg.tls])
	name := fmt.Sprintf("client[%x %s]", id, p.kind)
	r := rand.New(rand.NewPCG(id, 5))
	tt.wg.Add(1)
	go func() {
		var conn streamConn
		var reset func() error
		switch {
		case adapter && tg.tls:
			ch := make(chan net.Conn, 1)
			if err := l.Post(func() {
				c, err := tlsx.Dial(l, tg.network, tg.addr, cfg, &eddy.BaseHandler{})
				if err != nil {
					if !(tt.stopped.Load() && errors.Is(err, eddy.ErrLoopStopped)) {
						tt.failf("%s: dial: %v", name, err)
					}
					ch <- nil
					return
				}
				ch <- eddy.NetConn(c)
			}); err != nil {
				ch <- nil
			}
			nc := <-ch
			if nc == nil {
				tt.wg.Done()
				return
			}
			conn = nc.(streamConn)
		case adapter:
			nc, err := l.DialNet(context.Background(), tg.network, tg.addr)
			if err != nil {
				if !tt.dialRefusedOK(err) {
					tt.failf("%s: dial: %v", name, err)
				}
				tt.wg.Done()
				return
			}
			conn = nc.(streamConn)
		default:
			nc, err := net.Dial(tg.network, tg.addr)
			if err != nil {
				if !tt.dialRefusedOK(err) {
					tt.failf("%s: dial: %v", name, err)
				}
				tt.wg.Done()
				return
			}
			if tc, ok := nc.(*net.TCPConn); ok {
				reset = func() error { return tc.SetLinger(0) }
			}
			if tg.tls {
				conn = tls.Client(nc, cfg)
			} else {
				conn = nc.(streamConn)
			}
		}
		tt.mu.Lock()
		p.caddr = fmt.Sprint(conn.LocalAddr())
		tt.mu.Unlock()
		// A crypto/tls connection whose Write (or handshake) passed a deadline
		// is broken for good, so the plain TLS client uses none.
		tt.goClient(conn, p, r, name, reset, adapter || !tg.tls && r.IntN(2) == 0)
	}()
}

// --- one run ---

func tortureOnce(t *testing.T, seed uint64, active time.Duration, pki *torturePKI) int64 {
	leakcheck.Check(t)
	r := rand.New(rand.NewPCG(seed, 1))
	tt := &torture{t: t, seed: seed, pairs: map[uint64]*pair{}}
	tt.high = []int{8 << 10, 32 << 10, 128 << 10}[r.IntN(3)]
	tt.low = r.IntN(tt.high / 2)
	loopOpts := []eddy.Option{
		eddy.WithWriteBuffer(tt.low, tt.high),
		eddy.WithWorkers(2),
		// No handler here panics: a panic the loop recovers (and would
		// only log) is a bug in eddy or tlsx.
		eddy.WithPanicHandler(func(v any, stack []byte) {
			tt.failf("panic in a loop callback: %v\n%s", v, stack)
		}),
	}
	nloops := 1 + r.IntN(2)
	handoff := r.IntN(2) == 0
	gopts := []eddy.GroupOption{eddy.WithLoops(nloops), eddy.WithLoopOptions(loopOpts...)}
	if handoff {
		gopts = append(gopts, eddy.WithHandoff())
	}
	g, err := eddy.NewGroup(gopts...)
	if err != nil {
		t.Fatal(err)
	}
	stopAtEnd := r.IntN(4) == 0
	t.Logf("seed %d: %d loop(s), handoff %v, water marks %d/%d, stop %v", seed, nloops, handoff, tt.low, tt.high, stopAtEnd)
	g.Start()
	var targets []target
	accs := []*acceptor{{tt: tt}, {tt: tt, tls: true}, {tt: tt}}
	addr, err := g.Listen("tcp", "127.0.0.1:0", accs[0])
	if err != nil {
		t.Fatal(err)
	}
	targets = append(targets, target{"tcp", addr.String(), false})
	addr, err = tlsx.ListenGroup(g, "tcp", "127.0.0.1:0", pki.server, accs[1])
	if err != nil {
		t.Fatal(err)
	}
	targets = append(targets, target{"tcp", addr.String(), true})
	if (handoff || nloops == 1) && runtime.GOOS != "windows" { // Wine has no AF_UNIX
		path := filepath.Join(t.TempDir(), "s.sock")
		if _, err := g.Listen("unix", path, accs[2]); err != nil {
			t.Fatal(err)
		}
		targets = append(targets, target{"unix", path, false})
	}

	// Start clients until the active time is over.
	deadline := time.Now().Add(active)
	n := 0
	for time.Now().Before(deadline) {
		tg := targets[r.IntN(len(targets))]
		id := r.Uint64()
		switch k := r.IntN(3); k {
		case 0:
			tt.dialEddy(g.Next(), tg, id, pki.client)
		default:
			tt.dialGo(g.Next(), tg, id, k == 2, pki.client)
		}
		n++
		time.Sleep(time.Duration(r.IntN(8000)) * time.Microsecond)
	}
	tt.ending.Store(true)
	if stopAtEnd {
		tt.stopped.Store(true)
		g.Stop()
		if err := g.Wait(); err != nil {
			t.Error(err)
		}
	}
	tt.wg.Wait() // the goroutine clients have ended
	if !stopAtEnd {
		tt.mu.Lock()
		failed := len(tt.fails) > 0
		tt.mu.Unlock()
		if failed {
			tt.dumpOpen(g, "when the run failed") // while the loops still run
		}
		// A shutdown that hangs shows what is left open before it gives
		// up (and the loops stop).
		stopDump, dumped := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(dumped)
			select {
			case <-stopDump:
			case <-time.After(15 * time.Second):
				tt.dumpOpen(g, "15 s into the shutdown")
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a hang, not a timing check
		err := g.Shutdown(ctx)
		cancel()
		close(stopDump)
		<-dumped
		if err != nil {
			tt.failf("graceful shutdown: %v", err)
			tt.stopped.Store(true)
		}
	}
	tt.posters.Wait() // the posters have ended (the loops have)

	// Final checks.
	for i, l := range g.Loops() {
		if s := l.Stats(); s.Conns != 0 || s.Listeners != 0 {
			tt.failf("loop %d after the end: %d conns, %d listeners", i, s.Conns, s.Listeners)
		}
	}
	tt.mu.Lock()
	ends := tt.ends
	tt.mu.Unlock()
	for _, e := range ends {
		if e.c != nil && !e.closed {
			tt.failf("%s: no OnClose", e.name)
		}
	}
	if n, lost := tt.idlessEOFs.Load(), tt.lostHeaders.Load(); n > lost {
		tt.failf("%d server ends saw their peer's end of stream before its id, but only %d clients aborted with their id queued", n, lost)
	}
	for _, p := range tt.pairs {
		for _, d := range []struct {
			name string
			d    *dir
		}{{"up", &p.up}, {"down", &p.down}} {
			dd := d.d
			if dd.rx > dd.tx {
				tt.failf("pair %x (%s) %s: read %d bytes, but only %d were written", p.id, p.kind, d.name, dd.rx, dd.tx)
			}
			if dd.rxEOF && dd.senderClean && dd.rx != dd.tx {
				tt.failf("pair %x (%s) %s: clean end of stream after %d bytes, but %d were written and flushed", p.id, p.kind, d.name, dd.rx, dd.tx)
			}
		}
	}
	tt.mu.Lock()
	defer tt.mu.Unlock()
	for _, f := range tt.fails {
		t.Error(f)
	}
	if len(tt.fails) > 0 {
		t.Errorf("seed %d failed; replay with EDDY_TORTURE_SEED=%d", seed, seed)
	}
	t.Logf("seed %d: %d clients, %d actions", seed, n, tt.actions.Load())
	return tt.actions.Load()
}

// dumpOpen logs the state of every connection not yet closed, on its
// loop, so that a failure (a hang) shows what was left. when says at
// what point: what is open right after a failure may only be in
// progress, what is open long into the shutdown hangs.
func (tt *torture) dumpOpen(g *eddy.Group, when string) {
	tt.mu.Lock()
	ends := append([]*end(nil), tt.ends...)
	tt.mu.Unlock()
	for _, l := range g.Loops() {
		done := make(chan struct{})
		if l.Post(func() {
			defer close(done)
			for _, e := range ends {
				if e.l != l || e.c == nil || e.closed {
					continue
				}
				c := e.c
				tt.t.Logf("open %s: %s: opened %v localClosed %v aborted %v shutWr %v paused %v eof %v wantDrain %v; "+
					"rx %d tx %d budget %d; Closed %v Paused %v Writable %v Buffered %d PeerClosed %v",
					when, e.name, e.opened, e.localClosed, e.aborted, e.shutWr, e.paused, e.eof, e.wantDrain,
					e.rxOff, e.txOff, e.budget, c.Closed(), c.Paused(), c.Writable(), c.Buffered(), tlsx.PeerClosed(c))
				// (A Unix socket's client has no address to find it by.)
				if e.p == nil && c.Network() != "unix" {
					ra := fmt.Sprint(c.RemoteAddr())
					tt.mu.Lock()
					for _, p := range tt.pairs {
						if p.caddr == ra {
							p.up.mu.Lock()
							tt.t.Logf("   its client: pair %x %s: up tx %d senderDone %v senderClean %v", p.id, p.kind, p.up.tx, p.up.senderDone, p.up.senderClean)
							p.up.mu.Unlock()
						}
					}
					tt.mu.Unlock()
				}
			}
		}) != nil {
			continue
		}
		<-done
	}
}

// --- certificates ---

type torturePKI struct {
	server, client *tls.Config
}

func newTorturePKI(t *testing.T) *torturePKI {
	key, err := ecdsa.GenerateKey(elliptic.P256(), crand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "eddy torture"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(crand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &torturePKI{
		server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}},
		client: &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
	}
}
