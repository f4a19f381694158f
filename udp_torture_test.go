package eddy

// A seeded, randomized torture test of datagram sockets. One loop owns
// several PacketConns: unconnected UDP sockets on IPv4 and IPv6 loopback,
// UDP sockets connected to a plain net.UDPConn peer, one connected to a
// port nobody listens on, and (not on Windows) a unixgram socket. Plain
// goroutine peers send them random-sized datagrams (0 bytes, small, up to
// the largest UDP payload; over unixgram past the 64 KiB receive buffer
// too) and read what the loop's sockets send back. A loop timer does
// random things: sends of random sizes, closes (then reopens) sockets,
// writes to closed sockets, sends through Post from another goroutine.
//
// Every datagram of 16 bytes or more carries a header: a CRC-32 of the
// rest, the sender's id, a sequence number, its own length and the port
// it was sent to. Invariants, checked as datagrams arrive and at the end:
//   - a datagram received is one that was sent: checksum, length and
//     sequence agree (never merged, split or corrupted), its source is
//     the sender's address, its destination port is the receiving
//     socket's, and no (sender, sequence) arrives twice; zero-length
//     datagrams arrive no more often than they were sent;
//   - a connected socket receives only from its peer;
//   - OnError comes only as documented: ErrRefused on the socket
//     connected to a closed port, ErrTruncated (with the source) for a
//     unixgram datagram past 64 KiB, never on an unconnected UDP socket;
//   - no callback after Close; writes after Close fail with ErrClosed;
//   - no panic reaches the loop's panic handler, and nothing leaks.
//
// UDP may drop datagrams, so no test here waits for any one of them.
//
// EDDY_TORTURE=60s runs it longer, EDDY_TORTURE_SEED=n replays a seed.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/internal/soak"
)

const (
	utHeader  = 16
	utMaxUDP4 = 65507 // the largest UDP payload over IPv4
	utMaxUDP6 = 65527 // and over IPv6 (without jumbograms)
)

// utPool is random bytes that datagram bodies are cut from.
var utPool = func() []byte {
	b := make([]byte, 256<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b
}()

// utFrame fills b (len(b) >= utHeader) as datagram seq of sender id,
// sent to port.
func utFrame(b []byte, rng *rand.Rand, id uint16, seq uint32, port int) {
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint32(b[6:], seq)
	binary.BigEndian.PutUint32(b[10:], uint32(len(b)))
	binary.BigEndian.PutUint16(b[14:], uint16(port))
	// Random bytes from a random place in a fixed random pool: filling
	// 64 KiB byte by byte from rng is slow under -race.
	copy(b[utHeader:], utPool[rng.IntN(len(utPool)/2):])
	binary.BigEndian.PutUint32(b[0:], crc32.ChecksumIEEE(b[4:]))
}

// utSize picks a datagram size: 0, small, mid, or near the maximum.
func utSize(rng *rand.Rand, max int) int {
	switch rng.IntN(6) {
	case 0:
		return 0
	case 1:
		return utHeader + rng.IntN(64)
	case 2:
		return utHeader + rng.IntN(2000)
	case 3:
		return max - rng.IntN(64)
	default:
		return utHeader + rng.IntN(max-utHeader)
	}
}

// utState is what the loop, the peers and the checks share.
type utState struct {
	t      *testing.T
	seed   uint64
	mu     sync.Mutex
	failed atomic.Bool
	// senders: id → its address (for the source check) and next seq.
	senders map[uint16]*utSender
	// seen: receiver key → (sender id, seq) received.
	seen map[string]map[uint64]bool
	// zero: destination key → zero-length datagrams sent and received.
	zeroSent, zeroRecv map[string]int
	nextID             uint16
	delivered          atomic.Int64
	actions            atomic.Int64
}

type utSender struct {
	addr string
	seq  uint32 // next sequence number; those below were sent (or tried)
}

func (s *utState) fail(format string, args ...any) {
	if s.failed.CompareAndSwap(false, true) {
		s.t.Errorf("seed %d (EDDY_TORTURE_SEED=%d to replay): "+format, append([]any{s.seed, s.seed}, args...)...)
	}
}

// newSender registers a sender at addr and returns its id.
func (s *utState) newSender(addr string) uint16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	s.senders[s.nextID] = &utSender{addr: addr}
	return s.nextID
}

