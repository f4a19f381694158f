package httpclient_test

import (
	"bufio"
	"net"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpclient"
	"github.com/eddy-go/eddy/internal/leakcheck"
)

// TestSplitEveryOffset answers request i with the same response cut in
// two at offset i, the halves written separately (with a pause so that
// they arrive in separate reads): a 1xx, a chunked body with extensions
// and trailers, all on one kept-alive connection.
func TestSplitEveryOffset(t *testing.T) {
	leakcheck.Check(t)
	resp := "HTTP/1.1 103 Early Hints\r\nLink: </s>\r\n\r\n" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n" +
		"3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n"
	var conns atomic.Int32
	base := rawServer(t, func(c net.Conn, br *bufio.Reader) {
		conns.Add(1)
		c.(*net.TCPConn).SetNoDelay(true)
		for {
			req, err := readRequest(br)
			if err != nil {
				return
			}
			i, _ := strconv.Atoi(req.URL.Query().Get("i"))
			if _, err := c.Write([]byte(resp[:i])); err != nil {
				return
			}
			time.Sleep(200 * time.Microsecond)
			if _, err := c.Write([]byte(resp[i:])); err != nil {
				return
			}
		}
	})
	c := &httpclient.Client{Loop: startLoop(t)}
	for i := 0; i <= len(resp); i++ {
		u, _ := url.Parse(base + "/?i=" + strconv.Itoa(i))
		r, err := send(c, &httpclient.Request{URL: u})
		if err != nil || r.Status != 200 || string(r.Body) != "abcde" || r.Header.Get("X-A") != "b" || r.Trailer.Get("X-T") != "1" {
			t.Fatalf("split at %d: %v %+v", i, err, r)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections, want 1", n)
	}
}
