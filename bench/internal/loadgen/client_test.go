//go:build linux

package loadgen

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// echoServer starts a goroutine-per-connection echo server on loopback and
// returns its address. It is stopped when the test ends.
func echoServer(t *testing.T) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					if _, err := c.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return netip.MustParseAddrPort(ln.Addr().String())
}

func TestEcho(t *testing.T) {
	addr := echoServer(t)
	c, err := Dial(addr, 8, DialOptions{MaxPending: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Len() != 8 {
		t.Fatalf("Len = %d, want 8", c.Len())
	}
	started := false
	res, err := c.Echo(EchoConfig{Size: 512, Depth: 4, Duration: 100 * time.Millisecond,
		OnStart: func() { started = true }})
	if err != nil {
		t.Fatal(err)
	}
	if !started {
		t.Fatal("OnStart was not called")
	}
	if res.Messages == 0 || res.Elapsed <= 0 || res.PerSecond() <= 0 {
		t.Fatalf("empty result %+v", res)
	}
}

func TestEchoOnceFromManySources(t *testing.T) {
	addr := echoServer(t)
	srcs := []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("127.0.0.2")}
	c, err := Dial(addr, 20, DialOptions{Sources: srcs})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.EchoOnce(64, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// The connections stay usable for a second round.
	if err := c.EchoOnce(100, 5*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestEchoOnceDetectsMismatch(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s, err := ln.Accept()
		if err != nil {
			return
		}
		defer s.Close()
		buf := make([]byte, 16)
		io.ReadFull(s, buf)
		buf[3] ^= 0xff
		s.Write(buf)
		io.ReadAll(s)
	}()
	c, err := Dial(netip.MustParseAddrPort(ln.Addr().String()), 1, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = c.EchoOnce(16, 5*time.Second)
	c.Close()
	<-done
	if !errors.Is(err, ErrMismatch) {
		t.Fatalf("EchoOnce error = %v, want ErrMismatch", err)
	}
}

func TestEchoServerGone(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		s, err := ln.Accept()
		if err == nil {
			s.Close()
		}
	}()
	c, err := Dial(netip.MustParseAddrPort(ln.Addr().String()), 1, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Echo(EchoConfig{Size: 8, Depth: 1, Duration: 5 * time.Second})
	if !errors.Is(err, ErrClosedByPeer) {
		t.Fatalf("Echo error = %v, want ErrClosedByPeer", err)
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	if _, err := Dial(addr, 2, DialOptions{}); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := Dial(netip.MustParseAddrPort("127.0.0.1:1"), 0, DialOptions{}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Dial(n=0) error = %v", err)
	}
	addr := echoServer(t)
	c, err := Dial(addr, 1, DialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Echo(EchoConfig{Size: 0, Depth: 1, Duration: time.Second}); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("Echo(size 0) error = %v", err)
	}
	if err := c.EchoOnce(0, time.Second); !errors.Is(err, ErrBadConfig) {
		t.Fatalf("EchoOnce(0) error = %v", err)
	}
}
