package tlsx_test

import (
	"errors"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/tlsx"
)

// BenchmarkHandshake measures full TLS 1.3 handshakes (client and server
// both on one loop, ECDSA P-256, no resumption), four at a time.
func BenchmarkHandshake(b *testing.B) {
	f := newFixture(b)
	f.server.SessionTicketsDisabled = true
	l := newLoop(b)
	srv := &handler{}
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, srv)
	if err != nil {
		b.Fatal(err)
	}
	cfg := tlsx.ClientConfig(f.client, "localhost:1")
	started, done := 0, 0
	var failure error
	var cli *handler
	dial := func() {
		started++
		c, err := l.Dial("tcp", ln.Addr().String(), cli)
		if err != nil {
			b.Fatal(err)
		}
		c.SetLayer(tlsx.ClientLayer(cfg))
	}
	cli = &handler{
		open: func(c *eddy.Conn) { c.Close() },
		close: func(_ *eddy.Conn, err error) {
			if err != nil && failure == nil {
				failure = err
			}
			if done++; done == b.N {
				ln.Close()
			} else if started < b.N {
				dial()
			}
		},
	}
	b.ResetTimer()
	for i := 0; i < min(4, b.N); i++ {
		dial()
	}
	if err := l.Run(); err != nil {
		b.Fatal(err)
	}
	if failure != nil {
		b.Fatal(failure)
	}
}

// BenchmarkEcho measures the echo of 64 KiB writes over one TLS connection,
// client and server on one loop: each op is 64 KiB each way.
func BenchmarkEcho(b *testing.B) {
	const chunk = 64 << 10
	f := newFixture(b)
	l := newLoop(b)
	ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, echo())
	if err != nil {
		b.Fatal(err)
	}
	data := pattern(chunk)
	sent, got := 0, 0
	total := b.N * chunk
	pump := func(c *eddy.Conn) {
		for sent < b.N {
			if err := c.Write(data); err != nil {
				if !errors.Is(err, eddy.ErrQueueFull) {
					b.Error(err)
				}
				return
			}
			sent++
		}
	}
	cli := &handler{
		open:  pump,
		drain: pump,
		data: func(c *eddy.Conn, d []byte) int {
			if got += len(d); got == total {
				c.Close()
			}
			return len(d)
		},
		close: func(*eddy.Conn, error) { ln.Close() },
	}
	if _, err := tlsx.Dial(l, "tcp", ln.Addr().String(), f.client, cli); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(chunk)
	b.ResetTimer()
	if err := l.Run(); err != nil {
		b.Fatal(err)
	}
	if cli.err != nil {
		b.Fatal(cli.err)
	}
}
