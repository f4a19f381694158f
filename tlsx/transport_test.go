package tlsx

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// end is one side of an in-memory TLS pair: a *tls.Conn over a transport,
// without eddy.
type end struct {
	t  *transport
	tc *tls.Conn
}

// handshakePair runs a handshake between a client and a server over two
// transports that feed each other directly, one byte at a time when
// bytewise is set, and switches both to the non-blocking mode.
func handshakePair(t testing.TB, scfg, ccfg *tls.Config, bytewise bool) (server, client *end) {
	t.Helper()
	server = &end{t: newTransport(nil, nil)}
	client = &end{t: newTransport(nil, nil)}
	link := func(from, to *end) {
		from.t.post = func() error {
			for _, p := range from.t.takeHandshakeOut() {
				if !bytewise {
					to.t.feed(p)
					continue
				}
				for i := range p {
					to.t.feed(p[i : i+1])
				}
			}
			return nil
		}
	}
	link(server, client)
	link(client, server)
	server.tc = tls.Server(server.t, scfg)
	client.tc = tls.Client(client.t, ccfg)
	errs := make(chan error, 2)
	hs := func(e *end) {
		err := e.tc.Handshake()
		e.t.endTurn() // as runHandshake does
		errs <- err
	}
	go hs(server)
	go hs(client)
	for i := 0; i < 2; i++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	server.t.setAsync()
	client.t.setAsync()
	return server, client
}

func pairConfigs(t testing.TB, version uint16) (scfg, ccfg *tls.Config) {
	pki := newTestPKI(t)
	scfg = &tls.Config{Certificates: []tls.Certificate{pki.Leaf(t, "example.test")}, MaxVersion: version}
	ccfg = &tls.Config{RootCAs: pki.Pool, ServerName: "example.test", MaxVersion: version,
		ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	return scfg, ccfg
}

// readAll reads e's *tls.Conn until it would block, as the loop does.
func readAll(t *testing.T, e *end) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, 100)
	for {
		n, err := e.tc.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Temporary() {
				t.Fatalf("read: %v", err)
			}
			return out
		}
	}
}

// TestWouldBlockNotSticky checks what tlsx rests on: a *tls.Conn read over
// the non-blocking transport returns errWouldBlock when no complete record
// is held, and goes on reading once more bytes come, wherever the bytes are
// cut. The client's input also holds the server's TLS 1.3 session tickets,
// post-handshake messages that are not followed by application data.
func TestWouldBlockNotSticky(t *testing.T) {
	leakcheck.Check(t)
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		scfg, ccfg := pairConfigs(t, v)
		want := []byte("hello, world; and a second record")
		for cut := 0; ; cut++ {
			server, client := handshakePair(t, scfg, ccfg, cut%7 == 0)
			server.tc.Write(want[:5])
			server.tc.Write(want[5:])
			ct := server.t.takeOut()
			if cut > len(ct) {
				break
			}
			// Bytes of the handshake's last flight that the client's
			// handshake did not read stay in its transport, ahead.
			got := readAll(t, client)
			client.t.feed(ct[:cut])
			got = append(got, readAll(t, client)...)
			client.t.feed(ct[cut:])
			got = append(got, readAll(t, client)...)
			if !bytes.Equal(got, want) {
				t.Fatalf("version %x cut %d: got %q", v, cut, got)
			}
			// And the other way, one byte at a time.
			if cut == 0 {
				client.tc.Write(want)
				ct := client.t.takeOut()
				var got []byte
				for i := range ct {
					server.t.feed(ct[i : i+1])
					got = append(got, readAll(t, server)...)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("version %x bytewise: got %q", v, got)
				}
			}
		}
	}
}

