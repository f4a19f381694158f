package web_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/internal/leakcheck"
	"github.com/eddy-go/eddy/web"
)

// Literal segments match the request path's segments percent-decoded,
// as parameter values are returned: a literal that clients must encode
// ("/café") is reachable, and an encoded spelling of a literal reaches
// the literal's route, not a parameter beside it that would see the
// same decoded value. An encoded slash stays inside its segment.
func TestRouterLiteralsMatchDecoded(t *testing.T) {
	leakcheck.Check(t)
	rt := web.New()
	for _, r := range []struct{ pattern, name string }{
		{"/café", "cafe"},
		{"/users/new", "new"},
		{"/users/:name", "byname"},
		{"/a%2Fb", "slash"},
		{"/a/b", "ab"},
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
		{"/caf%c3%a9", 200, "cafe"},
		{"/users/new", 200, "new"},
		{"/users/%6Eew", 200, "new"},
		{"/users/b%6Fb", 200, "byname name=bob"},
		{"/a%2Fb", 200, "slash"},
		{"/a%2fb", 200, "slash"},
		{"/a/b", 200, "ab"},
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
