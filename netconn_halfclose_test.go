package eddy

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// closeWriter is the half close of *net.TCPConn and *tls.Conn, which
// proxies call once one direction has ended.
type closeWriter interface{ CloseWrite() error }

// netConnListen listens on a loop running in the background and hands
// every accepted connection, through NetConn, to serve on a goroutine of
// its own. It returns the address; the goroutines are waited for at
// cleanup.
func netConnListen(t *testing.T, serve func(l *Loop, c net.Conn)) string {
	l := newLoop(t, WithKeepAlive())
	var wg sync.WaitGroup
	ready := make(chan string, 1)
	l.Post(func() {
		ln, err := l.Listen("tcp", "127.0.0.1:0", &funcHandler{open: func(c *Conn) {
			nc := NetConn(c)
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(l, nc)
			}()
		}})
		if err != nil {
			t.Error(err)
			ready <- ""
			return
		}
		ready <- ln.Addr().String()
	})
	runInBackground(t, l)
	t.Cleanup(wg.Wait) // before the loop stops: cleanups run last first
	addr := <-ready
	if addr == "" {
		t.FailNow()
	}
	return addr
}

// The adapter's Read returns io.EOF at the peer's half close, and Write
// still works after it: the peer reads the reply. CloseWrite then ends
// the stream after the reply.
func TestNetConnWriteAfterEOF(t *testing.T) {
	leakcheck.Check(t)
	srvErr := make(chan error, 1)
	addr := netConnListen(t, func(_ *Loop, c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := io.ReadAll(c)
		if err != nil {
			srvErr <- err
			return
		}
		if _, err := c.Read(make([]byte, 1)); err != io.EOF {
			srvErr <- errors.New("second read after EOF: " + errString(err))
			return
		}
		if _, err := io.WriteString(c, "reply to "+string(req)); err != nil {
			srvErr <- err
			return
		}
		cw, ok := c.(closeWriter)
		if !ok {
			srvErr <- errors.New("NetConn has no CloseWrite")
			return
		}
		if err := cw.CloseWrite(); err != nil {
			srvErr <- err
			return
		}
		if _, err := c.Write([]byte("x")); err == nil {
			srvErr <- errors.New("Write after CloseWrite succeeded")
			return
		}
		srvErr <- nil
	})
	r := <-halfCloseClient(addr, "ping")
	if r.err != nil || r.got != "reply to ping" {
		t.Errorf("client read %q, %v; want %q", r.got, r.err, "reply to ping")
	}
	if err := <-srvErr; err != nil {
		t.Error(err)
	}
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// A proxy made of two NetConns and io.Copy both ways, as goroutine code
// writes one over the net package, forwards a half close: the client
// sends a request and shuts down its writing side, the backend reads to
// the end, answers and closes, and the answer comes back to the client.
func TestNetConnProxyHalfClose(t *testing.T) {
	leakcheck.Check(t)

	// The backend, on the net package: it reads the whole request, to
	// its end of stream, before it answers.
	back, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	backDone := make(chan error, 1)
	go func() {
		c, err := back.Accept()
		if err != nil {
			backDone <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		req, err := io.ReadAll(c)
		if err != nil {
			backDone <- err
			return
		}
		_, err = io.WriteString(c, strings.ToUpper(string(req)))
		backDone <- err
	}()

	var proxyErrs []error
	var mu sync.Mutex
	report := func(err error) {
		mu.Lock()
		proxyErrs = append(proxyErrs, err)
		mu.Unlock()
	}
	proxyDone := make(chan struct{})
	addr := netConnListen(t, func(l *Loop, front net.Conn) {
		defer close(proxyDone)
		defer front.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		up, err := l.DialNet(ctx, "tcp", back.Addr().String())
		if err != nil {
			report(err)
			return
		}
		defer up.Close()
		var wg sync.WaitGroup
		pipe := func(dst, src net.Conn) {
			defer wg.Done()
			if _, err := io.Copy(dst, src); err != nil {
				report(err)
			}
			if cw, ok := dst.(closeWriter); ok {
				if err := cw.CloseWrite(); err != nil {
					report(err)
				}
			} else {
				report(errors.New("NetConn has no CloseWrite"))
				dst.Close()
			}
		}
		wg.Add(2)
		go pipe(up, front)
		go pipe(front, up)
		wg.Wait()
	})

	req := "hello through the proxy"
	r := <-halfCloseClient(addr, req)
	if r.err != nil || r.got != strings.ToUpper(req) {
		t.Errorf("client read %q, %v; want %q", r.got, r.err, strings.ToUpper(req))
	}
	if err := <-backDone; err != nil {
		t.Errorf("backend: %v", err)
	}
	<-proxyDone
	mu.Lock()
	defer mu.Unlock()
	for _, err := range proxyErrs {
		t.Errorf("proxy: %v", err)
	}
}
