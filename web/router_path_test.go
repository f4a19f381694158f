package web_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// Literal segments match the request path as received, as middleware
// sees it in Request.Path: an encoded spelling of "/admin" reaches
// neither the literal route nor slips past a router middleware that
// guards "/admin" by its path; a parameter beside the literal gets the
// decoded value. An encoded slash stays inside its segment.
func TestRouterLiteralsMatchAsReceived(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	rt.Use(func(next web.Handler) web.Handler {
		return func(c *web.Ctx) {
			if strings.HasPrefix(c.R.Path, "/admin/") {
				c.Text(403, "guarded\n")
				return
			}
			next(c)
		}
	})
	for _, r := range []struct{ pattern, name string }{
		{"/caf%C3%A9", "cafe"},
		{"/users/new", "new"},
		{"/users/:name", "byname"},
		{"/a%2Fb", "slash"},
		{"/a/b", "ab"},
		{"/admin/x", "admin"},
	} {
		if err := rt.Get(r.pattern, echo(r.name)); err != nil {
			t.Fatal(err)
		}
	}
	base, _ := serve(t, rt)
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/caf%C3%A9", 200, "cafe"},
		{"/users/new", 200, "new"},
		{"/users/%6Eew", 200, "byname name=new"},
		{"/users/b%6Fb", 200, "byname name=bob"},
		{"/a%2Fb", 200, "slash"},
		{"/a/b", 200, "ab"},
		{"/admin/x", 403, "guarded\n"},
		{"/%61dmin/x", 404, "404 page not found\n"},
		{"/caf%C3", 404, "404 page not found\n"},
	} {
		resp, body := raw(t, base, "GET "+tc.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != tc.status || body != tc.body {
			t.Errorf("GET %s: %d %q, want %d %q", tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
	}
}

// A group's pattern must start with "/" as the router's must: it is not
// glued to the prefix ("/api" and "x" made "/apix").
func TestGroupPatternWithoutSlash(t *testing.T) {
	rt := web.New()
	api := rt.Group("/api")
	for _, p := range []string{"x", ":id", "*rest"} {
		err := api.Get(p, echo("x"))
		var pe *web.PatternError
		if !errors.Is(err, web.ErrPattern) || !errors.As(err, &pe) {
			t.Errorf("%q: err %v, want a *PatternError", p, err)
		} else if !strings.Contains(pe.Error(), "/") {
			t.Errorf("%q: %v", p, err)
		}
	}
	// The group's own path, with or without its final slash.
	if err := api.Get("", echo("root")); err != nil {
		t.Errorf(`"": %v`, err)
	}
	if err := api.Get("/", echo("slash")); err != nil {
		t.Errorf(`"/": %v`, err)
	}
}

// A constraint checks the value the handler gets from Param, decoded:
// an encoded dot or slash cannot slip past a constraint that refuses
// it, and an encoded digit passes one that asks for digits.
func TestRouterConstraintOnDecodedValue(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	if err := rt.Get("/f/:name{[^./]+}", echo("file")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Get("/n/:id{[0-9]+}", echo("num")); err != nil {
		t.Fatal(err)
	}
	if err := rt.Post("/n/:any", echo("post")); err != nil {
		t.Fatal(err)
	}
	base, _ := serve(t, rt)
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/f/readme", 200, "file name=readme"},
		{"GET", "/f/%2e%2e", 404, "404 page not found\n"},
		{"GET", "/f/a%2Fb", 404, "404 page not found\n"},
		{"GET", "/n/%31%32", 200, "num id=12"},
		{"GET", "/n/%41", 405, "405 method not allowed\n"},
	} {
		resp, body := raw(t, base, tc.method+" "+tc.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != tc.status || body != tc.body {
			t.Errorf("%s %s: %d %q, want %d %q", tc.method, tc.path, resp.StatusCode, body, tc.status, tc.body)
		}
	}
	// Allow lists the methods of the routes whose constraints pass.
	resp, _ := raw(t, base, "DELETE /n/%31 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("DELETE /n/%%31: %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}
