package web_test

import (
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// The router's own answers for a path, the automatic OPTIONS and the
// 405, run the middleware of the group that owns the path's routes (the
// one with the longest prefix), inside Router.Use's and without any
// route's own middleware; 404s run Router.Use's only.
func TestGroupMiddlewareOnAutomaticAnswers(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(mark("global"))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	api := rt.Group("/api", mark("api"))
	must(api.Post("/x", echo("x"), mark("route")))
	v1 := api.Group("/v1", mark("v1"))
	must(v1.Get("/items/:id", echo("item")))
	// A route of the router itself under the group's prefix: the
	// group, with the longer prefix, owns the path.
	must(rt.Get("/api/both", echo("both")))
	must(api.Post("/both", echo("both")))
	must(rt.Get("/plain", echo("plain")))
	// Middleware added to a group later covers the routes registered
	// after it, and their automatic answers.
	late := rt.Group("/late")
	must(late.Get("/before", echo("before")))
	late.Use(mark("late"))
	must(late.Get("/after", echo("after")))

	base, cl := serve(t, rt)
	cases := []struct {
		method, path string
		status       int
		trace, allow string
	}{
		{"OPTIONS", "/api/x", 204, "global,api", "OPTIONS, POST"},
		{"PUT", "/api/x", 405, "global,api", "OPTIONS, POST"},
		{"POST", "/api/x", 200, "global,api,route", ""},
		{"DELETE", "/api/v1/items/7", 405, "global,api,v1", "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/api/v1/items/7", 204, "global,api,v1", "GET, HEAD, OPTIONS"},
		{"HEAD", "/api/v1/items/7", 200, "global,api,v1", ""},
		{"OPTIONS", "/api/both", 204, "global,api", "GET, HEAD, OPTIONS, POST"},
		{"PUT", "/plain", 405, "global", "GET, HEAD, OPTIONS"},
		{"GET", "/api/nope", 404, "global", ""},
		{"OPTIONS", "/late/before", 204, "global", "GET, HEAD, OPTIONS"},
		{"OPTIONS", "/late/after", 204, "global,late", "GET, HEAD, OPTIONS"},
	}
	for _, c := range cases {
		r := do(t, cl, c.method, base+c.path, "")
		trace := strings.Join(r.header.Values("X-Trace"), ",")
		if r.status != c.status || trace != c.trace || r.header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d trace %q Allow %q, want %d %q %q",
				c.method, c.path, r.status, trace, r.header.Get("Allow"), c.status, c.trace, c.allow)
		}
	}
}

// Group middleware that refuses a request refuses the 405 probes under
// the group too, and without telling the methods in an Allow header.
func TestGroupAuthGuardsMethodNotAllowed(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	admin := rt.Group("/admin", web.BasicAuth("admin", func(c *web.Ctx, user, pass string) bool {
		return user == "root" && pass == "pw"
	}))
	if err := admin.Get("/users/:id", echo("user")); err != nil {
		t.Fatal(err)
	}
	base, cl := serve(t, rt)
	r := do(t, cl, "DELETE", base+"/admin/users/1", "")
	if r.status != 401 || r.header.Get("Allow") != "" {
		t.Errorf("without credentials: %d Allow %q, want 401 and no Allow", r.status, r.header.Get("Allow"))
	}
	r = do(t, cl, "DELETE", base+"/admin/users/1", "", "Authorization: Basic cm9vdDpwdw==")
	if r.status != 405 || r.header.Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("with credentials: %d Allow %q, want 405", r.status, r.header.Get("Allow"))
	}
}

// An empty pattern is the group's prefix as it was written, as in gin
// and echo: Group("/a/").Get("") registers "/a/", not "/a" (it did, the
// prefix's final slash dropped), and Group("/a").Get("") "/a"; "/"
// gives the prefix with a final slash either way, and nested groups
// keep the slash of the last prefix.
func TestGroupEmptyPatternIsPrefixAsWritten(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(rt.Group("/a/").Get("", echo("a-slash")))
	must(rt.Group("/b").Get("", echo("b")))
	must(rt.Group("/c").Get("/", echo("c-slash")))
	must(rt.Group("/d/").Group("/e/").Get("", echo("de-slash")))
	must(rt.Group("/").Get("", echo("root")))
	base, cl := serve(t, rt)
	for _, c := range []struct {
		path   string
		status int
		route  string
	}{
		{"/a/", 200, "a-slash"}, {"/a", 404, ""},
		{"/b", 200, "b"}, {"/b/", 404, ""},
		{"/c/", 200, "c-slash"}, {"/c", 404, ""},
		{"/d/e/", 200, "de-slash"}, {"/d/e", 404, ""},
		{"/", 200, "root"},
	} {
		r := do(t, cl, "GET", base+c.path, "")
		if r.status != c.status || c.status == 200 && r.body != c.route {
			t.Errorf("GET %s: %d %q, want %d %q", c.path, r.status, r.body, c.status, c.route)
		}
	}
}
