package web

import (
	"errors"
	"testing"
	"time"
)

func TestCookieString(t *testing.T) {
	k := &Cookie{Name: "sid", Value: "abc123", Path: "/app", Domain: ".example.com",
		Expires: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), MaxAge: 60,
		Secure: true, HttpOnly: true, SameSite: SameSiteNone, Partitioned: true}
	got, err := k.String()
	want := "sid=abc123; Path=/app; Domain=example.com; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure; HttpOnly; SameSite=None; Partitioned"
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	if s, _ := (&Cookie{Name: "a", MaxAge: -1, SameSite: SameSiteLax}).String(); s != "a=; Max-Age=0; SameSite=Lax" {
		t.Errorf("delete cookie: %q", s)
	}
	if s, _ := (&Cookie{Name: "a", Value: `"q"`, SameSite: SameSiteStrict}).String(); s != `a="q"; SameSite=Strict` {
		t.Errorf("quoted: %q", s)
	}
	bad := []Cookie{
		{Name: ""}, {Name: "a b"}, {Name: "a;"}, {Name: "a", Value: "x;y"}, {Name: "a", Value: "x y"},
		{Name: "a", Value: "é"}, {Name: "a", Path: "/x;Secure"}, {Name: "a", Domain: "ex ample.com"},
		{Name: "a", Partitioned: true}, {Name: "a", SameSite: SameSiteNone},
		{Name: "a", Expires: time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC)},
		// Late on 31 December 9999 west of Greenwich is year 10000 in
		// UTC, the zone the attribute is written in.
		{Name: "a", Expires: time.Date(9999, 12, 31, 23, 0, 0, 0, time.FixedZone("UTC-5", -5*3600))},
	}
	for _, k := range bad {
		if _, err := k.String(); !errors.Is(err, ErrCookie) {
			t.Errorf("%+v: err %v, want ErrCookie", k, err)
		}
	}
}

func TestParseCookies(t *testing.T) {
	got := parseCookies(nil, `a=1; b="two"; bad; c=x y; =z; d=`)
	want := []Param{{"a", "1"}, {"b", "two"}, {"d", ""}}
	if len(got) != len(want) {
		t.Fatalf("%v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("%v, want %v", got, want)
		}
	}
}

// One pair of double quotes is taken off a value, not two: `""""` and
// `""x""` hold quotes, which are no cookie-octets, and are skipped.
// `a=""""` gave the value `""`. Found by TestRequestTorture.
func TestParseCookiesQuotesOnce(t *testing.T) {
	got := parseCookies(nil, `a=""""; a=""; b=""x""; b="""; c="""x"""; c=""`)
	want := []Param{{"a", ""}, {"c", ""}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("%q, want %q", got, want)
	}
}

func TestAcceptsEncoding(t *testing.T) {
	cases := []struct {
		v, tok string
		want   bool
	}{
		{"gzip, br", "br", true},
		{"gzip;q=0.5, br;q=0", "br", false},
		{"gzip;q=0.5, br;q=0", "gzip", true},
		{"*", "br", true},
		{"*;q=0, gzip", "br", false},
		{"", "gzip", false},
		{"GZIP", "gzip", true},
	}
	for _, c := range cases {
		if got := codingQ(c.v, true, c.tok) > 0; got != c.want {
			t.Errorf("%q %s: %v", c.v, c.tok, got)
		}
	}
}
