package dns

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// testLoop stands in for eddy's event loop in tests against real servers:
// one goroutine runs posted functions in order. The resolver, the clock's
// timers and the transport's callbacks all run there.
type testLoop struct {
	ch   chan func()
	quit chan struct{}
}

func newTestLoop(t *testing.T) *testLoop {
	l := &testLoop{ch: make(chan func(), 1024), quit: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case fn := <-l.ch:
				fn()
			case <-l.quit:
				return
			}
		}
	}()
	t.Cleanup(func() { close(l.quit); <-done })
	return l
}

// post queues fn; it is dropped once the loop has stopped.
func (l *testLoop) post(fn func()) {
	select {
	case l.ch <- fn:
	case <-l.quit:
	}
}

// do runs fn on the loop and waits for it.
func (l *testLoop) do(fn func()) {
	done := make(chan struct{})
	l.post(func() { fn(); close(done) })
	select {
	case <-done:
	case <-l.quit:
	}
}

// realClock is wall time plus an offset the test can move forward (to
// expire cache entries without sleeping), with timers that fire on the
// loop.
type realClock struct {
	l      *testLoop
	offset time.Duration // loop-only
}

func (c *realClock) Now() time.Time { return time.Now().Add(c.offset) }

func (c *realClock) Delay(d time.Duration, fn func()) func() {
	stopped := false // loop-only
	t := time.AfterFunc(d, func() {
		c.l.post(func() {
			if !stopped {
				stopped = true
				fn()
			}
		})
	})
	return func() { stopped = true; t.Stop() }
}

// netTransport implements Transport with package net and a goroutine per
// exchange: fine for tests, the very thing the loop transport avoids.
type netTransport struct {
	l        *testLoop
	udpCount atomic.Int64
	tcpCount atomic.Int64
}

func (tr *netTransport) ExchangeUDP(server netip.AddrPort, q []byte, cb func(netip.AddrPort, []byte)) (func(), error) {
	local := netip.AddrPortFrom(netip.IPv4Unspecified(), 0)
	if server.Addr().Is6() && !server.Addr().Is4In6() {
		local = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	}
	conn, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(local)) // fresh ephemeral port
	if err != nil {
		return nil, err
	}
	if _, err := conn.WriteToUDPAddrPort(q, server); err != nil {
		conn.Close()
		return nil, err
	}
	tr.udpCount.Add(1)
	canceled := false // loop-only
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			resp := append([]byte(nil), buf[:n]...)
			tr.l.post(func() {
				if !canceled {
					cb(from, resp)
				}
			})
		}
	}()
	return func() { canceled = true; conn.Close() }, nil
}

func (tr *netTransport) ExchangeTCP(server netip.AddrPort, q []byte, cb func([]byte, error)) (func(), error) {
	frame, err := AppendTCPFrame(nil, q)
	if err != nil {
		return nil, err
	}
	tr.tcpCount.Add(1)
	ctx, stop := context.WithCancel(context.Background())
	canceled := false // loop-only
	go func() {
		resp, err := tcpRoundTrip(ctx, server, frame)
		tr.l.post(func() {
			if !canceled {
				canceled = true
				cb(resp, err)
			}
		})
	}()
	return func() { canceled = true; stop() }, nil
}

func tcpRoundTrip(ctx context.Context, server netip.AddrPort, frame []byte) ([]byte, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", server.String())
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if _, err := conn.Write(frame); err != nil {
		return nil, err
	}
	var n [2]byte
	if _, err := io.ReadFull(conn, n[:]); err != nil {
		return nil, err
	}
	resp := make([]byte, binary.BigEndian.Uint16(n[:]))
	if _, err := io.ReadFull(conn, resp); err != nil {
		return nil, err
	}
	return resp, nil
}

// liveEnv is a resolver on a testLoop with a netTransport.
type liveEnv struct {
	t   *testing.T
	l   *testLoop
	clk *realClock
	tr  *netTransport
	r   *Resolver
}

func newLiveEnv(t *testing.T, cfg *Config) *liveEnv {
	l := newTestLoop(t)
	e := &liveEnv{t: t, l: l, clk: &realClock{l: l}, tr: &netTransport{l: l}}
	l.do(func() { e.r = NewResolver(cfg, e.tr, e.clk) })
	t.Cleanup(func() { l.do(e.r.Close) })
	return e
}

// await starts a lookup on the loop and waits for its callback. The
// generous bound only guards against a hang; nothing asserts on time.
func await[T any](e *liveEnv, start func(cb func(T, error))) (T, error) {
	e.t.Helper()
	type res struct {
		v   T
		err error
	}
	ch := make(chan res, 2)
	e.l.post(func() { start(func(v T, err error) { ch <- res{v, err} }) })
	select {
	case r := <-ch:
		return r.v, r.err
	case <-time.After(60 * time.Second):
		e.t.Fatal("lookup never finished")
		panic("unreachable")
	}
}

func (e *liveEnv) ip(network, host string) ([]netip.Addr, error) {
	e.t.Helper()
	return await(e, func(cb func([]netip.Addr, error)) { e.r.LookupNetIP(network, host, cb) })
}

func (e *liveEnv) stats() (s Stats) {
	e.l.do(func() { s = e.r.Stats() })
	return s
}

func (e *liveEnv) advance(d time.Duration) {
	e.l.do(func() { e.clk.offset += d })
}