// TestTransportEOF checks the end of the stream in both modes.
func TestTransportEOF(t *testing.T) {
	leakcheck.Check(t)
	tr := newTransport(nil, nil)
	tr.feed(record(23, 4)[:6])
	tr.setEOF()
	p := make([]byte, 10)
	if n, err := tr.Read(p); n != 6 || err != nil {
		t.Fatalf("read %d, %v", n, err)
	}
	if _, err := tr.Read(p); err == nil || err.Error() != "EOF" {
		t.Fatalf("read after the end: %v", err)
	}
	tr.abandon()
	if _, err := tr.Read(p); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("read after abandon: %v", err)
	}
	if _, err := tr.Write(p); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after abandon: %v", err)
	}
}

// TestTransportDrained: a transport paused for holding too much input asks
// for reading to resume once the handshake has read it down.
func TestTransportDrained(t *testing.T) {
	leakcheck.Check(t)
	tr := newTransport(nil, nil)
	calls := 0
	tr.drained = func() { calls++ }
	rec := record(22, 16000)
	for tr.buffered() < pauseAt {
		tr.feed(rec)
	}
	tr.paused = true
	p := make([]byte, 4096)
	for tr.buffered() > 0 {
		if _, err := tr.Read(p); err != nil {
			t.Fatal(err)
		}
		if tr.buffered() >= resumeAt && calls != 0 {
			t.Fatal("resumed too early")
		}
	}
	if calls != 1 || tr.paused {
		t.Fatalf("drained called %d times", calls)
	}
}

// FuzzRead encrypts plaintext written in pieces, optionally corrupts one
// byte of the ciphertext and appends raw junk, and feeds the result to the
// peer cut at the given points, reading after each part as the loop does.
// Reads must end (would block, or an error) every time; without damage
// they must return the plaintext exactly.
func FuzzRead(f *testing.F) {
	leakcheck.Check(f)
	scfg, ccfg := pairConfigs(f, tls.VersionTLS13)
	f.Add([]byte("hello, world"), []byte{3, 4}, uint16(0), []byte(nil))
	f.Add([]byte("a longer message split in several records"), []byte{1, 1, 9, 30, 2}, uint16(17), []byte(nil))
	f.Add([]byte("x"), []byte{}, uint16(0), []byte{23, 3, 3, 0, 1, 0})
	f.Add(bytes.Repeat([]byte("big"), 7000), []byte{255, 0, 200}, uint16(0), []byte{21, 3, 3, 0, 2, 1, 0})
	f.Fuzz(func(t *testing.T, plain, cuts []byte, flip uint16, junk []byte) {
		server, client := handshakePair(t, scfg, ccfg, false)
		rest := plain
		for i := 0; len(rest) > 0; i++ {
			n := len(rest)
			if i < len(cuts) && int(cuts[i])*64 < n && cuts[i] > 0 {
				n = int(cuts[i]) * 64
			}
			if _, err := client.tc.Write(rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		ct := append([]byte(nil), client.t.takeOut()...)
		damaged := false
		if flip != 0 && len(ct) > 0 {
			ct[int(flip)%len(ct)] ^= byte(flip>>8) | 1
			damaged = true
		}
		ct = append(ct, junk...)
		var got []byte
		var failed error
		buf := make([]byte, 1000)
		read := func() {
			for failed == nil {
				n, err := server.tc.Read(buf)
				got = append(got, buf[:n]...)
				if err != nil {
					if !errors.Is(err, errWouldBlock) {
						failed = err
					}
					return
				}
			}
		}
		off := 0
		for i := 0; off < len(ct); i++ {
			n := len(ct) - off
			if i < len(cuts) && int(cuts[i]) < n {
				n = int(cuts[i])
			}
			server.t.feed(ct[off : off+n])
			off += n
			read()
		}
		read()
		if !damaged && len(junk) == 0 && (failed != nil || !bytes.Equal(got, plain)) {
			t.Fatalf("got %d of %d bytes, error %v", len(got), len(plain), failed)
		}
		if !bytes.Equal(got, plain[:min(len(got), len(plain))]) {
			t.Fatal("read bytes that were not written")
		}
	})
}
