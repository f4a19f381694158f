package httpclient_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// framingResponses are the raw answers of framingServer, by path. A value
// ending in "|close" is followed by the server closing the connection.
var framingResponses = map[string]string{
	"/ok":      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"/head":    "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n",
	"/204":     "HTTP/1.1 204 No Content\r\n\r\n",
	"/304":     "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"x\"\r\n\r\n",
	"/1xx":     "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
	"/close":   "HTTP/1.1 200 OK\r\n\r\nuntil the close|close",
	"/10":      "HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nv1.0|close",
	"/10ka":    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 4\r\n\r\nv1.0",
	"/closehd": "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye|close",
	"/1xx10":   strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 10) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
	"/1xx11":   strings.Repeat("HTTP/1.1 102 Processing\r\n\r\n", 11) + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
}

// framingServer answers each request with framingResponses[path] and
// counts connections.
func framingServer(t *testing.T, conns *atomic.Int32) string {
	return rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			resp, ok := framingResponses[req.URL.Path]
			if !ok {
				resp = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
			}
			resp, closeAfter := strings.CutSuffix(resp, "|close")
			if _, err := io.WriteString(c, resp); err != nil || closeAfter {
				return
			}
		}
	})
}

// TestFramingReuse: after each kind of bodiless or specially framed
// response the next request reuses the connection when the response
// allowed it and opens a new one when it did not. Every request runs under
// a deadline, so that a framing bug fails the test instead of hanging it.
func TestFramingReuse(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := framingServer(t, &conns)
	c := &httpclient.Client{Loop: startLoop(t)}
	steps := []struct {
		method, path string
		status       int
		body         string
		reuse        bool // the connection is kept after it
	}{
		{"HEAD", "/head", 200, "", true},
		{"GET", "/204", 204, "", true},
		{"GET", "/304", 304, "", true},
		{"GET", "/1xx", 200, "final", true},
		{"GET", "/1xx10", 200, "ok", true},
		{"GET", "/close", 200, "until the close", false},
		{"GET", "/10", 200, "v1.0", false},
		{"GET", "/10ka", 200, "v1.0", true},
		{"GET", "/closehd", 200, "bye", false},
	}
	for _, s := range steps {
		for _, api := range []string{"Do", "Send"} {
			before := conns.Load()
			st, body, err := doWithin(t, c, s.method, base+s.path, api)
			if err != nil || st != s.status || body != s.body {
				t.Fatalf("%s %s %s: got %d %q %v, want %d %q", api, s.method, s.path, st, body, err, s.status, s.body)
			}
			st, body, err = doWithin(t, c, "GET", base+"/ok", api)
			if err != nil || st != 200 || body != "ok" {
				t.Fatalf("%s GET /ok after %s: got %d %q %v", api, s.path, st, body, err)
			}
			used := conns.Load() - before
			if s.reuse && used != 0 && before != 0 {
				t.Fatalf("%s %s: %d new connections, want the pooled one reused", api, s.path, used)
			}
			if !s.reuse && used == 0 {
				t.Fatalf("%s %s: connection reused after a response that ends it", api, s.path)
			}
		}
	}
}

// doWithin runs one request through Do or Send with a deadline of a few
// seconds, and returns status and body.
func doWithin(t *testing.T, c *httpclient.Client, method, rawURL, api string) (int, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	type result struct {
		st   int
		body string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, method, rawURL, nil)
		if err != nil {
			done <- result{err: err}
			return
		}
		if api == "Send" {
			r, err := send(c, &httpclient.Request{Method: method, URL: req.URL, Context: ctx})
			if err != nil {
				done <- result{err: err}
				return
			}
			done <- result{st: r.Status, body: string(r.Body)}
			return
		}
		resp, err := c.Do(req)
		if err != nil {
			done <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		done <- result{resp.StatusCode, string(b), err}
	}()
	select {
	case r := <-done:
		return r.st, r.body, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("%s %s %s hung", api, method, rawURL)
		return 0, "", nil
	}
}

// TestInterimFlood: an exchange may bring 10 interim (1xx) responses
// before its final one; the 11th fails the request as a malformed
// response and the connection is dropped, so that a server sending 1xx
// without end cannot hold a request for ever. Before the bound, the
// request waited through any number of them.
func TestInterimFlood(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := framingServer(t, &conns)
	c := &httpclient.Client{Loop: startLoop(t)}
	for _, api := range []string{"Do", "Send"} {
		st, body, err := doWithin(t, c, "GET", base+"/1xx11", api)
		if !errors.Is(err, httpclient.ErrMalformedResponse) {
			t.Fatalf("%s: got %d %q %v, want ErrMalformedResponse", api, st, body, err)
		}
		before := conns.Load()
		if st, body, err := doWithin(t, c, "GET", base+"/ok", api); err != nil || st != 200 || body != "ok" {
			t.Fatalf("%s GET /ok after the flood: got %d %q %v", api, st, body, err)
		}
		if conns.Load() == before {
			t.Fatalf("%s: the flooded connection was reused", api)
		}
	}
}
