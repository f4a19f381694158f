package web

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// FuzzBasicAuthHeader checks that parseBasicAuth never panics, splits
// at the first colon, agrees with net/http wherever net/http accepts,
// and reads back what it is given encoded.
func FuzzBasicAuthHeader(f *testing.F) {
	f.Add("Basic YW5uOnMzOmNyZXQ=")
	f.Add("basic YW5uOg==")
	f.Add("Basic  YW5u")
	f.Add("Basic !!!")
	f.Add("Basic")
	f.Add("Bearer abc")
	f.Fuzz(func(t *testing.T, v string) {
		user, pass, ok := parseBasicAuth(v)
		if !ok {
			if user != "" || pass != "" {
				t.Fatalf("%q: not ok but %q %q", v, user, pass)
			}
		} else if strings.Contains(user, ":") {
			t.Fatalf("%q: user %q holds a colon", v, user)
		}
		req := &http.Request{Header: http.Header{"Authorization": {v}}}
		if su, sp, sok := req.BasicAuth(); sok && (!ok || su != user || sp != pass) {
			t.Fatalf("%q: net/http %q %q, we %q %q %v", v, su, sp, user, pass, ok)
		}
		if strings.Contains(v, ":") {
			return
		}
		// v as a user name.
		enc := "Basic " + base64.StdEncoding.EncodeToString([]byte(v+":"+v))
		if u, p, ok := parseBasicAuth(enc); !ok || u != v || p != v {
			t.Fatalf("%q: read back %q %q %v", v, u, p, ok)
		}
	})
}

func TestQuoteRealm(t *testing.T) {
	if got := quoteRealm("a\"b\\c\td\x00\x7fé"); got != "a\\\"b\\\\c\tdé" {
		t.Errorf("got %q", got)
	}
}

func BenchmarkParseBasicAuth(b *testing.B) {
	v := "Basic " + base64.StdEncoding.EncodeToString([]byte("someone@example.com:a fairly long pass phrase"))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, ok := parseBasicAuth(v); !ok {
			b.Fatal("no")
		}
	}
}
