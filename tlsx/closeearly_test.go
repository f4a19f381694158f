package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestWriteCloseBeforeHandshake: a client dials, writes and closes before
// its handshake has finished (before the TCP connect completes, or while
// the server's handshake is held up), with its handler reading or having
// paused reading. What it wrote is still sent once the handshake is over,
// followed by close_notify: the server, which requires close_notify, gets
// every byte and a clean end.
func TestWriteCloseBeforeHandshake(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	big := bytes.Repeat([]byte("0123456789abcdef"), 32<<10) // 512 KiB: several records and socket writes
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, when := range []string{"dialling", "handshake"} {
			for _, paused := range []bool{false, true} {
				for _, msg := range [][]byte{[]byte("hello"), big} {
					name := tls.VersionName(v) + "/" + when
					if paused {
						name += "/paused"
					}
					if len(msg) > 5 {
						name += "/big"
					}
					t.Run(name, func(t *testing.T) {
						testWriteCloseBeforeHandshake(t, f, v, when, paused, msg)
					})
				}
			}
		}
	}
}

func testWriteCloseBeforeHandshake(t *testing.T, f *fixture, version uint16, when string, paused bool, msg []byte) {
	l := newLoop(t)
	var got []byte
	peerClosed := false
	srv := &handler{data: func(c *eddy.Conn, d []byte) int {
		got = append(got, d...)
		peerClosed = tlsx.PeerClosed(c)
		return len(d)
	}}
	srvCfg := f.server.Clone()
	srvCfg.MaxVersion = version
	var cli *eddy.Conn
	writeClose := func() {
		if paused {
			cli.PauseRead()
		}
		if err := cli.Write(msg); err != nil {
			t.Errorf("Write: %v", err)
		}
		if err := cli.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	if when == "handshake" {
		// The server's handshake waits in GetCertificate, so the client's
		// waits for the server's first flight, while the client writes
		// and closes.
		cert := f.server.Certificates[0]
		srvCfg.Certificates = nil
		srvCfg.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			done := make(chan struct{})
			if err := l.Post(func() { writeClose(); close(done) }); err != nil {
				return nil, err
			}
			<-done
			return &cert, nil
		}
	}
	ln, err := l.Listen("tcp", "127.0.0.1:0", srv,
		eddy.WithLayer(tlsx.ServerLayer(srvCfg, tlsx.WithRequireCloseNotify())))
	if err != nil {
		t.Fatal(err)
	}
	srv.close = func(c *eddy.Conn, _ error) {
		// Where close_notify came matters, not with which read: it may
		// come with the last bytes (one OnData sees PeerClosed) or in a
		// later read of its own, after the last OnData: io_uring's
		// receive completes for each segment as it arrives, where epoll
		// reads all that arrived by the time the loop gets to it.
		// OnClose sees it either way.
		peerClosed = peerClosed || tlsx.PeerClosed(c)
		ln.Close()
	}
	ch := &handler{}
	cli, err = tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, ch)
	if err != nil {
		t.Fatal(err)
	}
	if when == "dialling" {
		writeClose()
	}
	run(t, l, 20*time.Second)
	// The client's OnOpen may run (after its Close) or not, as eddy
	// decides: not when the socket took all of the output at once.
	if ch.closes != 1 || ch.err != nil || ch.opens > 1 {
		t.Errorf("client: OnOpen %d times, OnClose %d times, error %v", ch.opens, ch.closes, ch.err)
	}
	wantOnce(t, "server", srv, 1)
	if srv.err != nil || !bytes.Equal(got, msg) || !peerClosed {
		t.Errorf("server: error %v, got %d of %d bytes (equal %v), close_notify %v",
			srv.err, len(got), len(msg), bytes.Equal(got, msg), peerClosed)
	}
}
