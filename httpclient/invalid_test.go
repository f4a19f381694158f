package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// hangUpFirstServer hangs up on the first connection after reading one
// request, without answering, and answers every request on the others;
// requests counts the requests read.
func hangUpFirstServer(t *testing.T, requests *atomic.Int32) string {
	var conns atomic.Int32
	return rawServer(t, func(c net.Conn, br *bufio.Reader) {
		first := conns.Add(1) == 1
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			requests.Add(1)
			if first {
				return
			}
			if _, err := io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); err != nil {
				return
			}
		}
	})
}

// TestInvalidRequestTakesNoConnection: a request that cannot be encoded
// (here a field value with a line feed) fails with ErrInvalidRequest
// before a connection is dialled, by Send, Stream and Do alike. Before,
// it dialled one and parked it idle, marked as having carried a response:
// the next request went on it, and when the server hung up without
// answering, that request was retried (the rule for stale pooled
// connections), so the server got the GET twice, on a connection that
// had never carried a response. Now the next request dials the first
// connection, is not retried, and the server gets it once.
func TestInvalidRequestTakesNoConnection(t *testing.T) {
	leakcheck.Check(t)
	bad := http.Header{"X-Bad": {"a\nb"}}
	paths := []struct {
		name string
		do   func(c *httpclient.Client, u *url.URL, h http.Header) error
	}{
		{"Send", func(c *httpclient.Client, u *url.URL, h http.Header) error {
			_, err := send(c, &httpclient.Request{URL: u, Header: h})
			return err
		}},
		{"Stream", func(c *httpclient.Client, u *url.URL, h http.Header) error {
			fc := make(chan *future.Future[*httpclient.Response], 1)
			c.Loop.Post(func() { fc <- c.Stream(&httpclient.Request{URL: u, Header: h}, httpclient.StreamHandler{}) })
			_, err := (<-fc).Await(context.Background())
			return err
		}},
		{"Do", func(c *httpclient.Client, u *url.URL, h http.Header) error {
			req, err := http.NewRequest("GET", u.String(), nil)
			if err != nil {
				return err
			}
			req.Header = h
			resp, err := c.Do(req)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			return err
		}},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			var requests atomic.Int32
			u, _ := url.Parse(hangUpFirstServer(t, &requests) + "/")
			c := &httpclient.Client{Loop: startLoop(t), MaxConnsPerHost: 1}
			defer c.CloseIdleConnections()
			err := p.do(c, u, bad)
			if !errors.Is(err, httpclient.ErrInvalidRequest) {
				t.Fatalf("invalid request: %v, want ErrInvalidRequest", err)
			}
			err = p.do(c, u, nil)
			if !errors.Is(err, httpclient.ErrTruncated) || requests.Load() != 1 {
				t.Fatalf("next request: %v, the server read %d requests; want ErrTruncated and 1 (a new connection is not retried)", err, requests.Load())
			}
		})
	}
}

// TestInvalidRedirectTarget: a redirect to a URL whose host cannot be
// sent (url.Parse takes '<' in a host name; a Host field cannot carry
// it) fails with ErrInvalidRequest, and the connection of the redirect
// stays usable.
func TestInvalidRedirectTarget(t *testing.T) {
	leakcheck.Check(t)
	var conns, requests atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			requests.Add(1)
			resp := "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
			if req.URL.Path == "/redirect" {
				resp = "HTTP/1.1 302 Found\r\nLocation: http://a<b/x\r\nContent-Length: 0\r\n\r\n"
			}
			if _, err := io.WriteString(c, resp); err != nil {
				return
			}
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	defer c.CloseIdleConnections()
	u, _ := url.Parse(base + "/redirect")
	if _, err := send(c, &httpclient.Request{URL: u}); !errors.Is(err, httpclient.ErrInvalidRequest) {
		t.Fatalf("redirect to an invalid host: %v, want ErrInvalidRequest", err)
	}
	u, _ = url.Parse(base + "/ok")
	if r, err := send(c, &httpclient.Request{URL: u}); err != nil || r.Status != 200 {
		t.Fatalf("next request: %v", err)
	}
	if n := conns.Load(); n != 1 || requests.Load() != 2 {
		t.Fatalf("%d connections and %d requests, want 1 and 2", n, requests.Load())
	}
}

// TestInvalidConnectTarget: an https URL whose host cannot be written in
// a CONNECT request fails with ErrInvalidRequest at once, before the
// proxy is dialled, even when a valid Host overrides the URL's host for
// the origin. Before, the proxy was dialled and the tunnel failed with
// ErrProxy, blaming the proxy for the caller's URL.
func TestInvalidConnectTarget(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	proxy := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		io.Copy(io.Discard, br)
	})
	pu, _ := url.Parse(proxy)
	c := &httpclient.Client{Loop: startLoop(t), Proxy: httpclient.ProxyURL(pu)}
	defer c.CloseIdleConnections()
	u, _ := url.Parse("https://a<b/")
	_, err := send(c, &httpclient.Request{URL: u, Host: "example.com"})
	if !errors.Is(err, httpclient.ErrInvalidRequest) || errors.Is(err, httpclient.ErrProxy) {
		t.Fatalf("CONNECT to %q: %v, want ErrInvalidRequest", u.Host, err)
	}
}
