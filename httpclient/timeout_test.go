package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

func itoa(n int) string { return strconv.Itoa(n) }

// silentServer accepts connections and reads them without ever answering.
func silentServer(t *testing.T) string {
	return rawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
}

func isTimeout(err, kind error) bool {
	var te *httpclient.TimeoutError
	var ne net.Error // what code written for the net package looks for
	return errors.Is(err, kind) && errors.Is(err, context.DeadlineExceeded) && errors.As(err, &te) && te.Timeout() &&
		errors.As(err, &ne) && ne.Timeout()
}

func TestConnectTimeout(t *testing.T) {
	leakcheck.Check(t)
	// The TCP connect succeeds but the TLS handshake never does: the
	// connect timeout covers both.
	base := silentServer(t)
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{Connect: 50 * time.Millisecond}}
	_, _, err := get(t, c, "https"+base[len("http"):])
	if !isTimeout(err, httpclient.ErrConnectTimeout) {
		t.Fatalf("got %v, want a connect timeout", err)
	}
}

func TestHeaderAndRequestTimeouts(t *testing.T) {
	leakcheck.Check(t)
	base := silentServer(t)
	l := startLoop(t)
	c := &httpclient.Client{Loop: l, Timeouts: httpclient.Timeouts{ResponseHeader: 50 * time.Millisecond}}
	if _, _, err := get(t, c, base); !isTimeout(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("got %v, want a header timeout", err)
	}
	u, _ := url.Parse(base)
	if _, err := send(c, &httpclient.Request{URL: u}); !isTimeout(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("Send: got %v, want a header timeout", err)
	}
	// The whole-request bound also covers a body that stalls.
	stall := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		readRequest(br)
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
		io.Copy(io.Discard, br)
	})
	c2 := &httpclient.Client{Loop: l, Timeouts: httpclient.Timeouts{Request: 50 * time.Millisecond}}
	if _, _, err := get(t, c2, base); !isTimeout(err, httpclient.ErrRequestTimeout) {
		t.Fatalf("got %v, want a request timeout", err)
	}
	if _, body, err := get(t, c2, stall); !isTimeout(err, httpclient.ErrRequestTimeout) || body != "abc" {
		t.Fatalf("stalled body: %q %v, want a request timeout", body, err)
	}
}

func TestContextDeadline(t *testing.T) {
	leakcheck.Check(t)
	base := silentServer(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base, nil)
	_, err := c.Do(req)
	var ce *httpclient.CancelError
	if !errors.Is(err, httpclient.ErrCanceled) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &ce) {
		t.Fatalf("got %v", err)
	}
	// Cancelling Send's future aborts the request.
	u, _ := url.Parse(base)
	fc := make(chan *future.Future[*httpclient.Response], 1)
	c.Loop.Post(func() { fc <- c.Send(&httpclient.Request{URL: u}) })
	f := <-fc
	c.Loop.Post(func() { f.Cancel(errors.New("enough")) })
	if _, err := f.Await(context.Background()); err == nil {
		t.Fatal("cancelled future resolved")
	}
}

// TestHeaderTimeoutReusedConn checks the connection's header timer, reset
// for each request: a request done in time leaves nothing armed on the
// idle connection, and the next request on it gets a bound of its own.
func TestHeaderTimeoutReusedConn(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		for range 2 {
			if _, err := readRequest(br); err != nil {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		io.Copy(io.Discard, br) // the third request gets no answer
	})
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{ResponseHeader: 40 * time.Millisecond}}
	for i := range 2 {
		if status, body, err := get(t, c, base); err != nil || status != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q %v", i, status, body, err)
		}
		time.Sleep(100 * time.Millisecond) // past the bound, idle
	}
	if _, _, err := get(t, c, base); !isTimeout(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("got %v, want a header timeout", err)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}

// A request that fails before it is written (a bad header value) hands
// its connection to the next request in line; stopping its own timers
// must not disarm that request's header timeout, which the connection
// now holds.
func TestHeaderTimeoutAfterFailedNeighbour(t *testing.T) {
	leakcheck.Check(t)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		io.Copy(io.Discard, br) // later requests get no answer
	})
	u, _ := url.Parse(base)
	c := &httpclient.Client{Loop: startLoop(t), MaxConnsPerHost: 1,
		Timeouts: httpclient.Timeouts{ResponseHeader: 100 * time.Millisecond}}
	fs := make(chan [3]*future.Future[*httpclient.Response], 1)
	c.Loop.Post(func() {
		// The first holds the only connection; the other two wait for it
		// and get it in turn when its response ends.
		first := c.Send(&httpclient.Request{URL: u})
		bad := c.Send(&httpclient.Request{URL: u, Header: http.Header{"X-Bad": {"a\r\nb"}}})
		good := c.Send(&httpclient.Request{URL: u})
		fs <- [3]*future.Future[*httpclient.Response]{first, bad, good}
	})
	f := <-fs
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := f[0].Await(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := f[1].Await(ctx); err == nil {
		t.Fatal("a request with CR LF in a header value was sent")
	}
	if _, err := f[2].Await(ctx); !isTimeout(err, httpclient.ErrHeaderTimeout) {
		t.Fatalf("got %v, want a header timeout", err)
	}
}
