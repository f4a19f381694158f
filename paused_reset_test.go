package eddy

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// resetClient dials addr with the net package, writes first, waits for
// go (when it is not nil), writes then and resets the connection. It
// reports its error, if any, on the returned channel.
func resetClient(addr, first string, goOn <-chan struct{}, then string) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		if _, err := io.WriteString(c, first); err != nil {
			done <- err
			return
		}
		if goOn != nil {
			<-goOn
		}
		if _, err := io.WriteString(c, then); err != nil {
			done <- err
			return
		}
		done <- c.(*net.TCPConn).SetLinger(0) // Close now resets
	}()
	return done
}

// A paused connection whose peer resets it is dead: OnClose reports the
// reset, once, at once, even though the handler neither reads nor
// writes. Before, nothing was reported until the next write, so the
// descriptor, its buffers and the handler's state lived as long as the
// pause (here, for ever: the test's watchdog ended it).
func TestPausedConnSeesReset(t *testing.T) {
	for _, when := range []string{"open", "data"} {
		t.Run(when, func(t *testing.T) {
			leakcheck.Check(t)
			l := newLoop(t)
			goOn := make(chan struct{})
			closes, datas := 0, 0
			var closeErr error
			var ln *Listener
			h := &funcHandler{
				open: func(c *Conn) {
					if when == "open" {
						c.PauseRead()
						close(goOn)
					}
				},
				data: func(c *Conn, d []byte) int {
					datas++
					if when == "data" {
						c.PauseRead()
						close(goOn)
					}
					return len(d)
				},
				close: func(c *Conn, err error) {
					closes++
					closeErr = err
					ln.Close()
				},
			}
			var err error
			if ln, err = l.Listen("tcp", "127.0.0.1:0", h); err != nil {
				t.Fatal(err)
			}
			done := resetClient(ln.Addr().String(), "first", goOn, "unread")
			run(t, l)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			wantData := 0
			if when == "data" {
				wantData = 1
			}
			if closes != 1 || !errors.Is(closeErr, ErrReset) || datas > wantData {
				t.Fatalf("OnClose %d times (err %v), OnData %d times; want once with ErrReset, OnData at most %d", closes, closeErr, datas, wantData)
			}
			var oe *OpError
			if !errors.As(closeErr, &oe) || oe.Op != "read" {
				t.Fatalf("OnClose(%v); want an *OpError of op read", closeErr)
			}
		})
	}
}

// A paused connection keeps the peer's end of stream (a half close, no
// reset) waiting behind its data: nothing is reported while it is
// paused, and ResumeRead delivers the data, then the end. The same with
// this side's writing shut down first, where the peer's end leaves both
// directions shut (a hang-up, as the poller sees it).
func TestPausedConnKeepsPeerEOF(t *testing.T) {
	for _, mode := range []string{"plain", "closewrite"} {
		t.Run(mode, func(t *testing.T) {
			leakcheck.Check(t)
			l := newLoop(t)
			var got []byte
			resumed, early := false, false
			closes := 0
			var closeErr error
			var ln *Listener
			var conn *Conn
			h := &funcHandler{
				open: func(c *Conn) {
					conn = c
					if mode == "closewrite" {
						c.CloseWrite()
					}
					c.PauseRead()
				},
				data: func(c *Conn, d []byte) int {
					early = early || !resumed
					got = append(got, d...)
					return len(d)
				},
				close: func(c *Conn, err error) {
					early = early || !resumed
					closes++
					closeErr = err
					ln.Close()
				},
			}
			var err error
			if ln, err = l.Listen("tcp", "127.0.0.1:0", h); err != nil {
				t.Fatal(err)
			}
			res := make(chan error, 1)
			go func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					res <- err
					return
				}
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				if _, err := io.WriteString(c, "hello"); err != nil {
					res <- err
					return
				}
				if err := c.(*net.TCPConn).CloseWrite(); err != nil {
					res <- err
					return
				}
				// The end of stream has reached the server's socket (on
				// loopback, before CloseWrite returns): give the loop a
				// few turns to misreport it, then resume.
				l.Post(func() {
					l.AfterFunc(20*time.Millisecond, func() {
						resumed = true
						conn.ResumeRead()
					})
				})
				_, err = io.ReadAll(c)
				res <- err
			}()
			run(t, l)
			if err := <-res; err != nil {
				t.Fatal(err)
			}
			if early || string(got) != "hello" || closes != 1 || closeErr != nil {
				t.Fatalf("read %q, OnClose %d times (err %v), a callback before ResumeRead: %v; want %q, once with nil, none",
					got, closes, closeErr, early, "hello")
			}
		})
	}
}

// After OnEOF, the connection stays open for writing; a reset of the
// peer then closes it with ErrReset at once, even with nothing being
// written, rather than only at the handler's next write.
func TestOnEOFThenResetCloses(t *testing.T) {
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
			c.Write([]byte("seen"))
		},
	}
	var err error
	if ln, err = l.Listen("tcp", "127.0.0.1:0", h); err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	go func() {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			res <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := c.(*net.TCPConn).CloseWrite(); err != nil {
			res <- err
			return
		}
		b := make([]byte, 4)
		if _, err := io.ReadFull(c, b); err != nil {
			res <- err
			return
		}
		res <- c.(*net.TCPConn).SetLinger(0) // Close now resets
	}()
	run(t, l)
	if err := <-res; err != nil {
		t.Fatal(err)
	}
	if eofs != 1 || closes != 1 || !errors.Is(closeErr, ErrReset) {
		t.Fatalf("OnEOF %d times, OnClose %d times (err %v); want 1, 1 with ErrReset", eofs, closes, closeErr)
	}
}
