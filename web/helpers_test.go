package web_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/web"
)

// serve runs h on a one-loop server for the test and returns its base
// URL and a client that does not follow redirects.
func serve(t *testing.T, h httpserver.Handler) (string, *http.Client) {
	t.Helper()
	return serveWith(t, h)
}

// serveWith is serve with more options for the group's loop.
func serveWith(t *testing.T, h httpserver.Handler, opts ...eddy.GroupOption) (string, *http.Client) {
	t.Helper()
	g, err := eddy.NewGroup(append([]eddy.GroupOption{eddy.WithLoops(1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := &httpserver.Server{Handler: h}
	addr, err := srv.Serve(g, "tcp", "127.0.0.1:0")
	if err != nil {
		g.Stop()
		g.Run()
		t.Fatal(err)
	}
	g.Start()
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	cl := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return "http://" + addr.String(), cl
}

// result is a response read whole.
type result struct {
	status int
	header http.Header
	body   string
}

// do sends a request with the given header lines ("Name: value").
func do(t *testing.T, cl *http.Client, method, url, body string, hdr ...string) result {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ": ")
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Add(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return result{resp.StatusCode, resp.Header, string(b)}
}

// raw sends a raw request on a new connection and reads one response.
func raw(t *testing.T, base, req string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// workRead reads a file in the worker pool.
func workRead(c *web.Ctx, path string) *future.Future[[]byte] {
	f, p := future.New[[]byte](c.R.Loop())
	eddy.Work(c.R.Loop(), func() ([]byte, error) { return os.ReadFile(path) }, func(b []byte, err error) { p.Settle(b, err) })
	return f
}
