package tlsx_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// TestGarbageFlood: a peer that sends a long stream of bytes that are not
// TLS, or records with nonsense in them, instead of a ClientHello. The
// handshake fails once, with crypto/tls's error, without the server
// reading the whole stream.
func TestGarbageFlood(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	record := append([]byte{22, 3, 1, 0x40, 0}, make([]byte, 16<<10)...)
	for _, tc := range []struct {
		name  string
		chunk []byte
		check func(error) bool
	}{
		{"text", bytes.Repeat([]byte("garbage "), 8<<10), func(err error) bool {
			var rh tls.RecordHeaderError
			return errors.As(err, &rh)
		}},
		{"records", bytes.Repeat(record, 4), func(err error) bool { return err != nil }},
	} {
		l := newLoop(t)
		srv := &handler{}
		ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
		if err != nil {
			t.Fatal(err)
		}
		srv.close = func(*eddy.Conn, error) { ln.Close() }
		sent := make(chan int, 1)
		go func() {
			raw, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				sent <- 0
				return
			}
			defer raw.Close()
			raw.SetDeadline(time.Now().Add(10 * time.Second))
			n := 0
			for n < 256<<20 {
				m, err := raw.Write(tc.chunk)
				n += m
				if err != nil {
					break
				}
			}
			sent <- n
		}()
		run(t, l, 10*time.Second)
		n := <-sent
		wantOnce(t, tc.name, srv, 0)
		if !errors.Is(srv.err, tlsx.ErrHandshake) || !tc.check(srv.err) {
			t.Errorf("%s: %v", tc.name, srv.err)
		}
		if n >= 256<<20 {
			t.Errorf("%s: the server read all %d bytes", tc.name, n)
		}
		t.Logf("%s: peer wrote %d bytes; server %v", tc.name, n, srv.err)
	}
}
