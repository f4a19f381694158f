package tlsx_test

import (
	"crypto/tls"
	"errors"
	"net"
	"testing"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/tlsx"
	"golang.org/x/net/nettest"
)

// tlsPipeEnds says which ends of a TLS nettest pipe are loop connections
// with a tlsx layer, seen through eddy.NetConn, and which are crypto/tls
// connections over the net package.
type tlsPipeEnds int

const (
	tlsBothLoop   tlsPipeEnds = iota // c1 dialed on the loop, c2 accepted on the loop
	tlsLoopClient                    // c1 dialed on the loop, c2 a tls.Server over net.Listen
	tlsLoopServer                    // c1 accepted on the loop, c2 a tls.Client over net.Dial
)

// openHandler hands a connection out through eddy.NetConn once its
// handshake has succeeded, or its error if it closes before.
type openHandler struct {
	out chan<- net.Conn
	err chan<- error
}

func (h *openHandler) OnOpen(c *eddy.Conn)                  { h.out <- eddy.NetConn(c) }
func (h *openHandler) OnData(c *eddy.Conn, data []byte) int { return len(data) }
func (h *openHandler) OnDrain(c *eddy.Conn)                 {}
func (h *openHandler) OnClose(c *eddy.Conn, err error) {
	if err == nil {
		err = eddy.ErrClosed
	}
	select {
	case h.err <- err:
	default: // the first error is enough; the loop must not block
	}
}

// tlsNetConnPipe returns a nettest.MakePipe whose pipes are TLS
// connections, with a loop of their own running on its own goroutine for
// the loop ends. stop closes both ends (and the listener), stops the loop
// and waits for Run to return.
func tlsNetConnPipe(t *testing.T, f *fixture, ends tlsPipeEnds) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		l, err := eddy.New(eddy.WithKeepAlive())
		if err != nil {
			return nil, nil, nil, err
		}
		done := make(chan error, 1)
		go func() { done <- l.Run() }()
		var std net.Listener
		stopAll := func() {
			if c1 != nil {
				c1.Close()
			}
			if c2 != nil {
				c2.Close()
			}
			if std != nil {
				std.Close()
			}
			l.Stop()
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
		fail := func(e error) (net.Conn, net.Conn, func(), error) {
			stopAll()
			return nil, nil, nil, e
		}
		// Both handshakes must be waited for together: with a std end,
		// its Handshake and the loop's run at the same time.
		get := func(out <-chan net.Conn, errc <-chan error) (net.Conn, error) {
			select {
			case c := <-out:
				return c, nil
			case err := <-errc:
				return nil, err
			}
		}

		switch ends {
		case tlsLoopClient:
			if std, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
				return fail(err)
			}
			accepted := make(chan net.Conn, 1)
			go func() {
				c, err := std.Accept()
				if err != nil {
					accepted <- nil
					return
				}
				tc := tls.Server(c, f.server)
				if tc.Handshake() != nil {
					tc.Close()
					accepted <- nil
					return
				}
				accepted <- tc
			}()
			out, errc := make(chan net.Conn, 1), make(chan error, 1)
			addr := std.Addr().String()
			if err := l.Post(func() {
				if _, err := tlsx.Dial(l, "tcp", addr, tlsx.ClientConfig(f.client, "localhost:1"), &openHandler{out, errc}); err != nil {
					errc <- err
				}
			}); err != nil {
				std.Close()
				<-accepted
				return fail(err)
			}
			c1, err = get(out, errc)
			if c2 = <-accepted; c2 == nil && err == nil {
				err = errors.New("std TLS server: handshake failed")
			}
			if err != nil {
				return fail(err)
			}
			return c1, c2, stopAll, nil

		default:
			accepted, acceptErr := make(chan net.Conn, 1), make(chan error, 1)
			lnAddr, errc := make(chan net.Addr, 1), make(chan error, 1)
			var ln *eddy.Listener
			if err := l.Post(func() {
				var err error
				ln, err = tlsx.Listen(l, "tcp", "127.0.0.1:0", f.server, &openHandler{accepted, acceptErr})
				errc <- err
				if err == nil {
					lnAddr <- ln.Addr()
				}
			}); err != nil {
				return fail(err)
			}
			if err := <-errc; err != nil {
				return fail(err)
			}
			addr := (<-lnAddr).String()
			defer l.Post(func() { ln.Close() })
			if ends == tlsBothLoop {
				out, derr := make(chan net.Conn, 1), make(chan error, 1)
				if err := l.Post(func() {
					if _, err := tlsx.Dial(l, "tcp", addr, tlsx.ClientConfig(f.client, "localhost:1"), &openHandler{out, derr}); err != nil {
						derr <- err
					}
				}); err != nil {
					return fail(err)
				}
				c1, err = get(out, derr)
				var aerr error
				c2, aerr = get(accepted, acceptErr)
				if err == nil {
					err = aerr
				}
				if err != nil {
					return fail(err)
				}
				return c1, c2, stopAll, nil
			}
			raw, err := net.Dial("tcp", addr)
			if err != nil {
				return fail(err)
			}
			cfg := f.client.Clone()
			cfg.ServerName = "localhost"
			tc := tls.Client(raw, cfg)
			herr := make(chan error, 1)
			go func() { herr <- tc.Handshake() }()
			c1, err = get(accepted, acceptErr)
			if e := <-herr; err == nil {
				err = e
			}
			c2 = tc
			if err != nil {
				return fail(err)
			}
			return c1, c2, stopAll, nil
		}
	}
}

// TestNetConnConformance runs x/net's net.Conn conformance tests on TLS
// connections: a loop connection with a tlsx layer, adapted with
// eddy.NetConn, against another such, and against a crypto/tls connection
// at either end, in TLS 1.3 and 1.2.
func TestNetConnConformance(t *testing.T) {
	for _, v := range []struct {
		name string
		max  uint16
	}{{"TLS13", tls.VersionTLS13}, {"TLS12", tls.VersionTLS12}} {
		f := newFixture(t)
		f.server.MaxVersion = v.max
		for _, tc := range []struct {
			name string
			ends tlsPipeEnds
		}{
			{"Both", tlsBothLoop},
			{"LoopClient", tlsLoopClient},
			{"LoopServer", tlsLoopServer},
		} {
			t.Run(v.name+"/"+tc.name, func(t *testing.T) {
				leakcheck.Check(t)
				nettest.TestConn(t, tlsNetConnPipe(t, f, tc.ends))
			})
		}
	}
}