// nextSeq returns the next sequence number of sender id.
func (s *utState) nextSeq(id uint16) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	sd := s.senders[id]
	sd.seq++
	return sd.seq - 1
}

func (s *utState) sentZero(dst string) {
	s.mu.Lock()
	s.zeroSent[dst]++
	s.mu.Unlock()
}

// check verifies one datagram p received from from by the socket whose
// address is local (port: its port), connected to raddr when not empty.
func (s *utState) check(where string, local string, port int, raddr string, p []byte, from net.Addr) {
	s.delivered.Add(1)
	fromS := ""
	if from != nil {
		fromS = from.String()
	}
	if raddr != "" && fromS != raddr {
		s.fail("%s (connected to %s) received %d bytes from %s", where, raddr, len(p), fromS)
		return
	}
	if len(p) == 0 {
		s.mu.Lock()
		s.zeroRecv[local]++
		sent, got := s.zeroSent[local], s.zeroRecv[local]
		s.mu.Unlock()
		if got > sent {
			s.fail("%s received %d zero-length datagrams, %d were sent to it", where, got, sent)
		}
		return
	}
	if len(p) < utHeader {
		s.fail("%s received %d bytes from %s: shorter than any datagram sent", where, len(p), fromS)
		return
	}
	if crc := binary.BigEndian.Uint32(p); crc != crc32.ChecksumIEEE(p[4:]) {
		s.fail("%s received a corrupt datagram of %d bytes from %s", where, len(p), fromS)
		return
	}
	id := binary.BigEndian.Uint16(p[4:])
	seq := binary.BigEndian.Uint32(p[6:])
	n := binary.BigEndian.Uint32(p[10:])
	dport := int(binary.BigEndian.Uint16(p[14:]))
	if int(n) != len(p) {
		s.fail("%s received %d bytes of a %d-byte datagram from %s", where, len(p), n, fromS)
		return
	}
	if dport != port {
		s.fail("%s (port %d) received a datagram sent to port %d", where, port, dport)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sd := s.senders[id]
	if sd == nil || seq >= sd.seq {
		s.mu.Unlock()
		s.fail("%s received datagram %d of sender %d, never sent", where, seq, id)
		s.mu.Lock()
		return
	}
	if sd.addr != fromS {
		s.mu.Unlock()
		s.fail("%s received datagram %d of sender %d (%s) from %s", where, seq, id, sd.addr, fromS)
		s.mu.Lock()
		return
	}
	m := s.seen[local]
	if m == nil {
		m = map[uint64]bool{}
		s.seen[local] = m
	}
	k := uint64(id)<<32 | uint64(seq)
	if m[k] {
		s.mu.Unlock()
		s.fail("%s received datagram %d of sender %d twice", where, seq, id)
		s.mu.Lock()
		return
	}
	m[k] = true
}

// utSock is one of the loop's sockets, with what the test knows of it.
type utSock struct {
	st       *utState
	kind     string // "v4", "v6", "conn4", "conn6", "refused", "unix"
	pc       *PacketConn
	id       uint16 // as a sender
	closed   bool
	raddr    string // connected: the peer
	local    string
	port     int
	refusals int
}

func (u *utSock) OnPacket(pc *PacketConn, p []byte, from net.Addr) {
	if u.closed || pc.closed {
		u.st.fail("%s socket %s: OnPacket after Close", u.kind, u.local)
		return
	}
	if u.kind == "refused" {
		u.st.fail("socket connected to a closed port received %d bytes from %v", len(p), from)
		return
	}
	u.st.check(u.kind+" socket "+u.local, u.local, u.port, u.raddr, p, from)
}

func (u *utSock) OnError(pc *PacketConn, err error) {
	if u.closed || pc.closed {
		u.st.fail("%s socket %s: OnError after Close: %v", u.kind, u.local, err)
		return
	}
	var oe *OpError
	if !errors.As(err, &oe) || oe.Op != "read" {
		u.st.fail("%s socket %s: OnError %v: not a read *OpError", u.kind, u.local, err)
		return
	}
	switch {
	case u.kind == "refused" && errors.Is(err, ErrRefused):
		u.refusals++
	case u.kind == "unix" && errors.Is(err, ErrTruncated):
		// Dropped as documented; the source is a sender's path.
		u.st.mu.Lock()
		ok := false
		for _, sd := range u.st.senders {
			if oe.Addr != nil && sd.addr == oe.Addr.String() {
				ok = true
			}
		}
		u.st.mu.Unlock()
		if !ok {
			u.st.fail("unix socket: truncated datagram reported with source %v, not a sender", oe.Addr)
		}
	default:
		u.st.fail("%s socket %s: unexpected OnError %v", u.kind, u.local, err)
	}
}

// utPeer is a plain net.PacketConn goroutine pair: one sends, one reads.
type utPeer struct {
	st    *utState
	kind  string // "v4", "v6" or "unix"
	conn  net.PacketConn
	id    uint16
	local string
	port  int
	max   int
}

func TestUDPTorture(t *testing.T) {
	skipUnderWine(t, "std net cannot open UDP sockets: Wine 8 fails WSAIoctl(SIO_UDP_CONNRESET)")
	total := soak.Duration(t, 0)
	if testing.Short() && total == 0 {
		t.Skip("torture test skipped in -short mode")
	}
	active := 700 * time.Millisecond
	if total > 0 {
		active = 3 * time.Second
	}
	seeds := soak.Seeds(t, []uint64{1, 2, 3}, total, active)
	var actions, delivered int64
	start := time.Now()
	for _, seed := range seeds {
		a, d := udpTortureOnce(t, seed, active)
		actions += a
		delivered += d
		if t.Failed() {
			break
		}
	}
	t.Logf("%d seeds in %v: %d actions, %d datagrams checked", len(seeds), time.Since(start).Round(time.Millisecond), actions, delivered)
}

func udpTortureOnce(t *testing.T, seed uint64, active time.Duration) (int64, int64) {
	leakcheck.Check(t)
	st := &utState{t: t, seed: seed, senders: map[uint16]*utSender{},
		seen: map[string]map[uint64]bool{}, zeroSent: map[string]int{}, zeroRecv: map[string]int{}}
	rng := rand.New(rand.NewPCG(seed, 0x75647021))
	l := newLoop(t, WithPanicHandler(func(v any, stack []byte) {
		st.fail("panic reached the loop's handler: %v\n%s", v, stack)
	}))

	// The peers.
	var peers []*utPeer
	listen := func(kind, network, addr string, max int) {
		c, err := net.ListenPacket(network, addr)
		if err != nil {
			if kind == "v6" {
				return // no IPv6 loopback here
			}
			t.Fatal(err)
		}
		p := &utPeer{st: st, kind: kind, conn: c, local: c.LocalAddr().String(), max: max}
		if ua, ok := c.LocalAddr().(*net.UDPAddr); ok {
			p.port = ua.Port
		}
		p.id = st.newSender(p.local)
		peers = append(peers, p)
	}
	listen("v4", "udp4", "127.0.0.1:0", utMaxUDP4)
	listen("v4", "udp4", "127.0.0.1:0", utMaxUDP4)
	listen("v6", "udp6", "[::1]:0", utMaxUDP6)
	dir := ""
	if runtime.GOOS != "windows" { // no unixgram sockets on Windows
		dir = t.TempDir()
		listen("unix", "unixgram", filepath.Join(dir, "peer.sock"), 100_000)
	}
	hasV6 := false
	for _, p := range peers {
		hasV6 = hasV6 || p.kind == "v6"
	}
	peerOf := func(kind string) *utPeer {
		var ps []*utPeer
		for _, p := range peers {
			if p.kind == kind {
				ps = append(ps, p)
			}
		}
		if len(ps) == 0 {
			return nil
		}
		return ps[rng.IntN(len(ps))]
	}

	// The loop's sockets; socks is read by the peers under st.mu.
	var socks []*utSock
	nUnix := 0
	open := func(kind string) {
		u := &utSock{st: st, kind: kind}
		var pc *PacketConn
		var err error
		switch kind {
		case "v4":
			pc, err = l.ListenPacket("udp4", "127.0.0.1:0", u)
		case "v6":
			pc, err = l.ListenPacket("udp6", "[::1]:0", u)
		case "conn4", "conn6":
			p := peerOf(map[string]string{"conn4": "v4", "conn6": "v6"}[kind])
			u.raddr = p.local
			pc, err = l.DialPacket("udp", p.local, u)
		case "refused":
			c, err2 := net.ListenPacket("udp4", "127.0.0.1:0")
			if err2 != nil {
				t.Fatal(err2)
			}
			addr := c.LocalAddr().String()
			c.Close()
			pc, err = l.DialPacket("udp4", addr, u)
		case "unix":
			nUnix++
			pc, err = l.ListenPacket("unixgram", filepath.Join(dir, fmt.Sprintf("eddy%d.sock", nUnix)), u)
		}
		if err != nil {
			st.fail("open %s: %v", kind, err)
			return
		}
		u.pc = pc
		u.local = pc.LocalAddr().String()
		if ua, ok := pc.LocalAddr().(*net.UDPAddr); ok {
			u.port = ua.Port
		}
		u.id = st.newSender(u.local)
		st.mu.Lock()
		socks = append(socks, u)
		st.mu.Unlock()
	}
	kinds := []string{"v4", "conn4", "refused"}
	if hasV6 {
		kinds = append(kinds, "v6", "conn6")
	}
	if dir != "" {
		kinds = append(kinds, "unix")
	}
	for _, k := range kinds {
		open(k)
	}

	// send makes a datagram from u to dst (nil: its peer) and sends it.
	send := func(rng *rand.Rand, u *utSock, dst net.Addr, dport int, max int) {
		n := utSize(rng, max)
		b := make([]byte, n)
		key := ""
		if dst != nil {
			key = dst.String()
		} else {
			key = u.raddr
		}
		if n == 0 {
			st.sentZero(key)
		} else {
			utFrame(b, rng, u.id, st.nextSeq(u.id), dport)
		}
		var err error
		if dst == nil {
			err = u.pc.Write(b)
		} else {
			err = u.pc.WriteTo(b, dst)
		}
		switch {
		case u.closed:
			if !errors.Is(err, ErrClosed) {
				st.fail("%s socket: send after Close gave %v, want ErrClosed", u.kind, err)
			}
		case err == nil, errors.Is(err, ErrQueueFull):
		case u.kind == "refused" && errors.Is(err, ErrRefused):
			u.refusals++
		default:
			st.fail("%s socket %s: send of %d bytes to %v: %v", u.kind, u.local, n, dst, err)
		}
	}
	// sendFrom sends one datagram from u to a random fitting peer.
	sendFrom := func(rng *rand.Rand, u *utSock) {
		switch u.kind {
		case "conn4", "conn6", "refused":
			max := utMaxUDP4
			if u.kind == "conn6" {
				max = utMaxUDP6
			}
			port := 0
			for _, p := range peers {
				if p.local == u.raddr {
					port = p.port
				}
			}
			send(rng, u, nil, port, max)
		default:
			if p := peerOf(u.kind); p != nil {
				send(rng, u, p.conn.LocalAddr(), p.port, p.max)
			}
		}
	}

	// The peers' goroutines.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i, p := range peers {
		wg.Add(2)
		go func() { // reader
			defer wg.Done()
			buf := make([]byte, 128<<10)
			for {
				n, from, err := p.conn.ReadFrom(buf)
				if err != nil {
					if !errors.Is(err, net.ErrClosed) {
						st.fail("peer %s: read: %v", p.local, err)
					}
					return
				}
				st.check("peer "+p.local, p.local, p.port, "", buf[:n], from)
			}
		}()
		go func() { // sender
			defer wg.Done()
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				st.mu.Lock()
				var cands []*utSock
				for _, u := range socks {
					if u.kind == p.kind || (u.raddr == p.local) || (p.kind == "v4" && u.kind == "conn4") || (p.kind == "v6" && u.kind == "conn6") {
						cands = append(cands, u)
					}
				}
				st.mu.Unlock()
				if len(cands) == 0 {
					time.Sleep(time.Millisecond)
					continue
				}
				u := cands[rng.IntN(len(cands))]
				n := utSize(rng, p.max)
				b := make([]byte, n)
				if n == 0 {
					st.sentZero(u.local)
				} else {
					utFrame(b, rng, p.id, st.nextSeq(p.id), u.port)
				}
				_, err := p.conn.WriteTo(b, u.pc.LocalAddr())
				// A socket closed meanwhile may refuse; a full buffer may
				// too. Neither matters to the invariants.
				_ = err
				st.actions.Add(1)
				if rng.IntN(8) == 0 {
					time.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond)
				}
			}
		}()
	}
	// A goroutine that sends through Post.
	wg.Add(1)
	go func() {
		defer wg.Done()
		rng := rand.New(rand.NewPCG(seed, 0x9057))
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := rng.Uint64()
			if err := l.Post(func() {
				rng := rand.New(rand.NewPCG(r, 1))
				st.mu.Lock()
				var u *utSock
				if len(socks) > 0 {
					u = socks[rng.IntN(len(socks))]
				}
				st.mu.Unlock()
				if u != nil {
					sendFrom(rng, u)
				}
			}); err != nil {
				return // the loop has ended
			}
			st.actions.Add(1)
			time.Sleep(time.Duration(rng.IntN(300)) * time.Microsecond)
		}
	}()

	// The loop's random actions.
	deadline := time.Now().Add(active)
	var tick func()
	tick = func() {
		st.actions.Add(1)
		if time.Now().After(deadline) || st.failed.Load() {
			// Close every socket, then check writes fail as documented.
			st.mu.Lock()
			all := append([]*utSock(nil), socks...)
			st.mu.Unlock()
			for _, u := range all {
				if !u.closed {
					u.closed = true
					if err := u.pc.Close(); err != nil {
						st.fail("close %s: %v", u.kind, err)
					}
				}
				sendFrom(rng, u)
				if err := u.pc.Write([]byte("late")); !errors.Is(err, ErrClosed) {
					st.fail("%s socket: Write after Close gave %v, want ErrClosed", u.kind, err)
				}
			}
			return
		}
		st.mu.Lock()
		u := socks[rng.IntN(len(socks))]
		st.mu.Unlock()
		switch r := rng.IntN(20); {
		case r < 14:
			for range 1 + rng.IntN(4) {
				sendFrom(rng, u)
			}
		case r < 16:
			// Close a socket (it may have been receiving a burst), send
			// on it, and open another of the same kind.
			if !u.closed {
				u.closed = true
				if err := u.pc.Close(); err != nil {
					st.fail("close %s: %v", u.kind, err)
				}
				if err := u.pc.Close(); err != nil {
					st.fail("second close %s: %v", u.kind, err)
				}
				sendFrom(rng, u)
				st.mu.Lock()
				for i, o := range socks {
					if o == u {
						socks = append(socks[:i], socks[i+1:]...)
						break
					}
				}
				st.mu.Unlock()
				open(u.kind)
			}
		case r < 18:
			// Close a socket from inside its own burst of sends.
			if !u.closed && u.kind != "refused" {
				for range 3 {
					sendFrom(rng, u)
				}
				u.closed = true
				u.pc.Close()
				sendFrom(rng, u)
				st.mu.Lock()
				for i, o := range socks {
					if o == u {
						socks = append(socks[:i], socks[i+1:]...)
						break
					}
				}
				st.mu.Unlock()
				open(u.kind)
			}
		default:
			// Let the peers' datagrams pile up in the kernel for a while.
		}
		l.AfterFunc(time.Duration(rng.IntN(2000))*time.Microsecond, tick)
	}
	l.AfterFunc(0, tick)
	dog := time.AfterFunc(active+10*time.Second, func() {
		st.fail("watchdog: loop still running %v after the end", 10*time.Second)
		l.Stop()
	})
	err := l.Run()
	dog.Stop()
	close(stop)
	if err != nil {
		st.fail("Run: %v", err)
	}
	for _, p := range peers {
		p.conn.Close()
	}
	wg.Wait()
	if s := l.Stats(); st.delivered.Load() == 0 {
		st.fail("no datagram arrived anywhere (stats %+v)", s)
	}
	return st.actions.Load(), st.delivered.Load()
}
