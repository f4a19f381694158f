package httpclient

import (
	"errors"
	"testing"
)

// TestTunnelFeedSplits feeds the proxy's answer to CONNECT split at every
// byte offset, and in single bytes: the tunnel opens at the same place and
// the bytes after the answer belong to the tunnel.
func TestTunnelFeedSplits(t *testing.T) {
	answer := "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\nVia: test\r\n\r\n"
	after := "\x16\x03\x01tls bytes"
	in := answer + after
	check := func(pieces []string) {
		t.Helper()
		tl := &tunnelLayer{target: "example.com:443"}
		tl.parser.SetMethod("CONNECT")
		var rest []byte
		for i, p := range pieces {
			if tl.open {
				rest = append(rest, p...)
				continue
			}
			r, err := tl.feed([]byte(p))
			if err != nil {
				t.Fatalf("piece %d: %v", i, err)
			}
			rest = append(rest, r...)
		}
		if !tl.open || string(rest) != after || tl.status != 200 {
			t.Fatalf("split %q: open %v status %d rest %q", pieces, tl.open, tl.status, rest)
		}
	}
	for i := 0; i <= len(in); i++ {
		check([]string{in[:i], in[i:]})
	}
	var bytes []string
	for i := range len(in) {
		bytes = append(bytes, in[i:i+1])
	}
	check(bytes)
}

func TestTunnelFeedRefused(t *testing.T) {
	for _, tc := range []struct {
		in     string
		status int
	}{
		{"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n", 407},
		{"HTTP/1.1 502 Bad Gateway\r\n\r\n", 502},
		{"HTTP/1.1 200 OK\nbad\r\n\r\n", 0},
	} {
		tl := &tunnelLayer{target: "h:1"}
		tl.parser.SetMethod("CONNECT")
		_, err := tl.feed([]byte(tc.in))
		var pe *ProxyError
		if !errors.Is(err, ErrProxy) || tl.open {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if tc.status != 0 && (!errors.As(err, &pe) || pe.Status != tc.status) {
			t.Fatalf("%q: %v, want status %d", tc.in, err, tc.status)
		}
	}
}
