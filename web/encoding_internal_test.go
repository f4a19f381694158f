package web

import (
	"strings"
	"testing"
)

func TestWantGzip(t *testing.T) {
	for _, c := range []struct {
		v         string
		present   bool
		may, must bool
	}{
		{"", false, false, false},
		{"", true, false, false},
		{"gzip", true, true, false},
		{"GZIP;q=0.5", true, false, false}, // identity (1) preferred
		{"gzip;q=0.5, identity;q=0.5", true, true, false},
		{"gzip;q=0", true, false, false},
		{"gzip, identity;q=0", true, true, true},
		{"*", true, true, false},
		{"*;q=0", true, false, false},
		{"*;q=0, gzip", true, true, true},
		{"br, *;q=0.1", true, false, false},
		{"deflate, gzip;q=1.0, *;q=0.5", true, true, false},
		{"gzip;q=bad", true, false, false},
		{"gzip;q=2", true, false, false},
		{" , gzip ; q=0.8 , identity;q=0.2", true, true, false},
	} {
		may, must := wantGzip(c.v, c.present)
		if may != c.may || must != c.must {
			t.Errorf("%q: may %v must %v, want %v %v", c.v, may, must, c.may, c.must)
		}
	}
}

func TestCompressibleAndETag(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true, "application/json": true, "application/problem+json": true,
		"image/svg+xml": true, "image/png": false, "application/octet-stream": false, "": false,
		"application/zip": false, "TEXT/CSS": true,
	} {
		if compressible(ct) != want {
			t.Errorf("compressible(%q) != %v", ct, want)
		}
	}
	for in, want := range map[string]string{`"abc"`: `"abc-gzip"`, `W/"abc"`: `W/"abc"`, `x`: `x`, `""`: `"-gzip"`} {
		if got := gzipETag(in); got != want {
			t.Errorf("gzipETag(%q) = %q, want %q", in, got, want)
		}
	}
}

// etagListMatch reads the list tag by tag: an entity tag may hold a
// comma (RFC 9110 §8.8.3), and a weak tag matches a weak list element
// under the weak comparison. Before, the list was split at every comma
// ("a,b" never matched itself) and a weak etag never matched at all.
func TestETagListMatch(t *testing.T) {
	cases := []struct {
		list, etag string
		strong     bool
		want       bool
	}{
		{`"a,b"`, `"a,b"`, true, true},
		{`"x", "a,b"`, `"a,b"`, true, true},
		{`"a`, `"a`, false, false},
		{`"a,b"`, `"a"`, false, false},
		{`W/"a"`, `W/"a"`, false, true},
		{`W/"a"`, `W/"a"`, true, false},
		{`"a"`, `W/"a"`, false, true},
		{`"a"`, `W/"a"`, true, false},
		{`W/"a"`, `"a"`, false, true},
		{`W/"a"`, `"a"`, true, false},
		{`*`, `"a"`, true, true},
		{` ,, "b" ,"a"`, `"a"`, true, true},
		{`junk, "a"`, `"a"`, true, true},
		{`junk "a"`, `"a"`, true, false},
		{`"a`, `"a"`, true, false},
		{``, `"a"`, false, false},
	}
	for _, c := range cases {
		if got := etagListMatch(c.list, c.etag, c.strong); got != c.want {
			t.Errorf("etagListMatch(%q, %q, strong=%v) = %v, want %v", c.list, c.etag, c.strong, got, c.want)
		}
	}
}

// FuzzETagListMatch: any list is read without a panic, and a tag made of
// the fuzzer's opaque bytes (with the quote removed, as a tag cannot hold
// one) matches a list holding it among other elements, strongly and
// weakly, whatever those bytes are (commas included).
func FuzzETagListMatch(f *testing.F) {
	f.Add(`"a", W/"b"`, "a,b")
	f.Add(`*`, "x")
	f.Add(`junk, "`, "")
	f.Add(`W/"x" ,, "y`, "y z")
	f.Fuzz(func(t *testing.T, list, opaque string) {
		etagListMatch(list, `"x"`, true)
		etagListMatch(list, `W/"x"`, false)
		opaque = strings.ReplaceAll(opaque, `"`, "")
		tag := `"` + opaque + `"`
		in := `W/"other", ` + tag + `, "z"`
		if !etagListMatch(in, tag, true) || !etagListMatch(in, `W/`+tag, false) {
			t.Fatalf("%q does not match itself in %q", tag, in)
		}
	})
}
