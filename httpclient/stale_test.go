package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// oneShotServer answers the first request of each connection and closes
// the connection when the second one arrives, without answering: the
// pooled connection has gone stale under the client's feet.
func oneShotServer(t *testing.T, conns *atomic.Int32) string {
	return rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		readRequest(br)
	})
}

// TestStaleRetryIdempotentOnly: a GET (and a PUT with a fixed body) that
// meets a stale pooled connection is retried once on a new one; a POST is
// not retried, and fails with ErrTruncated.
func TestStaleRetryIdempotentOnly(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := oneShotServer(t, &conns)
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base)
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if r, err := send(c, &httpclient.Request{Method: m, URL: u, Body: []byte("x")}); err != nil || r.Status != 200 {
			t.Fatalf("first %s: %v", m, err)
		}
		if r, err := send(c, &httpclient.Request{Method: m, URL: u, Body: []byte("x")}); err != nil || r.Status != 200 {
			t.Fatalf("%s on a stale connection: %v, want a retry", m, err)
		}
	}
	if _, err := send(c, &httpclient.Request{URL: u}); err != nil {
		t.Fatal(err)
	}
	before := conns.Load()
	_, err := send(c, &httpclient.Request{Method: "POST", URL: u, Body: []byte("x")})
	var re *httpclient.ResponseError
	if !errors.Is(err, httpclient.ErrTruncated) || !errors.As(err, &re) {
		t.Fatalf("POST on a stale connection: %v, want ErrTruncated", err)
	}
	if conns.Load() != before {
		t.Fatal("POST was retried on a new connection")
	}
	// Do: a streamed body is never replayed either.
	if _, _, err := get(t, c, base); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PUT", base, strings.NewReader("stream"))
	req.ContentLength = -1
	if _, err := c.Do(req); !errors.Is(err, httpclient.ErrTruncated) {
		t.Fatalf("streamed PUT: %v, want ErrTruncated", err)
	}
}

// TestCutMidBodyNotPooled: a response cut off mid-body fails with
// ErrTruncated and its connection is gone: the next request dials.
func TestCutMidBodyNotPooled(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path == "/cut" {
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	if _, _, err := get(t, c, base+"/a"); err != nil {
		t.Fatal(err)
	}
	_, body, err := get(t, c, base+"/cut")
	if !errors.Is(err, httpclient.ErrTruncated) || body != "partial" {
		t.Fatalf("got %q %v", body, err)
	}
	if _, _, err := get(t, c, base+"/b"); err != nil {
		t.Fatal(err)
	}
	if n := conns.Load(); n != 2 {
		t.Fatalf("%d connections, want 2", n)
	}
}

// TestStaleRetryAtMaxConnsDials: at MaxConnsPerHost, a request retried
// after a stale pooled connection waits in line, and the connection freed
// next must not carry it: that one is pooled too, and may be just as
// stale (here it is: the server answers one request per connection), and
// the request, retried once already, would fail. It goes on a new
// connection, as an idle one is never given to it either.
func TestStaleRetryAtMaxConnsDials(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := oneShotServer(t, &conns)
	c := &httpclient.Client{Loop: startLoop(t), MaxConnsPerHost: 1}
	u, _ := url.Parse(base)
	if _, err := send(c, &httpclient.Request{URL: u}); err != nil {
		t.Fatal(err)
	}
	// b takes the pooled connection, which the server closes on reading
	// it; c waits, dials in its place and is answered; b, retried, waits
	// behind c for the one connection allowed.
	ub, uc := *u, *u
	ub.Path, uc.Path = "/b", "/c"
	fc := make(chan [2]*future.Future[*httpclient.Response], 1)
	c.Loop.Post(func() {
		fc <- [2]*future.Future[*httpclient.Response]{
			c.Send(&httpclient.Request{URL: &ub}),
			c.Send(&httpclient.Request{URL: &uc}),
		}
	})
	fs := <-fc
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r, err := fs[1].Await(ctx); err != nil || r.Status != 200 {
		t.Fatalf("c: %v", err)
	}
	if r, err := fs[0].Await(ctx); err != nil || r.Status != 200 {
		t.Fatalf("b, retried after a stale connection: %v, want it answered on a new connection", err)
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
}
