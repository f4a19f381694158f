package web_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// echo answers with the route pattern and parameters.
func echo(name string) web.Handler {
	return func(c *web.Ctx) {
		var b strings.Builder
		b.WriteString(name)
		for _, p := range c.Params() {
			b.WriteString(" " + p.Name + "=" + c.Param(p.Name))
		}
		c.Text(200, b.String())
	}
}

// mark is middleware that appends tag to the X-Trace response header.
func mark(tag string) web.Middleware {
	return func(next web.Handler) web.Handler {
		return func(c *web.Ctx) {
			c.W.Header().Add("X-Trace", tag)
			next(c)
		}
	}
}

func TestRouter(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rt.Get("/", echo("root")))
	must(rt.Get("/users/new", echo("new")))
	must(rt.Get("/users/:id{[0-9]+}", echo("byid")))
	must(rt.Get("/users/:name", echo("byname")))
	must(rt.Put("/users/:name", echo("put")))
	must(rt.Delete("/users/:name", echo("delete")))
	must(rt.Get("/static/*path", echo("static")))
	must(rt.Handle("OPTIONS", "/custom", echo("options")))
	api := rt.Group("/api", mark("api"))
	v1 := api.Group("/v1", mark("v1"))
	must(v1.Post("/items/:id", echo("item"), mark("route")))
	must(v1.Patch("/items/:id", echo("patch")))
	must(rt.Host("example.com").Get("/", echo("example")))
	must(rt.Host("*.example.com").Get("/", echo("sub")))

	if err := rt.Get("/users/:other", echo("x")); !errors.Is(err, web.ErrConflict) {
		t.Errorf("conflict: %v", err)
	}
	if err := rt.Get("/users/:id{[0-9]+}", echo("x")); !errors.Is(err, web.ErrConflict) {
		t.Errorf("duplicate: %v", err)
	}
	if err := rt.Get("users", echo("x")); !errors.Is(err, web.ErrPattern) {
		t.Errorf("bad pattern: %v", err)
	}
	if err := rt.Handle("GE T", "/x", echo("x")); !errors.Is(err, web.ErrMethod) {
		t.Errorf("bad method: %v", err)
	}
	if err := rt.Get("/x", nil); !errors.Is(err, web.ErrNilHandler) {
		t.Errorf("nil handler: %v", err)
	}

	base, cl := serve(t, rt)
	cases := []struct {
		method, path, host string
		status             int
		body, trace        string
	}{
		{"GET", "/", "", 200, "root", ""},
		{"GET", "/users/new", "", 200, "new", ""},
		{"GET", "/users/42", "", 200, "byid id=42", ""},
		{"GET", "/users/b%20ob", "", 200, "byname name=b ob", ""},
		{"PUT", "/users/bob", "", 200, "put name=bob", ""},
		{"GET", "/static/css/a.css", "", 200, "static path=css/a.css", ""},
		{"POST", "/api/v1/items/7", "", 200, "item id=7", "api,v1,route"},
		{"PATCH", "/api/v1/items/7", "", 200, "patch id=7", "api,v1"},
		{"GET", "/", "EXAMPLE.com:80", 200, "example", ""},
		{"GET", "/", "a.b.example.com", 200, "sub", ""},
		{"GET", "/users/new", "example.com", 404, "404 page not found\n", ""},
		{"GET", "/", "other.org", 200, "root", ""},
		{"GET", "/nope", "", 404, "404 page not found\n", ""},
		{"OPTIONS", "/custom", "", 200, "options", ""},
	}
	for _, c := range cases {
		var hdr []string
		if c.host != "" {
			hdr = append(hdr, "Host: "+c.host)
		}
		r := do(t, cl, c.method, base+c.path, "", hdr...)
		if r.status != c.status || r.body != c.body {
			t.Errorf("%s %s (%s): %d %q, want %d %q", c.method, c.path, c.host, r.status, r.body, c.status, c.body)
		}
		if got := strings.Join(r.header.Values("X-Trace"), ","); got != c.trace {
			t.Errorf("%s %s: trace %q, want %q", c.method, c.path, got, c.trace)
		}
	}

	// 405 with Allow, automatic OPTIONS and HEAD.
	r := do(t, cl, "POST", base+"/users/bob", "x")
	if r.status != 405 || r.header.Get("Allow") != "DELETE, GET, HEAD, OPTIONS, PUT" {
		t.Errorf("405: %d Allow %q", r.status, r.header.Get("Allow"))
	}
	r = do(t, cl, "OPTIONS", base+"/users/bob", "")
	if r.status != 204 || r.header.Get("Allow") != "DELETE, GET, HEAD, OPTIONS, PUT" {
		t.Errorf("OPTIONS: %d Allow %q", r.status, r.header.Get("Allow"))
	}
	r = do(t, cl, "HEAD", base+"/users/42", "")
	if r.status != 200 || r.body != "" || r.header.Get("Content-Length") != "10" {
		t.Errorf("HEAD: %d %q %v", r.status, r.body, r.header)
	}
	resp, _ := raw(t, base, "OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("Allow"), "PATCH") {
		t.Errorf("OPTIONS *: %d %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestRouterCustomErrors(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.NotFound = func(c *web.Ctx) { c.Text(404, "custom 404") }
	rt.MethodNotAllowed = func(c *web.Ctx) { c.Text(405, "custom 405 "+c.W.Header().Get("Allow")) }
	rt.Use(mark("global"))
	if err := rt.Get("/a", echo("a")); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	if r := do(t, cl, "GET", base+"/b", ""); r.status != 404 || r.body != "custom 404" || r.header.Get("X-Trace") != "global" {
		t.Errorf("404: %d %q %v", r.status, r.body, r.header)
	}
	if r := do(t, cl, "DELETE", base+"/a", ""); r.status != 405 || r.body != "custom 405 GET, HEAD, OPTIONS" {
		t.Errorf("405: %d %q", r.status, r.body)
	}
}

// The Allow header of a 405 or an automatic OPTIONS lists every method
// the path would be routed for, across all the routes that match it
// (RFC 9110 §10.2.1, §15.5.6), not only those of the first route found.
func TestRouterAllowAllMatches(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	for _, r := range []struct{ method, pattern string }{
		{"GET", "/users/new"},
		{"POST", "/users/:id"},
		{"GET", "/files/:name/raw"},
		{"DELETE", "/files/*path"},
	} {
		if err := rt.Handle(r.method, r.pattern, echo(r.method+" "+r.pattern)); err != nil {
			t.Fatal(err)
		}
	}
	base, cl := serve(t, rt)
	// Each method listed is indeed routed.
	if r := do(t, cl, "POST", base+"/users/new", "x"); r.status != 200 {
		t.Fatalf("POST /users/new: %d %q", r.status, r.body)
	}
	if r := do(t, cl, "DELETE", base+"/files/a/raw", ""); r.status != 200 {
		t.Fatalf("DELETE /files/a/raw: %d %q", r.status, r.body)
	}
	cases := []struct{ method, path, allow string }{
		{"PUT", "/users/new", "GET, HEAD, OPTIONS, POST"},
		{"OPTIONS", "/users/new", "GET, HEAD, OPTIONS, POST"},
		{"PUT", "/users/7", "OPTIONS, POST"},
		{"PUT", "/files/a/raw", "DELETE, GET, HEAD, OPTIONS"},
		{"OPTIONS", "/files/a/raw", "DELETE, GET, HEAD, OPTIONS"},
		{"PUT", "/files/a/b", "DELETE, OPTIONS"},
	}
	for _, c := range cases {
		r := do(t, cl, c.method, base+c.path, "")
		want := 405
		if c.method == "OPTIONS" {
			want = 204
		}
		if r.status != want || r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d Allow %q, want %d %q", c.method, c.path, r.status, r.header.Get("Allow"), want, c.allow)
		}
	}
}

