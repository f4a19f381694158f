package httpclient_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestSplitEveryByte sends the response one byte per write.
func TestSplitEveryByte(t *testing.T) {
	leakcheck.Check(t)
	resp := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		c.(*net.TCPConn).SetNoDelay(true)
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			for i := range len(resp) {
				if _, err := c.Write([]byte{resp[i]}); err != nil {
					return
				}
			}
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base)
	r, err := send(c, &httpclient.Request{URL: u})
	if err != nil || string(r.Body) != "abcde" || r.Header.Get("X-A") != "b" || r.Trailer.Get("X-T") != "1" {
		t.Fatalf("got %v %+v", err, r)
	}
}

func TestMalformedAndTruncated(t *testing.T) {
	leakcheck.Check(t)
	c := &httpclient.Client{Loop: startLoop(t)}
	cases := []struct {
		name, resp  string
		kind, cause error
	}{
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 1\n\nx", httpclient.ErrMalformedResponse, http1.ErrBareLF},
		{"both lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", httpclient.ErrMalformedResponse, http1.ErrLengthAndChunked},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", httpclient.ErrMalformedResponse, http1.ErrInvalidChunk},
		{"cut body", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this", httpclient.ErrTruncated, nil},
		{"cut chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", httpclient.ErrTruncated, nil},
		{"cut head", "HTTP/1.1 200 OK\r\nContent-Le", httpclient.ErrTruncated, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
				readRequest(br)
				io.WriteString(c, tc.resp)
			})
			req, _ := http.NewRequest("GET", base, nil)
			resp, err := c.Do(req)
			if err == nil {
				_, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			var re *httpclient.ResponseError
			if !errors.Is(err, tc.kind) || !errors.As(err, &re) {
				t.Fatalf("got %v, want %v", err, tc.kind)
			}
			if tc.cause != nil && !errors.Is(err, tc.cause) {
				t.Fatalf("got %v, want it to match %v", err, tc.cause)
			}
			// Loop API too.
			u, _ := url.Parse(base)
			if _, err := send(c, &httpclient.Request{URL: u}); !errors.Is(err, tc.kind) {
				t.Fatalf("Send: got %v, want %v", err, tc.kind)
			}
		})
	}
}

// TestStaleConnection: the server closes each connection after one
// response without saying so. An idempotent request is retried once on a
// new connection.
func TestStaleConnection(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	closed := make(chan struct{}, 10)
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		if _, err := readRequest(br); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		c.Close()
		closed <- struct{}{}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	for i := 0; i < 3; i++ {
		st, body, err := get(t, c, base)
		if err != nil || st != 200 || body != "ok" {
			t.Fatalf("request %d: %d %q %v", i, st, body, err)
		}
		<-closed
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3", n)
	}
}

// TestMaxConnsPerHost: requests beyond the bound wait for a connection.
func TestMaxConnsPerHost(t *testing.T) {
	leakcheck.Check(t)
	var conns atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		serveRaw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")(c, br)
	})
	c := &httpclient.Client{Loop: startLoop(t), MaxConnsPerHost: 2}
	done := make(chan error, 20)
	for i := 0; i < 20; i++ {
		go func() {
			_, _, err := get(t, c, base)
			done <- err
		}()
	}
	for i := 0; i < 20; i++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if n := conns.Load(); n > 2 {
		t.Fatalf("%d connections, want at most 2", n)
	}
}
