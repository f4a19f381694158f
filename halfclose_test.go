package eddy

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// eofHandler is a funcHandler that opts in to the peer's end of stream.
type eofHandler struct {
	funcHandler
	eof func(c *Conn)
}

func (h *eofHandler) OnEOF(c *Conn) { h.eof(c) }

// halfCloseExchange listens on l with h, setting *ln (which h's OnClose
// closes, so that the loop can end), has halfCloseClient send req,
// runs l until it stops and returns what the client read.
func halfCloseExchange(t *testing.T, l *Loop, h Handler, ln **Listener, req string) halfCloseResult {
	t.Helper()
	var err error
	if *ln, err = l.Listen("tcp", "127.0.0.1:0", h); err != nil {
		t.Fatal(err)
	}
	res := halfCloseClient((*ln).Addr().String(), req)
	run(t, l)
	return <-res
}

// halfCloseClient dials addr with the net package, sends req, shuts down
// its writing side and reads until the end of the stream. The result
// arrives on the returned channel; its error is the read's.
func halfCloseClient(addr string, req string) <-chan halfCloseResult {
	res := make(chan halfCloseResult, 1)
	go func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			res <- halfCloseResult{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			res <- halfCloseResult{err: err}
			return
		}
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			res <- halfCloseResult{err: err}
			return
		}
		b, err := io.ReadAll(c)
		res <- halfCloseResult{got: string(b), err: err}
	}()
	return res
}

type halfCloseResult struct {
	got string
	err error
}

// A handler with OnEOF answers a client that has half-closed, later (as
// after a database call), and the connection closes when it says so.
func TestOnEOFAnswersLater(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	var req []byte
	eofs, closes := 0, 0
	var closeErr error
	var ln *Listener
	h := &eofHandler{
		funcHandler: funcHandler{
			data: func(c *Conn, d []byte) int {
				req = append(req, d...)
				return len(d)
			},
			close: func(c *Conn, err error) {
				closes++
				closeErr = err
				ln.Close()
			},
		},
		eof: func(c *Conn) {
			eofs++
			if !c.Writable() {
				t.Error("not writable after OnEOF")
			}
			l.AfterFunc(10*time.Millisecond, func() {
				if err := c.Write([]byte("reply to " + string(req))); err != nil {
					t.Errorf("write after OnEOF: %v", err)
				}
				c.Close()
			})
		},
	}
	r := halfCloseExchange(t, l, h, &ln, "ping")
	if r.err != nil || r.got != "reply to ping" {
		t.Fatalf("client read %q, %v; want %q", r.got, r.err, "reply to ping")
	}
	if eofs != 1 || closes != 1 || closeErr != nil {
		t.Fatalf("OnEOF %d times, OnClose %d times (err %v); want 1, 1, nil", eofs, closes, closeErr)
	}
}

// After OnEOF, CloseWrite ends the connection: both directions are shut,
// so it closes once the output has gone, and OnClose(nil) follows.
// Pausing and resuming after the end of stream reads nothing more.
func TestOnEOFThenCloseWrite(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	eofs, closes := 0, 0
	var closeErr error
	var ln *Listener
	h := &eofHandler{
		funcHandler: funcHandler{
			close: func(c *Conn, err error) {
				closes++
				closeErr = err
				ln.Close()
			},
		},
		eof: func(c *Conn) {
			eofs++
			c.PauseRead()
			c.ResumeRead()
			l.AfterFunc(10*time.Millisecond, func() {
				c.Write([]byte("bye"))
				c.CloseWrite()
			})
		},
	}
	r := halfCloseExchange(t, l, h, &ln, "hello")
	if r.err != nil || r.got != "bye" {
		t.Fatalf("client read %q, %v; want %q", r.got, r.err, "bye")
	}
	if eofs != 1 || closes != 1 || closeErr != nil {
		t.Fatalf("OnEOF %d times, OnClose %d times (err %v); want 1, 1, nil", eofs, closes, closeErr)
	}
}

// Deadlines still apply after OnEOF, except the read deadline, which
// ends with reading: a handler that never closes is closed by its idle
// timeout.
func TestOnEOFIdleTimeout(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	eofs := 0
	var closeErr error
	var ln *Listener
	h := &eofHandler{
		funcHandler: funcHandler{
			open: func(c *Conn) {
				c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
				c.SetIdleTimeout(200 * time.Millisecond)
			},
			close: func(c *Conn, err error) {
				closeErr = err
				ln.Close()
			},
		},
		eof: func(c *Conn) { eofs++ },
	}
	halfCloseExchange(t, l, h, &ln, "x")
	var oe *OpError
	if eofs != 1 || !errors.Is(closeErr, ErrTimeout) || !errors.As(closeErr, &oe) || oe.Op != "idle" {
		t.Fatalf("OnEOF %d times, OnClose(%v); want 1 and the idle timeout", eofs, closeErr)
	}
}