// Virtual hosts match without regard to case, port or a final dot, on
// both sides: the name given to Host as well as the request's.
func TestRouterHostNormalised(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	if err := rt.Host("API.Example.com:8443").Get("/", echo("api")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Host("*.cdn.example.com.").Get("/", echo("cdn")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Get("/", echo("default")); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	for host, want := range map[string]string{
		"api.example.com":       "api",
		"api.example.com:8443":  "api",
		"API.EXAMPLE.COM.":      "api",
		"a.cdn.example.com":     "cdn",
		"a.cdn.example.com.:80": "cdn",
		"example.com":           "default",
	} {
		if r := do(t, cl, "GET", base+"/", "", "Host: "+host); r.status != 200 || r.body != want {
			t.Errorf("Host %s: %d %q, want %q", host, r.status, r.body, want)
		}
	}
}

// "/static" matches "/static/*path" with an empty rest, as documented,
// also when "/static" itself has a route of another method: that route
// must not turn GET /static into a 405, and Allow lists both.
func TestRouterWildcardEmptyRestBesideRoute(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	if err := rt.Post("/static", echo("post")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Get("/static/*path", echo("files")); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/static", "files path="},
		{"GET", "/static/a", "files path=a"},
		{"POST", "/static", "post"},
	} {
		if r := do(t, cl, tc.method, base+tc.path, ""); r.status != 200 || r.body != tc.body {
			t.Errorf("%s %s: %d %q, want %q", tc.method, tc.path, r.status, r.body, tc.body)
		}
	}
	if r := do(t, cl, "HEAD", base+"/static", ""); r.status != 200 {
		t.Errorf("HEAD /static: %d", r.status)
	}
	r := do(t, cl, "DELETE", base+"/static", "")
	if r.status != 405 || r.header.Get("Allow") != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("DELETE /static: %d Allow %q", r.status, r.header.Get("Allow"))
	}
}

// Host takes an IPv6 literal as Go's net package writes it, without
// brackets ("::1"), as well as bracketed with or without a port: all
// of them name the host that requests carry as "[::1]" or
// "[::1]:8080". A bare literal used to lose its last group to the port
// stripping and register the host ":", which nothing matched.
func TestRouterHostIPv6(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	if err := rt.Host("::1").Get("/", echo("loopback")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Host("[2001:DB8::1]:8443").Get("/", echo("doc")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Host("fe80::2").Get("/", echo("link")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Get("/", echo("default")); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	for host, want := range map[string]string{
		"[::1]":             "loopback",
		"[::1]:8080":        "loopback",
		"[2001:db8::1]":     "doc",
		"[2001:DB8::1]:443": "doc",
		"[fe80::2]:80":      "link",
		"[::2]":             "default",
		"127.0.0.1":         "default",
	} {
		if r := do(t, cl, "GET", base+"/", "", "Host: "+host); r.status != 200 || r.body != want {
			t.Errorf("Host %s: %d %q, want %q", host, r.status, r.body, want)
		}
	}
}
