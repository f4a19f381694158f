package tlsx_test

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
)

// pausingHandler keeps the first data offered to it, pausing reading, and
// resumes on the next tick; it takes what is offered after that.
type pausingHandler struct {
	handler
	got    []byte
	paused bool
	events []string
}

func (h *pausingHandler) OnData(c *eddy.Conn, d []byte) int {
	if !h.paused {
		h.paused = true
		c.PauseRead()
		c.Loop().NextTick(c.ResumeRead)
		h.events = append(h.events, "kept")
		return 0
	}
	h.got = append(h.got, d...)
	h.events = append(h.events, "data")
	return len(d)
}

func (h *pausingHandler) OnClose(c *eddy.Conn, err error) {
	h.events = append(h.events, "close")
	h.handler.OnClose(c, err)
}

// pausingEOFHandler is a pausingHandler that wants OnEOF.
type pausingEOFHandler struct{ *pausingHandler }

func (h pausingEOFHandler) OnEOF(c *eddy.Conn) {
	h.events = append(h.events, "eof")
	c.Close()
}

// TestCloseNotifyWhilePaused: a peer's last data and its close_notify come
// in one read, and the handler pauses reading in the OnData call that
// offers the data, keeping it. The end of the stream waits, as a socket's
// does while reading is paused: ResumeRead offers the kept data again,
// and only then does OnEOF run (or, for a handler that is not an
// eddy.EOFHandler, the connection close). Before, the close_notify ended
// the stream at once: OnEOF ran while the data was kept, and nothing
// offered it again (a plain handler's connection closed cleanly with the
// data dropped), so the handler never had the peer's last bytes. Found
// by TestTorture (on io_uring, whose reads more often bring both).
func TestCloseNotifyWhilePaused(t *testing.T) {
	leakcheck.Check(t)
	f := newFixture(t)
	for _, eof := range []bool{false, true} {
		name := "Handler"
		if eof {
			name = "EOFHandler"
		}
		t.Run(name, func(t *testing.T) {
			l := newLoop(t)
			ph := &pausingHandler{}
			var h eddy.Handler = ph
			if eof {
				h = pausingEOFHandler{ph}
			}
			var ln *eddy.Listener
			ph.close = func(*eddy.Conn, error) { ln.Close() }
			ln, err := tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, h)
			if err != nil {
				t.Fatal(err)
			}
			cliErr := make(chan error, 1)
			go func() {
				cliErr <- func() error {
					raw, err := net.Dial("tcp", ln.Addr().String())
					if err != nil {
						return err
					}
					defer raw.Close()
					hc := &heldConn{Conn: raw}
					tc := tls.Client(hc, tlsx.ClientConfig(f.client, "localhost:1"))
					if err := tc.Handshake(); err != nil {
						return err
					}
					// The data and the close_notify in one segment.
					hc.hold = true
					if _, err := tc.Write([]byte("hello")); err != nil {
						return err
					}
					if err := tc.CloseWrite(); err != nil {
						return err
					}
					hc.hold = false
					if err := hc.flush(); err != nil {
						return err
					}
					_ = raw.SetReadDeadline(time.Now().Add(20 * time.Second)) // a hang, not a timing check
					_, err = io.Copy(io.Discard, tc)
					return err
				}()
			}()
			run(t, l, 20*time.Second)
			if err := <-cliErr; err != nil {
				t.Errorf("client: %v", err)
			}
			if ph.closes != 1 || ph.err != nil {
				t.Errorf("OnClose %d times, with %v; want once, with nil", ph.closes, ph.err)
			}
			want := "kept data close"
			if eof {
				want = "kept data eof close"
			}
			if got := strings.Join(ph.events, " "); got != want || string(ph.got) != "hello" {
				t.Errorf("events %q, data %q; want %q, %q", got, ph.got, want, "hello")
			}
		})
	}
}
