package eddy

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"golang.org/x/net/nettest"
)

// pipeEnds says which ends of a nettest pipe are loop connections seen
// through the net.Conn adapter, and which are plain net package ones.
type pipeEnds int

const (
	bothAdapted   pipeEnds = iota // c1 dialed with DialNet, c2 accepted with NetConn
	dialAdapted                   // c1 dialed with DialNet, c2 accepted by net.Listen
	acceptAdapted                 // c1 accepted with NetConn, c2 dialed by net.Dial
)

// netConnPipe returns a nettest.MakePipe whose pipes run on a fresh loop
// of their own, on its own goroutine. stop closes both ends and the
// listener, stops the loop and waits for Run to return.
func netConnPipe(t *testing.T, network string, ends pipeEnds) nettest.MakePipe {
	return func() (c1, c2 net.Conn, stop func(), err error) {
		addr := "127.0.0.1:0"
		if network == "unix" {
			addr = filepath.Join(t.TempDir(), "s")
		}
		l, err := New(WithKeepAlive())
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

		if ends == dialAdapted {
			if std, err = net.Listen(network, addr); err != nil {
				return fail(err)
			}
			accepted := make(chan net.Conn, 1)
			go func() {
				c, _ := std.Accept()
				accepted <- c
			}()
			if c1, err = l.DialNet(context.Background(), network, std.Addr().String()); err != nil {
				std.Close()
				<-accepted
				return fail(err)
			}
			c2 = <-accepted
			if c2 == nil {
				return fail(errors.New("accept failed"))
			}
			return c1, c2, stopAll, nil
		}

		// The loop listens, and hands each accepted connection out
		// through the adapter.
		accepted := make(chan net.Conn, 1)
		lnAddr := make(chan net.Addr, 1)
		errc := make(chan error, 1)
		if err := l.Post(func() {
			var ln *Listener
			ln, err := l.Listen(network, addr, &funcHandler{open: func(c *Conn) {
				accepted <- NetConn(c)
				ln.Close()
			}})
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
		a := <-lnAddr
		var dialed net.Conn
		if ends == bothAdapted {
			dialed, err = l.DialNet(context.Background(), network, a.String())
		} else {
			dialed, err = net.Dial(network, a.String())
		}
		if err != nil {
			return fail(err)
		}
		if ends == bothAdapted {
			c1, c2 = dialed, <-accepted
		} else {
			c1, c2 = <-accepted, dialed
		}
		return c1, c2, stopAll, nil
	}
}

// TestNetConnConformance runs x/net's net.Conn conformance tests on the
// adapter, over TCP and Unix sockets, with the adapter at both ends and
// with a net package connection at the other end.
func TestNetConnConformance(t *testing.T) {
	networks := []string{"tcp"}
	if runtime.GOOS != "windows" {
		networks = append(networks, "unix")
	}
	for _, network := range networks {
		for _, tc := range []struct {
			name string
			ends pipeEnds
		}{
			{"Both", bothAdapted},
			{"DialNet", dialAdapted},
			{"NetConn", acceptAdapted},
		} {
			t.Run(network+"/"+tc.name, func(t *testing.T) {
				leakcheck.Check(t)
				nettest.TestConn(t, netConnPipe(t, network, tc.ends))
			})
		}
	}
}
