package eddy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestLayerDrainAfterReadyFlush: a Write refused with ErrQueueFull while
// output was held for a layer's handshake is followed by OnDrain once the
// handshake is over and the held output has gone, even when the socket
// takes all of it at once (so that no write completion comes to announce
// the drain). Before, OnDrain never came, and a writer waiting for it (the
// net.Conn adapter's Write over TLS) waited for ever. Found by
// TestTorture.
func TestLayerDrainAfterReadyFlush(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	const high = 4096
	got := 0
	ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			got += len(d)
			if got >= high {
				c.Close()
			}
			return len(d)
		},
	}, WithLayer(func(*Conn) Layer { return &xorLayer{key: 0x5a} }))
	if err != nil {
		t.Fatal(err)
	}
	opened, drained, drainedAfterOpen := false, false, false
	var refused error
	c, err := l.Dial("tcp", ln.Addr().String(), &funcHandler{
		open: func(*Conn) { opened = true },
		drain: func(c *Conn) {
			drained = true
			drainedAfterOpen = opened
			c.Close()
		},
		close: func(*Conn, error) { ln.Close() },
	})
	if err != nil {
		t.Fatal(err)
	}
	c.SetLayer(&xorLayer{key: 0x5a})
	c.SetWriteBuffer(high/4, high)
	if err := c.Write(make([]byte, high)); err != nil {
		t.Fatal(err)
	}
	refused = c.Write([]byte("more"))
	run(t, l)
	if !errors.Is(refused, ErrQueueFull) {
		t.Fatalf("second Write before the handshake: %v, want ErrQueueFull", refused)
	}
	if !drained || !drainedAfterOpen {
		t.Fatalf("OnDrain ran: %v (after OnOpen: %v); want it after OnOpen, once the held output has gone", drained, drainedAfterOpen)
	}
}

// TestCloseWriteAfterResetIsReset: a CloseWrite on a connection that the
// peer has reset, before the loop has seen the reset, fails the
// connection with an error matching ErrReset. Before, shutdown's
// ENOTCONN came out as an OpError matching none of the package's
// sentinels. Found by TestTorture.
func TestCloseWriteAfterResetIsReset(t *testing.T) {
	if runtime.GOOS == "windows" {
		// Seen under Wine: shutdown succeeds there and the close is
		// reported as a clean end, not as the reset.
		t.Skip("the ENOTCONN this guards is Unix's shutdown(2)")
	}
	leakcheck.Check(t)
	l := newLoop(t)
	reset := make(chan struct{})
	var closeErr error = errors.New("unset")
	var ln *Listener
	ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{
		data: func(c *Conn, d []byte) int {
			// The peer resets now, while the loop is busy here and cannot
			// see it before CloseWrite.
			reset <- struct{}{}
			<-reset
			c.CloseWrite()
			return len(d)
		},
		close: func(_ *Conn, err error) {
			closeErr = err
			ln.Close()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		nc, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Error(err)
			return
		}
		nc.Write([]byte("x"))
		<-reset
		nc.(*net.TCPConn).SetLinger(0)
		nc.Close()
		reset <- struct{}{}
	}()
	run(t, l)
	if !errors.Is(closeErr, ErrReset) {
		t.Fatalf("OnClose(%v), want an error matching ErrReset", closeErr)
	}
}

// TestLayerPeerDoneWhilePaused: when a layer ends the peer's stream
// within its protocol (PeerDone) in the same read as data that the
// handler keeps, having paused reading, the end waits for ResumeRead, as
// a socket's end of stream does: the kept data is offered again first,
// then OnEOF runs (or, for a handler that is not an EOFHandler, the
// connection closes). Before, OnEOF ran (or the connection closed)
// while the data was kept, and nothing offered it again: the handler
// never had the peer's last bytes. Found by TestTorture, through TLS on
// io_uring.
func TestLayerPeerDoneWhilePaused(t *testing.T) {
	for _, opt := range []bool{true, false} {
		t.Run(map[bool]string{true: "EOFHandler", false: "Handler"}[opt], func(t *testing.T) {
			leakcheck.Check(t)
			l := newLoop(t)
			var events []string
			var got []byte
			var ln *Listener
			fh := funcHandler{
				data: func(c *Conn, d []byte) int {
					if len(events) == 0 {
						events = append(events, "kept")
						c.PauseRead()
						l.NextTick(c.ResumeRead)
						return 0
					}
					events = append(events, "data")
					got = append(got, d...)
					return len(d)
				},
				close: func(c *Conn, err error) {
					events = append(events, fmt.Sprintf("close(%v)", err))
					ln.Close()
				},
			}
			var h Handler = &fh
			if opt {
				h = &eofHandler{funcHandler: fh, eof: func(c *Conn) {
					events = append(events, "eof")
					c.Close()
				}}
			}
			ln, err := l.Listen("tcp", "127.0.0.1:0", h, WithLayer(func(*Conn) Layer { return byeLayer{} }))
			if err != nil {
				t.Fatal(err)
			}
			cliErr := make(chan error, 1)
			go func() {
				cliErr <- func() error {
					c, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						return err
					}
					defer c.Close()
					c.SetDeadline(time.Now().Add(20 * time.Second)) // a hang, not a timing check
					// The data and the goodbye in one write.
					io.WriteString(c, "ping!")
					_, err = io.ReadAll(c)
					return err
				}()
			}()
			run(t, l)
			if err := <-cliErr; err != nil {
				t.Errorf("client: %v", err)
			}
			want := "kept data close(<nil>)"
			if opt {
				want = "kept data eof close(<nil>)"
			}
			if s := strings.Join(events, " "); s != want || string(got) != "ping" {
				t.Fatalf("events %q, data %q; want %q, %q", s, got, want, "ping")
			}
		})
	}
}
