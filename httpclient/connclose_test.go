package httpclient_test

import (
	"bufio"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestRequestConnectionClose: a request that asks for "Connection: close"
// (Request.Header on the loop API, http.Request.Close with Do) sends it,
// and its connection is not used again even when the server, which is
// allowed to ignore it, answers keep-alive (RFC 9112 §9.6).
func TestRequestConnectionClose(t *testing.T) {
	leakcheck.Check(t)
	var conns, closes atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			if req.Close {
				closes.Add(1)
			}
			if _, err := c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")); err != nil {
				return
			}
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	u, _ := url.Parse(base)
	for i := 0; i < 2; i++ {
		h := http.Header{"Connection": {"Keep-Alive, close"}}
		if _, err := send(c, &httpclient.Request{URL: u, Header: h}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 2; i++ {
		req, _ := http.NewRequest("GET", base, nil)
		req.Close = true
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(req.Header) != 0 {
			t.Fatalf("Do changed the caller's header: %v", req.Header)
		}
	}
	if n, k := conns.Load(), closes.Load(); n != 4 || k != 4 {
		t.Fatalf("%d connections, %d requests with close; want 4 and 4", n, k)
	}
}
