package web

import (
	"errors"
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	s := &Static{}
	cases := []struct {
		raw, name string
		dir       bool
		err       error
	}{
		{"", ".", true, nil},
		{"/", ".", true, nil},
		{"a/b.txt", "a/b.txt", false, nil},
		{"a//b/./c/", "a/b/c", true, nil},
		{"a%20b", "a b", false, nil},
		{"a%2fb", "", false, errHidden},
		{"a%5cb", "", false, errHidden},
		{"..", "", false, errHidden},
		{"a/../b", "", false, errHidden},
		{"%2e%2e/x", "", false, errHidden},
		{".env", "", false, errHidden},
		{"a/.git/config", "", false, errHidden},
		{"a%00", "", false, errHidden},
		{"bad%zz", "", false, errHidden},
	}
	for _, c := range cases {
		name, dir, err := s.cleanName(c.raw)
		if name != c.name || dir != c.dir || !errors.Is(err, c.err) {
			t.Errorf("%q: %q %v %v, want %q %v %v", c.raw, name, dir, err, c.name, c.dir, c.err)
		}
	}
	s.opt.Dotfiles = true
	if name, _, err := s.cleanName(".well-known/x"); err != nil || name != ".well-known/x" {
		t.Errorf("dotfiles allowed: %q %v", name, err)
	}
}

func FuzzCleanName(f *testing.F) {
	for _, s := range []string{"", "a/b", "a%2fb", "../x", "%2e%2e/%2e%2e", ".env", "a//./b/", "%00", "\\..\\x"} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, raw string, dotfiles bool) {
		s := &Static{opt: StaticOptions{Dotfiles: dotfiles}}
		name, _, err := s.cleanName(raw)
		if err != nil {
			if !errors.Is(err, errHidden) {
				t.Fatalf("%q: untyped error %v", raw, err)
			}
			return
		}
		if name == "." {
			return
		}
		if strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00") {
			t.Fatalf("%q: unsafe name %q", raw, name)
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == "" || seg == "." || seg == ".." || (!dotfiles && seg[0] == '.') {
				t.Fatalf("%q: unsafe segment %q in %q", raw, seg, name)
			}
		}
	})
}

func FuzzParseCookies(f *testing.F) {
	for _, s := range []string{`a=1; b="2"`, "x", "=;;=", `q=""`, "a=b=c; d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, p := range parseCookies(nil, v) {
			if !isToken(p.Name) || !validCookieValue(p.Value) {
				t.Fatalf("%q: invalid pair %+v", v, p)
			}
			// A parsed pair can be sent back.
			if _, err := (&Cookie{Name: p.Name, Value: p.Value}).String(); err != nil {
				t.Fatalf("%q: %+v does not round-trip: %v", v, p, err)
			}
		}
	})
}
