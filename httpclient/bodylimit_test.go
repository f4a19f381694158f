package httpclient_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestMaxResponseBody: Send fails a body beyond MaxResponseBody with
// ErrBodyTooLarge, whether its Content-Length says so, it is chunked, or
// it is a small gzip body that inflates beyond the bound (a decompression
// bomb: 8 MiB of zeros, 8 KiB on the wire); a body within the bound
// arrives whole, and the client goes on working.
func TestMaxResponseBody(t *testing.T) {
	leakcheck.Check(t)
	const max = 1 << 20
	var bomb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&bomb, gzip.BestCompression)
	zw.Write(make([]byte, 8<<20))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The client gives up on a body too large and aborts; a write
		// that never learns of it (under Wine the abort is not seen)
		// must not hold the server's Close for ever.
		http.NewResponseController(w).SetWriteDeadline(time.Now().Add(10 * time.Second))
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		switch r.URL.Path {
		case "/bomb":
			w.Header().Set("Content-Encoding", "gzip")
			w.Write(bomb.Bytes())
		case "/chunked":
			for i := 0; i < n; i += 16 << 10 {
				w.Write(make([]byte, 16<<10))
				w.(http.Flusher).Flush()
			}
		default:
			w.Header().Set("Content-Length", strconv.Itoa(n))
			w.Write(make([]byte, n))
		}
	}))
	t.Cleanup(srv.Close)
	c := &httpclient.Client{Loop: startLoop(t), MaxResponseBody: max}
	for _, path := range []string{"/bomb", "/length?n=2000000", "/chunked?n=2000000", "/length?n=1048577"} {
		u, _ := url.Parse(srv.URL + path)
		_, err := send(c, &httpclient.Request{URL: u})
		var re *httpclient.ResponseError
		if !errors.Is(err, httpclient.ErrBodyTooLarge) || !errors.As(err, &re) {
			t.Fatalf("%s: got %v, want ErrBodyTooLarge", path, err)
		}
	}
	for _, path := range []string{"/length?n=1048576", "/chunked?n=1048576"} {
		u, _ := url.Parse(srv.URL + path)
		r, err := send(c, &httpclient.Request{URL: u})
		if err != nil || len(r.Body) != max {
			t.Fatalf("%s: %v", path, err)
		}
	}
}

// TestMaxResponseBodyBodiless: a response without a body whose
// Content-Length describes the representation (the answer to HEAD, a
// 304) is not "too large" for MaxResponseBody: Send returns it, with the
// declared length, and its connection stays in the pool.
func TestMaxResponseBodyBodiless(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		cannedHandler(map[string]string{
			"/file": "HTTP/1.1 200 OK\r\nContent-Length: 50000000\r\n\r\n",
			"/304":  "HTTP/1.1 304 Not Modified\r\nContent-Length: 50000000\r\nETag: \"x\"\r\n\r\n",
			"/ok":   "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
		})(c, br)
	})
	c := &httpclient.Client{Loop: startLoop(t), MaxResponseBody: 1000}
	for _, s := range []struct{ method, path string }{{"HEAD", "/file"}, {"GET", "/304"}, {"GET", "/ok"}} {
		u, _ := url.Parse(base + s.path)
		r, err := send(c, &httpclient.Request{Method: s.method, URL: u})
		if err != nil {
			t.Fatalf("%s %s: %v", s.method, s.path, err)
		}
		if s.path != "/ok" && (len(r.Body) != 0 || r.ContentLength != 50000000) {
			t.Fatalf("%s %s: body %q, ContentLength %d", s.method, s.path, r.Body, r.ContentLength)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want the first one reused", n)
	}
}
