package web

import (
	"errors"
	"testing"
)

// routes builds a root with GET routes answering their own pattern.
func routes(t *testing.T, patterns ...string) *node {
	t.Helper()
	root := &node{}
	for _, p := range patterns {
		segs, err := parsePattern(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := root.insert(p, segs, "GET", func(*Ctx) {}); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestMatchPrecedence(t *testing.T) {
	root := routes(t,
		"/users/new", "/users/:id{[0-9]+}", "/users/:name", "/users/:name/posts",
		"/users/new/edit", "/files/*path", "/files/readme", "/a/:x/c", "/a/b/d",
		"/", "/x/", "/x")
	cases := []struct {
		path, pattern string
		params        []Param
	}{
		{"/users/new", "/users/new", nil},
		{"/users/42", "/users/:id{[0-9]+}", []Param{{"id", "42"}}},
		{"/users/bob", "/users/:name", []Param{{"name", "bob"}}},
		{"/users/new/posts", "/users/:name/posts", []Param{{"name", "new"}}}, // backtracks from the literal
		{"/users/new/edit", "/users/new/edit", nil},
		{"/files/readme", "/files/readme", nil},
		{"/files/a/b.txt", "/files/*path", []Param{{"path", "a/b.txt"}}},
		{"/files/", "/files/*path", []Param{{"path", ""}}},
		{"/files", "/files/*path", []Param{{"path", ""}}},
		{"/a/b/c", "/a/:x/c", []Param{{"x", "b"}}},
		{"/a/b/d", "/a/b/d", nil},
		{"/", "/", nil},
		{"/x/", "/x/", nil},
		{"/x", "/x", nil},
	}
	for _, c := range cases {
		var ps []Param
		mh, _ := root.match(c.path, "GET", &ps)
		if mh == nil {
			t.Errorf("%s: no match", c.path)
			continue
		}
		if mh.pattern != c.pattern {
			t.Errorf("%s: matched %s, want %s", c.path, mh.pattern, c.pattern)
		}
		if len(ps) != len(c.params) {
			t.Errorf("%s: params %v, want %v", c.path, ps, c.params)
			continue
		}
		for i := range ps {
			if ps[i] != c.params[i] {
				t.Errorf("%s: params %v, want %v", c.path, ps, c.params)
			}
		}
	}
	for _, p := range []string{"/nope", "/users", "/users/1/2", "/users/x/posts/y", "/a/b/e", "/users//posts"} {
		var ps []Param
		if mh, hit := root.match(p, "GET", &ps); mh != nil || hit != nil || len(ps) != 0 {
			t.Errorf("%s: matched %v (params %v)", p, mh, ps)
		}
	}
}

func TestMatchMethod(t *testing.T) {
	root := routes(t, "/r/:id")
	segs, _ := parsePattern("/r/:id")
	if err := root.insert("/r/:id", segs, "PUT", func(*Ctx) {}); err != nil {
		t.Fatal(err)
	}
	var ps []Param
	mh, hit := root.match("/r/1", "DELETE", &ps)
	if mh != nil || hit == nil {
		t.Fatalf("DELETE: %v %v", mh, hit)
	}
	set := map[string]bool{}
	if o := root.pathScan("/r/1", set); o == nil || o.method != "GET" {
		t.Errorf("owner %v, want the GET route (registered first)", o)
	}
	if got := allowHeader(set); got != "GET, HEAD, OPTIONS, PUT" {
		t.Errorf("Allow %q", got)
	}
	if len(ps) != 0 {
		t.Errorf("params left behind: %v", ps)
	}
}

func TestInsertConflicts(t *testing.T) {
	root := routes(t, "/a/:id", "/s/*path")
	for _, p := range []string{"/a/:id", "/a/:other", "/s/*rest"} {
		segs, err := parsePattern(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := root.insert(p, segs, "GET", func(*Ctx) {}); !errors.Is(err, ErrConflict) {
			t.Errorf("%s: err %v, want ErrConflict", p, err)
		}
	}
	// Different constraints, or another method, do not conflict.
	for _, p := range []string{"/a/:n{[0-9]+}", "/a/:id/x"} {
		segs, _ := parsePattern(p)
		if err := root.insert(p, segs, "GET", func(*Ctx) {}); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	segs, _ := parsePattern("/a/:id")
	if err := root.insert("/a/:id", segs, "POST", func(*Ctx) {}); err != nil {
		t.Errorf("POST: %v", err)
	}
}

func TestStaticLookupAllocs(t *testing.T) {
	root := routes(t, "/api/v1/users", "/api/v1/users/:id", "/static/*path")
	var buf [6]Param
	n := testing.AllocsPerRun(100, func() {
		ps := buf[:0]
		if mh, _ := root.match("/api/v1/users", "GET", &ps); mh == nil {
			t.Fatal("no match")
		}
		ps = buf[:0]
		if mh, _ := root.match("/api/v1/users/7", "GET", &ps); mh == nil {
			t.Fatal("no match")
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per lookup", n)
	}
}

func BenchmarkLookupStatic(b *testing.B) {
	root := &node{}
	for _, p := range []string{"/", "/api/v1/users", "/api/v1/users/:id", "/static/*path"} {
		segs, _ := parsePattern(p)
		root.insert(p, segs, "GET", func(*Ctx) {})
	}
	var buf [6]Param
	b.ReportAllocs()
	for b.Loop() {
		ps := buf[:0]
		root.match("/api/v1/users", "GET", &ps)
	}
}

// BenchmarkOwnAnswerScan is the tree's part of the router's own answer
// to a path routed for other methods (405, automatic OPTIONS): the walk
// that finds the answering group and the methods for Allow.
func BenchmarkOwnAnswerScan(b *testing.B) {
	root := &node{}
	for _, p := range []string{"/", "/api/v1/users", "/api/v1/users/:id", "/api/v1/users/:id{[0-9]+}/posts", "/api/:ver/users/:id", "/static/*path"} {
		segs, _ := parsePattern(p)
		root.insert(p, segs, "GET", func(*Ctx) {})
		root.insert(p, segs, "PUT", func(*Ctx) {})
	}
	b.ReportAllocs()
	for b.Loop() {
		set := map[string]bool{}
		if root.pathScan("/api/v1/users/7", set) == nil {
			b.Fatal("no owner")
		}
		_ = allowHeader(set)
	}
}

func TestStripPort(t *testing.T) {
	for in, want := range map[string]string{
		"example.com": "example.com", "example.com:8080": "example.com", "[::1]:80": "::1",
		"[::1]": "::1", "": "", "a:": "a",
	} {
		if got := stripPort(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}
