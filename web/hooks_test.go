package web_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// syncBuffer is a bytes.Buffer safe for the loop and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHooks(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	var mu sync.Mutex
	var after []string
	rt.Before(func(c *web.Ctx) *future.Future[struct{}] {
		c.W.Header().Add("X-Trace", "before")
		return nil
	})
	rt.After(func(c *web.Ctx) *future.Future[struct{}] {
		mu.Lock()
		after = append(after, c.R.Path+" "+c.Pattern())
		mu.Unlock()
		return nil
	})
	g := rt.Group("/auth")
	g.Before(func(c *web.Ctx) *future.Future[struct{}] {
		// An asynchronous check: the handler waits for it.
		return future.Then(c.R.Loop().Sleep(time.Millisecond), func(struct{}) (struct{}, error) {
			switch c.QueryValue("who") {
			case "":
				return struct{}{}, &web.HTTPError{Code: 401, Message: "who are you"}
			case "ghost":
				return struct{}{}, web.ErrNotFound
			case "boom":
				return struct{}{}, errors.New("secret internal detail")
			}
			c.W.Header().Add("X-Trace", "auth")
			return struct{}{}, nil
		})
	})
	g.Before(func(c *web.Ctx) *future.Future[struct{}] {
		if c.QueryValue("who") == "stop" {
			c.Text(429, "slow down")
			c.W.End()
		}
		return nil
	})
	if err := g.Get("/me", func(c *web.Ctx) { c.Text(200, "hello "+c.QueryValue("who")) }); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	cases := []struct {
		who    string
		status int
		body   string
		trace  string
	}{
		{"ann", 200, "hello ann", "before,auth"},
		{"", 401, "401 who are you\n", "before"},
		{"ghost", 404, "404 Not Found\n", "before"},
		{"boom", 500, "500 Internal Server Error\n", "before"},
		{"stop", 429, "slow down", "before,auth"},
	}
	for _, c := range cases {
		r := do(t, cl, "GET", base+"/auth/me?who="+c.who, "")
		if r.status != c.status || r.body != c.body || strings.Join(r.header.Values("X-Trace"), ",") != c.trace {
			t.Errorf("who=%q: %d %q %v, want %d %q %s", c.who, r.status, r.body, r.header.Values("X-Trace"), c.status, c.body, c.trace)
		}
	}
	do(t, cl, "GET", base+"/none", "")
	// After hooks ran for every response, before the next request on
	// the same connection was answered.
	mu.Lock()
	defer mu.Unlock()
	if len(after) < len(cases) || after[0] != "/auth/me /auth/me" {
		t.Errorf("after hooks: %q", after)
	}
}

func TestRecoverAndAccessLog(t *testing.T) {
	leakcheck.Check(t)
	var logBuf syncBuffer
	log := slog.New(slog.NewTextHandler(&logBuf, nil))
	rt := web.New()
	rt.Use(web.AccessLog(log), web.Recover(log))
	rt.Get("/panic", func(c *web.Ctx) { panic("kaboom") })
	rt.Get("/ok", func(c *web.Ctx) { c.Text(201, "fine") })
	base, cl := serve(t, rt)
	if r := do(t, cl, "GET", base+"/panic", ""); r.status != 500 || r.body != "500 internal server error\n" {
		t.Errorf("panic: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "GET", base+"/ok", ""); r.status != 201 || r.body != "fine" {
		t.Errorf("after panic: %d %q", r.status, r.body)
	}
	out := logBuf.String()
	if strings.Count(out, "handler panic") != 1 || !strings.Contains(out, "kaboom") {
		t.Errorf("panic log: %s", out)
	}
	if !strings.Contains(out, "path=/panic status=500") || !strings.Contains(out, "path=/ok status=201 bytes=4") {
		t.Errorf("access log: %s", out)
	}
}

func TestStatusOf(t *testing.T) {
	cases := map[error]int{
		nil:                            200,
		web.ErrNotFound:                404,
		&web.HTTPError{Code: 418}:      418,
		&web.HTTPError{Code: 42}:       500,
		web.Errorf(409, "taken %d", 1): 409,
		errors.New("x"):                500,
		&web.HTTPError{Code: 415, Err: web.ErrContentType}:   415,
		fmt.Errorf("step: %w", httpserver.ErrHandlerTimeout): 503,
	}
	for err, want := range cases {
		if got := web.StatusOf(err); got != want {
			t.Errorf("%v: %d, want %d", err, got, want)
		}
	}
}
