package web

import (
	"errors"
	"testing"
)

func TestParsePattern(t *testing.T) {
	good := map[string][]segment{
		"/":                 {{kind: segStatic, text: ""}},
		"/a/b/":             {{text: "a"}, {text: "b"}, {text: ""}},
		"/users/:id":        {{text: "users"}, {kind: segParam, text: "id"}},
		"/u/:id{[0-9]{2}}":  {{text: "u"}, {kind: segParam, text: "id", re: "[0-9]{2}"}},
		"/static/*path":     {{text: "static"}, {kind: segWild, text: "path"}},
		"/*all":             {{kind: segWild, text: "all"}},
		"/a/:x/b/:y/*rest":  {{text: "a"}, {kind: segParam, text: "x"}, {text: "b"}, {kind: segParam, text: "y"}, {kind: segWild, text: "rest"}},
		"/f/:n{a\\}b}/z":    {{text: "f"}, {kind: segParam, text: "n", re: "a\\}b"}, {text: "z"}},
		"/with-dash_and.ok": {{text: "with-dash_and.ok"}},
	}
	for p, want := range good {
		got, err := parsePattern(p)
		if err != nil {
			t.Errorf("%q: %v", p, err)
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%q: %d segments, want %d", p, len(got), len(want))
			continue
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%q segment %d: %+v, want %+v", p, i, got[i], want[i])
			}
		}
	}
	bad := []string{"", "a", "/:", "/*", "/:id/:id", "/*a/b", "/:a{", "/:a{}", "/:a{(}",
		"/*a{x}", "/:a-b", "/x/../y", "/./y", "/x/%2e%2E/y", "/%2e", "/a b", "/a?b", "/a{b}", "/:a{x}y"}
	for _, p := range bad {
		_, err := parsePattern(p)
		var pe *PatternError
		if !errors.Is(err, ErrPattern) || !errors.As(err, &pe) {
			t.Errorf("%q: err %v, want a *PatternError", p, err)
		}
	}
}

func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"/", "/users/:id", "/u/:id{[0-9]+}/x", "/static/*path", "/:a{b{c}}", "/a/:b/*c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		segs, err := parsePattern(p)
		if err != nil {
			if !errors.Is(err, ErrPattern) {
				t.Fatalf("%q: untyped error %v", p, err)
			}
			return
		}
		// A pattern that parses can be inserted and matched.
		var root node
		if err := root.insert(p, segs, "GET", func(*Ctx) {}); err != nil {
			t.Fatalf("%q: insert: %v", p, err)
		}
		for i, s := range segs {
			if s.kind == segWild && i != len(segs)-1 {
				t.Fatalf("%q: wildcard not last", p)
			}
		}
		var ps []Param
		root.match(p, "GET", &ps)
	})
}
