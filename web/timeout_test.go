package web_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// Timeout through a Router: a handler that has not answered in time
// gets 503 through Ctx.Error, its context ends with
// httpserver.ErrHandlerTimeout and its later writes report it, and the
// connection goes on to answer the next request; handlers that answer
// in time are untouched.
func TestTimeoutMiddleware(t *testing.T) {
	leakcheck.Check(t)
	causes := make(chan error, 1)
	late := make(chan error, 1)
	rt := web.New()
	rt.Use(web.Timeout(50 * time.Millisecond))
	rt.Get("/fast", func(c *web.Ctx) { c.Text(200, "fast") })
	rt.Get("/soon", func(c *web.Ctx) {
		httpserver.Wait(c.W, c.R.Loop().Sleep(5*time.Millisecond), func(struct{}, error) { c.Text(200, "soon") })
	})
	rt.Get("/hang", func(c *web.Ctx) {
		ctx := c.Context()
		c.W.Header().Set("X-Hang", "1")
		c.W.Async()
		context.AfterFunc(ctx, func() { causes <- context.Cause(ctx) })
		c.R.Loop().AfterFunc(200*time.Millisecond, func() {
			_, err := c.W.WriteString("late")
			c.W.End()
			late <- err
		})
	})
	base, cl := serve(t, rt)
	if r := do(t, cl, "GET", base+"/fast", ""); r.status != 200 || r.body != "fast" {
		t.Fatalf("fast: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "GET", base+"/soon", ""); r.status != 200 || r.body != "soon" {
		t.Fatalf("soon: %d %q", r.status, r.body)
	}
	// One connection for /hang and the request after it: it must stay
	// usable.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	br := bufio.NewReader(conn)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		io.WriteString(conn, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, body := get("/hang")
	if resp.StatusCode != 503 || body != "503 Service Unavailable\n" || resp.Header.Get("X-Hang") != "" ||
		resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Close {
		t.Fatalf("hang: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	select {
	case cause := <-causes:
		if !errors.Is(cause, httpserver.ErrHandlerTimeout) || !errors.Is(cause, context.DeadlineExceeded) {
			t.Fatalf("cause %v", cause)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("context not cancelled")
	}
	if err := <-late; !errors.Is(err, httpserver.ErrHandlerTimeout) {
		t.Fatalf("late write: %v", err)
	}
	if resp, body := get("/fast"); resp.StatusCode != 200 || body != "fast" {
		t.Fatalf("after: %d %q", resp.StatusCode, body)
	}
}
