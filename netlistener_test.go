package eddy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
)

// startLoop runs a fresh loop on its own goroutine until the test ends.
func startLoop(t *testing.T) *Loop {
	t.Helper()
	l := newLoop(t, WithKeepAlive())
	runInBackground(t, l)
	return l
}

// net/http's server serves requests on the loop's connections, over TCP
// and Unix sockets, several at once and on kept-alive connections.
func TestListenNetHTTPServer(t *testing.T) {
	for _, network := range []string{"tcp", "unix"} {
		t.Run(network, func(t *testing.T) {
			if network == "unix" {
				skipOnWindows(t, "Unix sockets")
			}
			leakcheck.Check(t)
			l := startLoop(t)
			addr := "127.0.0.1:0"
			if network == "unix" {
				addr = filepath.Join(t.TempDir(), "s")
			}
			ln, err := l.ListenNet(network, addr)
			if err != nil {
				t.Fatal(err)
			}
			if ln.Addr().Network() != network || (network == "unix" && ln.Addr().String() != addr) {
				t.Fatalf("Addr %s %q", ln.Addr().Network(), ln.Addr())
			}
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				fmt.Fprintf(w, "%s %s %d", r.Method, r.URL.Path, len(body))
			})}
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()

			tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, ln.Addr().String())
			}}
			client := &http.Client{Transport: tr}
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < 5; j++ {
						body := strings.Repeat("x", i*j*1000)
						resp, err := client.Post(fmt.Sprintf("http://eddy/r%d", i), "text/plain", strings.NewReader(body))
						if err != nil {
							t.Error(err)
							return
						}
						got, err := io.ReadAll(resp.Body)
						resp.Body.Close()
						if want := fmt.Sprintf("POST /r%d %d", i, len(body)); err != nil || string(got) != want {
							t.Errorf("got %q, %v; want %q", got, err, want)
						}
					}
				}()
			}
			wg.Wait()
			tr.CloseIdleConnections()
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Fatalf("Serve: %v", err)
			}
		})
	}
}

// Close unblocks an Accept with net.ErrClosed, and so does the loop
// stopping.
func TestListenNetCloseUnblocksAccept(t *testing.T) {
	leakcheck.Check(t)
	l := newLoop(t, WithKeepAlive())
	done := make(chan error, 1)
	go func() { done <- l.Run() }()
	ln, err := l.ListenNet("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	accepted := make(chan error, 1)
	go func() {
		_, err := ln.Accept()
		accepted <- err
	}()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	if _, err := ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Accept after Close: %v", err)
	}
	if err := ln.Close(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("second Close: %v", err)
	}

	ln2, err := l.ListenNet("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, err := ln2.Accept()
		accepted <- err
	}()
	l.Stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := <-accepted; !errors.Is(err, net.ErrClosed) || !errors.Is(err, ErrLoopStopped) {
		t.Fatalf("Accept after the loop stopped: %v", err)
	}
	if _, err := l.ListenNet("tcp", "127.0.0.1:0"); !errors.Is(err, ErrLoopClosed) {
		t.Fatalf("ListenNet on a closed loop: %v", err)
	}
}

// queuedNetConns returns how many accepted connections wait for Accept.
func queuedNetConns(ln net.Listener) int {
	nl := ln.(*netListener)
	nl.mu.Lock()
	defer nl.mu.Unlock()
	return len(nl.queue)
}

// waitFor polls cond until it holds, failing the test after a generous
// limit.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(end) {
			t.Fatalf("%s: not after 10s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Connections accepted but not taken wait up to the backlog; beyond it
// the loop stops accepting. Those still waiting when the listener
// closes are closed with it.
func TestListenNetBacklog(t *testing.T) {
	leakcheck.Check(t)
	l := startLoop(t)
	const backlog = 2
	ln, err := l.ListenNet("tcp", "127.0.0.1:0", WithBacklog(backlog))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var clients []net.Conn
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for i := 0; i < 5; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		clients = append(clients, c)
	}
	waitFor(t, "backlog filled", func() bool { return queuedNetConns(ln) == backlog })
	// Give the loop time to accept more, if it wrongly would (the test
	// then catches less, never more).
	time.Sleep(50 * time.Millisecond)
	if n := l.Stats().Accepted; n != backlog {
		t.Fatalf("accepted %d connections with a backlog of %d and no Accept", n, backlog)
	}
	// Accept takes one, and the loop accepts one more.
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	waitFor(t, "accepting resumed", func() bool { return l.Stats().Accepted == backlog+1 })
	// The accepted connection works.
	if _, err := c.Write([]byte("hi")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2)
	if _, err := io.ReadFull(clients[0], buf); err != nil || string(buf) != "hi" {
		t.Fatalf("client read %q, %v", buf, err)
	}
	// Closing the listener closes the two connections still queued: the
	// second and third clients see the end of the stream.
	waitFor(t, "backlog refilled", func() bool { return queuedNetConns(ln) == backlog })
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	for _, cl := range clients[1:3] {
		cl.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := cl.Read(buf); n != 0 || !(err == io.EOF || errors.Is(err, net.ErrClosed) || isReset(err)) {
			t.Fatalf("client of a queued connection read %d, %v", n, err)
		}
	}
}

func isReset(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && strings.Contains(err.Error(), "reset")
}
