package httpserver_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// halfClose sends req, shuts down the client's writing side (as "nc -N"
// or a client that signals the end of its request does) and returns all
// that the server sends until it closes. A server that does not close
// fails the read at the deadline.
func halfClose(t *testing.T, addr, req string) string {
	t.Helper()
	c, _ := dial(t, addr)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("after %q and a half close: read %q, %v", req, b, err)
	}
	return string(b)
}

// wantResponses checks that got holds the responses with these bodies,
// in order, and nothing after them.
func wantResponses(t *testing.T, got string, bodies ...string) {
	t.Helper()
	r := strings.NewReader(got)
	br := bufio.NewReader(r)
	for i, want := range bodies {
		resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
		if err != nil {
			t.Fatalf("response %d of %q: %v", i, got, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || string(b) != want {
			t.Fatalf("response %d: %d %q %v, want 200 %q (all: %q)", i, resp.StatusCode, b, err, want, got)
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) > 0 {
		t.Fatalf("after the responses: %q", rest)
	}
}

// With HalfClose, a client that sends a request and half-closes still
// gets the response that the handler sends later, then the connection
// closes.
func TestHalfCloseAsyncResponse(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), IdleTimeout: time.Minute, HalfClose: true}, 1)
	got := halfClose(t, addr, "GET /delay/20 HTTP/1.1\r\nHost: x\r\n\r\n")
	wantResponses(t, got, "delay 20")
}

// So do pipelined requests, in order.
func TestHalfClosePipelined(t *testing.T) {
	leakcheck.Check(t)
	addr, _ := start(t, &httpserver.Server{Handler: testHandler(), IdleTimeout: time.Minute, HalfClose: true}, 1)
	got := halfClose(t, addr, "GET /delay/30 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /delay/1 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /delay/10 HTTP/1.1\r\nHost: x\r\n\r\n")
	wantResponses(t, got, "delay 30", "delay 1", "delay 10")
}

// A net/http handler, which runs off the loop, answers a half-closed
// client too, as net/http's own server does.
func TestHalfCloseStd(t *testing.T) {
	leakcheck.Check(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "from net/http")
	})
	addr, _ := start(t, &httpserver.Server{Handler: httpserver.Std(h), IdleTimeout: time.Minute, HalfClose: true}, 1)
	got := halfClose(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	wantResponses(t, got, "from net/http")
}

// With nothing in flight, a half close closes the connection at once, as
// before: an idle connection, a head cut short, a body cut short (whose
// handler would otherwise wait for the body timeout).
func TestHalfCloseNothingInFlight(t *testing.T) {
	for _, half := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "HalfClose"}[half], func(t *testing.T) {
			leakcheck.Check(t)
			addr, _ := start(t, &httpserver.Server{
				Handler:           testHandler(),
				IdleTimeout:       time.Minute,
				ReadHeaderTimeout: time.Minute,
				ReadBodyTimeout:   time.Minute,
				HalfClose:         half,
			}, 1)
			if got := halfClose(t, addr, ""); got != "" {
				t.Errorf("idle: got %q", got)
			}
			if got := halfClose(t, addr, "GET /delay/1 HTTP/1.1\r\nHo"); got != "" {
				t.Errorf("partial head: got %q", got)
			}
			halfClose(t, addr, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
			// After a complete exchange, the connection is idle again.
			c, br := dial(t, addr)
			c.SetDeadline(time.Now().Add(5 * time.Second))
			io.WriteString(c, "GET /delay/1 HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, body := readResponse(t, br, "GET"); resp.StatusCode != 200 || body != "delay 1" {
				t.Fatalf("got %d %q", resp.StatusCode, body)
			}
			c.(*net.TCPConn).CloseWrite()
			if rest, err := io.ReadAll(br); err != nil || len(rest) > 0 {
				t.Fatalf("after the response and a half close: %q %v", rest, err)
			}
		})
	}
}

// Without HalfClose, the end of the client's stream is a hang-up, as it
// has always been: the response in flight is aborted, so that its work
// stops, and nothing is sent.
func TestHalfCloseDefaultAborts(t *testing.T) {
	leakcheck.Check(t)
	aborted := make(chan bool, 1)
	h := httpserver.HandlerFunc(func(w *httpserver.ResponseWriter, r *httpserver.Request) {
		w.OnAbort(func() { aborted <- true })
		httpserver.Wait(w, r.Loop().Sleep(50*time.Millisecond), func(struct{}, error) {
			io.WriteString(w, "late")
		})
	})
	addr, _ := start(t, &httpserver.Server{Handler: h}, 1)
	if got := halfClose(t, addr, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); got != "" {
		t.Errorf("got %q, want nothing", got)
	}
	select {
	case <-aborted:
	case <-time.After(5 * time.Second):
		t.Fatal("OnAbort never ran")
	}
}
