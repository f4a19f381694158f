package web_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// Timeout under Gzip, for a HEAD request whose handler has set a long
// Content-Length and a compressible type but written nothing yet: the
// 503 replaces the response whole. Dropping the gzip filter must not
// send the response it would have made (a 200 with Content-Encoding:
// gzip), in place of the 503.
func TestTimeoutGzipHeadAnswers503(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.Gzip(web.GzipOptions{}), web.Timeout(50*time.Millisecond))
	rt.Handle("HEAD", "/hang", func(c *web.Ctx) {
		c.W.Header().Set("Content-Type", "text/plain")
		c.W.Header().Set("Content-Length", "100000")
		c.W.Async() // never answers
	})
	base, _ := serve(t, rt)
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := range 2 { // the connection stays usable after the 503
		io.WriteString(conn, "HEAD /hang HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, &http.Request{Method: "HEAD"})
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 503 || resp.Header.Get("Content-Encoding") != "" || resp.Close {
			t.Fatalf("request %d: %d close=%v %v, want a 503 without Content-Encoding", i, resp.StatusCode, resp.Close, resp.Header)
		}
	}
}

// Timeout under CORS: the 503 that replaces a handler's response keeps
// the fields the layers outside Timeout set before it ran (here CORS's
// Access-Control-Allow-Origin, without which a browser hides the 503
// behind a network error), and drops the handler's own.
func TestTimeoutKeepsOuterHeaderFields(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(web.CORS(web.CORSOptions{AllowedOrigins: []string{"https://app.example"}}), web.Timeout(50*time.Millisecond))
	rt.Get("/hang", func(c *web.Ctx) {
		c.W.Header().Set("X-Hang", "1")
		c.W.Async() // never answers
	})
	base, _ := serve(t, rt)
	resp, body := raw(t, base, "GET /hang HTTP/1.1\r\nHost: x\r\nOrigin: https://app.example\r\n\r\n")
	if resp.StatusCode != 503 || body != "503 Service Unavailable\n" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "https://app.example" {
		t.Fatalf("Access-Control-Allow-Origin %q: the 503 lost CORS's fields (%v)", got, resp.Header)
	}
	if resp.Header.Get("X-Hang") != "" {
		t.Fatalf("the handler's field went out with the 503: %v", resp.Header)
	}
}
