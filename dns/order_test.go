package dns

import (
	"net/netip"
	"slices"
	"testing"
)

func TestInterleave(t *testing.T) {
	in := addrs("2001:db8::1", "2001:db8::2", "2001:db8::3", "192.0.2.1", "192.0.2.2")
	if got, want := Interleave(in, 1), addrs("2001:db8::1", "192.0.2.1", "2001:db8::2", "192.0.2.2", "2001:db8::3"); !slices.Equal(got, want) {
		t.Errorf("count 1: %v", got)
	}
	if got, want := Interleave(in, 2), addrs("2001:db8::1", "2001:db8::2", "192.0.2.1", "2001:db8::3", "192.0.2.2"); !slices.Equal(got, want) {
		t.Errorf("count 2: %v", got)
	}
	if got := Interleave(addrs("192.0.2.1", "192.0.2.2"), 0); !slices.Equal(got, addrs("192.0.2.1", "192.0.2.2")) {
		t.Errorf("one family: %v", got)
	}
	if Interleave(nil, 1) != nil {
		t.Error("nil input")
	}
}

func TestDialOrder(t *testing.T) {
	in := addrs("192.0.2.1", "192.0.2.2", "2002:c000:201::1", "2001:db8::1", "fd00::1", "2001:db8::1", "::1", "fe80::1%eth0")
	orig := slices.Clone(in)
	got := DialOrder(in)
	// ::1 (50), then IPv6 global and link-local (40, link-local first by
	// scope), then IPv4 (35), 6to4 (30), ULA (3); families interleaved.
	want := addrs("::1", "192.0.2.1", "fe80::1%eth0", "192.0.2.2", "2001:db8::1", "2002:c000:201::1", "fd00::1")
	if !slices.Equal(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
	if !slices.Equal(in, orig) {
		t.Fatal("input modified")
	}
	if got := DialOrder(addrs("192.0.2.1", "2001:db8::1")); got[0] != netip.MustParseAddr("2001:db8::1") {
		t.Fatalf("IPv6 not preferred: %v", got)
	}
}