// A handler without OnEOF is closed at the peer's end of stream, as
// always, once its output has gone.
func TestNoOnEOFClosesAtEndOfStream(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t)
	closes := 0
	var closeErr error
	var ln *Listener
	h := &funcHandler{
		data: func(c *Conn, d []byte) int {
			c.Write([]byte("got " + string(d)))
			return len(d)
		},
		close: func(c *Conn, err error) {
			closes++
			closeErr = err
			ln.Close()
		},
	}
	r := halfCloseExchange(t, l, h, &ln, "x")
	if r.err != nil || r.got != "got x" || closes != 1 || closeErr != nil {
		t.Fatalf("client read %q, %v; OnClose %d times (err %v)", r.got, r.err, closes, closeErr)
	}
}

// A panic in OnEOF closes that connection with a *PanicError.
func TestOnEOFPanic(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithPanicHandler(func(any, []byte) {}))
	var closeErr error
	var ln *Listener
	h := &eofHandler{
		funcHandler: funcHandler{
			close: func(c *Conn, err error) {
				closeErr = err
				ln.Close()
			},
		},
		eof: func(c *Conn) { panic("boom") },
	}
	halfCloseExchange(t, l, h, &ln, "x")
	var pe *PanicError
	if !errors.As(closeErr, &pe) || pe.Value != "boom" {
		t.Fatalf("OnClose(%v); want the panic", closeErr)
	}
}

// byeLayer is a toy layer with an in-band end of stream: a '!' from the
// peer ends its stream inside the layer (as a TLS close_notify does),
// and its own Close sends one.
type byeLayer struct{}

func (byeLayer) Start(lc *LayerConn) { lc.Ready() }

func (byeLayer) Input(lc *LayerConn, p []byte) error {
	if i := indexByte(p, '!'); i >= 0 {
		lc.Deliver(p[:i])
		if !lc.PeerDone() {
			lc.Conn().Close()
		}
		return nil
	}
	lc.Deliver(p)
	return nil
}

func (byeLayer) EOF(lc *LayerConn) error              { return nil }
func (byeLayer) Output(lc *LayerConn, p []byte) error { return lc.WriteRaw(p) }
func (byeLayer) Close(lc *LayerConn)                  { lc.WriteRaw([]byte{'!'}) }

func indexByte(p []byte, b byte) int {
	for i, c := range p {
		if c == b {
			return i
		}
	}
	return -1
}

// A layer whose protocol ends the peer's stream before the socket does
// (LayerConn.PeerDone) gives an EOFHandler its OnEOF, and the handler's
// later writes still go out; without OnEOF, the layer closes as before.
func TestLayerPeerDone(t *testing.T) {
	for _, opt := range []bool{true, false} {
		t.Run(map[bool]string{true: "EOFHandler", false: "Handler"}[opt], func(t *testing.T) {
			leakcheck.Check(t)
			l := newLoop(t)
			var req []byte
			eofs, closes := 0, 0
			var ln *Listener
			fh := funcHandler{
				data: func(c *Conn, d []byte) int {
					req = append(req, d...)
					return len(d)
				},
				close: func(c *Conn, err error) {
					closes++
					ln.Close()
				},
			}
			var h Handler = &fh
			if opt {
				h = &eofHandler{funcHandler: fh, eof: func(c *Conn) {
					eofs++
					l.AfterFunc(10*time.Millisecond, func() {
						c.Write([]byte("reply to " + string(req)))
						c.CloseWrite()
					})
				}}
			}
			ln, err := l.Listen("tcp", "127.0.0.1:0", h, WithLayer(func(*Conn) Layer { return byeLayer{} }))
			if err != nil {
				t.Fatal(err)
			}
			res := make(chan halfCloseResult, 1)
			go func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					res <- halfCloseResult{err: err}
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				io.WriteString(c, "ping!") // the goodbye, but no TCP half close
				b, err := io.ReadAll(c)
				res <- halfCloseResult{got: string(b), err: err}
			}()
			run(t, l)
			r := <-res
			want, wantEOFs := "!", 0
			if opt {
				want, wantEOFs = "reply to ping!", 1
			}
			if r.err != nil || r.got != want || eofs != wantEOFs || closes != 1 || string(req) != "ping" {
				t.Fatalf("client read %q, %v (want %q); server read %q, OnEOF %d times (want %d), OnClose %d times",
					r.got, r.err, want, req, eofs, wantEOFs, closes)
			}
		})
	}
}
