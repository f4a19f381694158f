package web_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// A Ctx is reused by the next request that reuses its Request: what a
// handler saw through it (path parameters, pattern, query, cookies) must
// not show through to the next request, and a handler nested in the
// router (here Static) still works.
func TestCtxReusedClean(t *testing.T) {
	leakcheck.Check(t)
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/f.txt", []byte("file body"), 0o644); err != nil {
		t.Fatal(err)
	}
	static, err := web.NewStatic(dir, web.StaticOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer static.Close()
	rt := web.New()
	var mu sync.Mutex // ctxs is written on the loop, read here
	ctxs := map[*web.Ctx]bool{}
	var nestedErr error
	seen := func(c *web.Ctx) {
		mu.Lock()
		ctxs[c] = true
		mu.Unlock()
	}
	show := func(c *web.Ctx) {
		seen(c)
		ck, _ := c.Cookie("k")
		c.Text(200, fmt.Sprintf("pattern=%s id=%q name=%q q=%q cookie=%q params=%d",
			c.Pattern(), c.Param("id"), c.Param("name"), c.QueryValue("q"), ck, len(c.Params())))
	}
	rt.Get("/users/:id", show)
	rt.Get("/items/:name/x", show)
	rt.Get("/plain", show)
	rt.Get("/files/*path", func(c *web.Ctx) {
		seen(c)
		c.R.Path = "/" + c.Param("path")
		static.ServeHTTP(c.W, c.R)
		// The nested handler has a context of its own: the router's
		// is as it was.
		if c.Param("path") != "f.txt" || c.Pattern() != "/files/*path" {
			mu.Lock()
			nestedErr = fmt.Errorf("after Static: path %q, pattern %q", c.Param("path"), c.Pattern())
			mu.Unlock()
		}
	})
	base, _ := serve(t, rt)
	reqs := []struct{ target, cookie, want string }{
		{"/users/7?q=a", "k=v1", `pattern=/users/:id id="7" name="" q="a" cookie="v1" params=1`},
		{"/plain", "", `pattern=/plain id="" name="" q="" cookie="" params=0`},
		{"/items/b/x?q=z", "", `pattern=/items/:name/x id="" name="b" q="z" cookie="" params=1`},
		{"/files/f.txt", "", "file body"},
		{"/users/8", "k=v2", `pattern=/users/:id id="8" name="" q="" cookie="v2" params=1`},
		{"/plain?q=", "", `pattern=/plain id="" name="" q="" cookie="" params=0`},
	}
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	rd := bufio.NewReader(c)
	for round := range 3 {
		for _, rq := range reqs {
			hdr := ""
			if rq.cookie != "" {
				hdr = "Cookie: " + rq.cookie + "\r\n"
			}
			if _, err := io.WriteString(c, "GET "+rq.target+" HTTP/1.1\r\nHost: x\r\n"+hdr+"\r\n"); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(rd, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimSpace(string(b)); resp.StatusCode != 200 || got != rq.want {
				t.Fatalf("round %d, %s: %d %q, want %q", round, rq.target, resp.StatusCode, got, rq.want)
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if nestedErr != nil {
		t.Error(nestedErr)
	}
	if n := len(reqs) * 3; len(ctxs) >= n {
		t.Errorf("%d contexts for %d requests on one connection: none was reused", len(ctxs), n)
	}
}
