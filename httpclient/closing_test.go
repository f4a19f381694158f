package httpclient_test

import (
	"bufio"
	"context"
	"crypto/tls"
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
	"github.com/eddy-go/eddy/internal/testenv"
)

// heldConn holds what is written to it while hold is set, so that the
// bytes of several writes leave in one: the client then reads a response
// and the server's goodbye together.
type heldConn struct {
	net.Conn
	hold bool
	buf  []byte
}

func (h *heldConn) Write(p []byte) (int, error) {
	if h.hold {
		h.buf = append(h.buf, p...)
		return len(p), nil
	}
	return h.Conn.Write(p)
}

func (h *heldConn) flush() error {
	h.hold = false
	// crypto/tls's CloseWrite leaves the write deadline in the past.
	h.Conn.SetWriteDeadline(time.Time{})
	_, err := h.Conn.Write(h.buf)
	h.buf = nil
	return err
}

// goodbyeServer is an https server (crypto/tls) that answers the first
// request of each connection and says goodbye (close_notify) in the same
// TCP write: a keep-alive response the server changed its mind about. A
// request for /redirect is answered 307 to /ok. It counts the requests
// that arrive after its goodbye in late: a client must not send any.
func goodbyeServer(t *testing.T, late *atomic.Int32) (string, *tls.Config) {
	certs := testenv.NewCerts(t)
	cfg := &tls.Config{Certificates: []tls.Certificate{certs.Server}}
	base := rawServer(t, func(c net.Conn, _ *bufio.Reader) {
		hc := &heldConn{Conn: c}
		tc := tls.Server(hc, cfg)
		if err := tc.Handshake(); err != nil {
			return
		}
		br := bufio.NewReader(tc)
		req, err := readRequest(br)
		if err != nil {
			return
		}
		hc.hold = true
		if req.URL.Path == "/redirect" {
			io.WriteString(tc, "HTTP/1.1 307 Temporary Redirect\r\nLocation: /ok\r\nContent-Length: 0\r\n\r\n")
		} else {
			io.WriteString(tc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		tc.CloseWrite() // close_notify; reading goes on
		if hc.flush() != nil {
			return
		}
		if _, err := readRequest(br); err == nil {
			late.Add(1)
		}
	})
	u, _ := url.Parse(base)
	u.Scheme = "https"
	return u.String(), &tls.Config{RootCAs: certs.CAPool}
}

// TestGoodbyeWithResponseNotReused: a response and the server's
// close_notify read together must not leave the connection to the next
// request, which would be written to a server that has said goodbye (a
// POST then fails, since it cannot be sent again). The request waiting
// for the connection (MaxConnsPerHost) and a redirect to the same origin
// both take it at once, before the TLS layer has seen the goodbye.
func TestGoodbyeWithResponseNotReused(t *testing.T) {
	leakcheck.Check(t)
	var late atomic.Int32
	base, tc := goodbyeServer(t, &late)
	l := startLoop(t)
	c := &httpclient.Client{Loop: l, TLSConfig: tc, MaxConnsPerHost: 1}
	u, _ := url.Parse(base + "/ok")
	fc := make(chan [2]*future.Future[*httpclient.Response], 1)
	l.Post(func() {
		fc <- [2]*future.Future[*httpclient.Response]{
			c.Send(&httpclient.Request{Method: "POST", URL: u, Body: []byte("first")}),
			c.Send(&httpclient.Request{Method: "POST", URL: u, Body: []byte("second")}),
		}
	})
	for i, f := range <-fc {
		r, err := f.Await(context.Background())
		if err != nil || r.Status != 200 || string(r.Body) != "ok" {
			t.Fatalf("POST %d: %v", i+1, err)
		}
	}
	ru, _ := url.Parse(base + "/redirect")
	r, err := send(c, &httpclient.Request{Method: "POST", URL: ru, Body: []byte("moved")})
	if err != nil || r.Status != 200 || string(r.Body) != "ok" {
		t.Fatalf("POST through a 307: %v", err)
	}
	c.CloseIdleConnections()
	if n := late.Load(); n != 0 {
		t.Fatalf("%d requests sent after the server's close_notify", n)
	}
}

// earlyServer answers a request for /big as soon as its head has arrived,
// keeping the connection, and reads its body only once release is closed;
// with goodbye it also says goodbye (over TLS, close_notify) right after
// the response. Other requests are answered after their bodies, on
// connections kept open. tc nil serves plain http.
func earlyServer(t *testing.T, tc *tls.Config, goodbye bool, release chan struct{}) string {
	return rawServer(t, func(c net.Conn, br *bufio.Reader) {
		var tconn *tls.Conn
		if tc != nil {
			tconn = tls.Server(c, tc)
			br = bufio.NewReader(tconn)
		}
		for {
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			if req.URL.Path != "/big" {
				io.Copy(io.Discard, req.Body)
			}
			w := io.Writer(c)
			if tconn != nil {
				w = tconn
			}
			io.WriteString(w, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			if req.URL.Path != "/big" {
				continue
			}
			if goodbye {
				if tconn != nil {
					tconn.CloseWrite()
				} else {
					c.(*net.TCPConn).CloseWrite()
				}
			}
			<-release
			io.Copy(io.Discard, req.Body)
			if goodbye {
				io.Copy(io.Discard, br)
				return
			}
		}
	})
}

// bigBody is larger than the socket buffers of both sides and the client's
// write queue: most of it is still queued when the early answer arrives.
const bigBody = 32 << 20

// TestClosingConnNotReused: an https connection whose server answered a
// large POST early and said goodbye right after is still closing, its
// close_notify queued behind the rest of that body, when the next request
// comes: the request goes to a new connection, instead of being refused
// by the closing one and failing (or, for a POST, failing for good).
func TestClosingConnNotReused(t *testing.T) {
	leakcheck.Check(t)
	certs := testenv.NewCerts(t)
	release := make(chan struct{})
	base := earlyServer(t, &tls.Config{Certificates: []tls.Certificate{certs.Server}}, true, release)
	c := &httpclient.Client{Loop: startLoop(t), TLSConfig: &tls.Config{RootCAs: certs.CAPool}, Timeouts: httpclient.Timeouts{Request: time.Minute}}
	u, _ := url.Parse(strings.Replace(base, "http:", "https:", 1) + "/big")
	r, err := send(c, &httpclient.Request{Method: "POST", URL: u, Body: make([]byte, bigBody)})
	if err != nil || r.Status != 200 {
		t.Fatalf("large POST: %v", err)
	}
	defer close(release)
	u2, _ := url.Parse(strings.Replace(base, "http:", "https:", 1) + "/next")
	r, err = send(c, &httpclient.Request{Method: "POST", URL: u2, Body: []byte("next")})
	if err != nil || r.Status != 200 {
		t.Fatalf("POST after a goodbye: %v", err)
	}
}

// TestBusyConnNotReused: a kept connection whose last request body is
// still queued beyond the high water mark (the server answered before
// reading it) cannot take the next request, whose head the queue would
// refuse: the request goes to a new connection rather than hang.
func TestBusyConnNotReused(t *testing.T) {
	leakcheck.Check(t)
	release := make(chan struct{})
	base := earlyServer(t, nil, false, release)
	c := &httpclient.Client{Loop: startLoop(t), Timeouts: httpclient.Timeouts{Request: time.Minute}}
	u, _ := url.Parse(base + "/big")
	r, err := send(c, &httpclient.Request{Method: "POST", URL: u, Body: make([]byte, bigBody)})
	if err != nil || r.Status != 200 {
		t.Fatalf("large POST: %v", err)
	}
	defer close(release)
	u2, _ := url.Parse(base + "/next")
	r, err = send(c, &httpclient.Request{URL: u2})
	if err != nil || r.Status != 200 {
		t.Fatalf("GET after an early answer: %v", err)
	}
}

// TestEarlyCloseStopsBody: a server that answers a large POST before
// reading its body, and closes the connection, gets no more of the body
// than was on its way when the answer arrived: the client stops sending
// instead of writing the rest before closing (RFC 9112 §9.5). The server
// reads only once the client has its answer, so that what it then gets
// is what the client sent afterwards.
func TestEarlyCloseStopsBody(t *testing.T) {
	leakcheck.Check(t)
	got := make(chan int64, 1)
	answered := make(chan struct{})
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 413 Content Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
		<-answered
		n, _ := io.Copy(io.Discard, req.Body)
		got <- n
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base + "/upload")
	r, err := send(c, &httpclient.Request{Method: "POST", URL: u, Body: make([]byte, bigBody)})
	close(answered)
	if err != nil || r.Status != 413 {
		t.Fatalf("got %v", err)
	}
	if n := <-got; n >= bigBody {
		t.Fatalf("the server read the whole body (%d bytes) after its answer", n)
	}
}
