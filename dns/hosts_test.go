package dns

import (
	"errors"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

const sampleHosts = `127.0.0.1	localhost
::1	localhost ip6-localhost # loopback
192.0.2.10  web.example.com web   www
2001:db8::10 web.example.com
192.0.2.11 Other.Example.  # trailing dot, mixed case
fe80::1%eth0 router
192.0.2.12
not.an.ip name
192.0.2.13 bad..name good
# 192.0.2.14 commented
192.0.2.10 web.example.com
`

func TestParseHosts(t *testing.T) {
	h, err := ParseHosts(strings.NewReader(sampleHosts))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		addrs []netip.Addr
		canon string
	}{
		{"localhost", addrs("127.0.0.1", "::1"), "localhost."},
		{"ip6-localhost", addrs("::1"), "localhost."},
		{"WEB.example.com.", addrs("192.0.2.10", "2001:db8::10"), "web.example.com."},
		{"www", addrs("192.0.2.10"), "web.example.com."},
		{"other.example", addrs("192.0.2.11"), "Other.Example."},
		{"router", addrs("fe80::1%eth0"), "router."},
		{"good", addrs("192.0.2.13"), "good."},
		{"name", nil, ""},
		{"missing", nil, ""},
	} {
		got, canon := h.LookupHost(tc.name)
		if !slices.Equal(got, tc.addrs) || canon != tc.canon {
			t.Errorf("LookupHost(%q) = %v %q, want %v %q", tc.name, got, canon, tc.addrs, tc.canon)
		}
	}
	if got := h.LookupAddr(netip.MustParseAddr("192.0.2.10")); !slices.Equal(got, []string{"web.example.com.", "web.", "www."}) {
		t.Errorf("LookupAddr = %q", got)
	}
	if got := h.LookupAddr(netip.MustParseAddr("::ffff:192.0.2.11")); !slices.Equal(got, []string{"Other.Example."}) {
		t.Errorf("LookupAddr(mapped) = %q", got)
	}
	if h.LookupAddr(netip.MustParseAddr("192.0.2.99")) != nil {
		t.Error("LookupAddr of an unlisted address")
	}
	if h.Len() != 8 {
		t.Errorf("Len = %d", h.Len())
	}
	var zero *Hosts
	if a, _ := zero.LookupHost("x"); a != nil || zero.LookupAddr(netip.IPv6Loopback()) != nil || zero.Len() != 0 {
		t.Error("nil Hosts not empty")
	}
}

func TestParseHostsSplit(t *testing.T) {
	want, _ := ParseHosts(strings.NewReader(sampleHosts))
	for kind, r := range readers([]byte(sampleHosts)) {
		got, err := ParseHosts(r)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("%s reader: differs (%v)", kind, err)
		}
	}
}

func TestParseHostsErrors(t *testing.T) {
	boom := errors.New("boom")
	if _, err := ParseHosts(iotest.ErrReader(boom)); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
}
