package httpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/eddy-go/eddy/codec/http1"
)

// hopHeaders are fields the client sets itself.
var hopHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Transfer-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Te": true, "Upgrade": true,
	"Proxy-Connection": true, "Trailer": true,
}

// appendHead appends the request head of the current hop, for the
// connections of p (nil in tests: no cache, no proxy). The request line
// and Host field come from the pool's cache when the previous request on
// it had the same method, target and host.
func (t *trip) appendHead(dst []byte, p *hostPool) ([]byte, error) {
	r := t.req
	u := r.URL
	method := r.method()
	proxied := p != nil && p.forward
	var target string
	if proxied {
		target = u.Scheme + "://" + u.Host + u.RequestURI()
	} else {
		target = u.RequestURI()
	}
	host := r.Host
	if host == "" {
		host = u.Host
	}
	orig := len(dst)
	var hc *headCache
	if p != nil {
		hc = &p.head
	}
	if hc != nil && hc.match(method, target, host) {
		dst = append(dst, hc.line...)
	} else {
		if !validHost(host) {
			return dst, fmt.Errorf("%w: invalid host %q", ErrInvalidRequest, host)
		}
		var err error
		if dst, err = http1.AppendRequestLine(dst, method, target); err != nil {
			return dst[:orig], fmt.Errorf("%w: %w", ErrInvalidRequest, err)
		}
		if dst, err = http1.AppendField(dst, "Host", host); err != nil {
			return dst[:orig], fmt.Errorf("%w: %w", ErrInvalidRequest, err)
		}
		if hc != nil {
			hc.store(method, target, host, dst[orig:])
		}
	}
	var err error
	add := func(name, value string) {
		if err == nil {
			dst, err = http1.AppendField(dst, name, value)
		}
	}
	t.closeConn = false
	for name, vs := range r.Header {
		if k := http.CanonicalHeaderKey(name); hopHeaders[k] {
			if k == "Connection" && hasClose(vs) {
				// The one connection option a caller can ask for: the
				// connection is not used again (RFC 9112 §9.6).
				t.closeConn = true
			}
			continue
		}
		for _, v := range vs {
			add(name, v)
		}
	}
	if t.closeConn {
		dst = append(dst, "Connection: close\r\n"...)
	}
	if u.User != nil && r.Header.Get("Authorization") == "" {
		// As net/http's Client: user info in the URL is Basic auth.
		add("Authorization", basicAuth(u.User))
	}
	if proxied && p.proxyAuth != "" {
		add("Proxy-Authorization", p.proxyAuth)
	}
	if t.c.Jar != nil {
		for _, ck := range t.c.Jar.Cookies(u) {
			add("Cookie", ck.String())
		}
	}
	t.askGzip = false
	if !t.c.DisableCompression && !t.raw && r.Header.Get("Accept-Encoding") == "" &&
		r.Header.Get("Range") == "" && method != http.MethodHead {
		add("Accept-Encoding", "gzip")
		t.askGzip = true
	}
	switch {
	case r.BodyStream != nil && r.ContentLength > 0:
		dst = append(strconv.AppendInt(append(dst, "Content-Length: "...), r.ContentLength, 10), '\r', '\n')
	case r.BodyStream != nil:
		dst = append(dst, "Transfer-Encoding: chunked\r\n"...)
	case len(r.Body) > 0 || needsLength(method):
		dst = append(strconv.AppendInt(append(dst, "Content-Length: "...), int64(len(r.Body)), 10), '\r', '\n')
	}
	if err != nil {
		return dst[:orig], fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return append(dst, '\r', '\n'), nil
}

// hasClose reports whether Connection field values list "close".
func hasClose(vs []string) bool {
	for _, v := range vs {
		for o := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(o), "close") {
				return true
			}
		}
	}
	return false
}

// needsLength reports methods whose empty body is announced with
// Content-Length: 0 (RFC 9110 §8.6).
func needsLength(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

// toHTTPHeader copies a parsed header with few allocations: the map, one
// string holding every value and the names not known to commonName, and
// one slice holding the single values.
func toHTTPHeader(h http1.Header) http.Header {
	out := make(http.Header, len(h))
	if len(h) == 0 {
		return out
	}
	// common holds the commonName keys of the first fields ("" for the
	// others), looked up once; later fields are canonicalized from their
	// copies, which gives the same keys.
	var common [16]string
	size := 0
	for i, f := range h {
		if i < len(common) {
			common[i], _ = commonName(f.Name)
		}
		if i >= len(common) || common[i] == "" {
			size += len(f.Name)
		}
		size += len(f.Value)
	}
	var sb strings.Builder
	sb.Grow(size)
	for i, f := range h {
		if i >= len(common) || common[i] == "" {
			sb.Write(f.Name)
		}
		sb.Write(f.Value)
	}
	all := sb.String()
	vals := make([]string, len(h))
	off := 0
	for i, f := range h {
		var key string
		if i < len(common) {
			key = common[i]
		}
		if key == "" {
			key = textproto.CanonicalMIMEHeaderKey(all[off : off+len(f.Name)])
			off += len(f.Name)
		}
		value := all[off : off+len(f.Value)]
		off += len(f.Value)
		// A repeated field appends to the first one's slice. The first
		// fields are compared with the keys before them (common now
		// holds every key so far), to spare a map lookup for each; a
		// long header falls back to the lookup.
		seen := i >= len(common)
		if !seen {
			common[i] = key
			for _, k := range common[:i] {
				if k == key {
					seen = true
					break
				}
			}
		}
		if seen {
			if vs, ok := out[key]; ok {
				out[key] = append(vs, value) // capacity 1: a copy, not vals
				continue
			}
		}
		vals[i] = value
		out[key] = vals[i : i+1 : i+1]
	}
	return out
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// validHost reports whether h is uri-host [ ":" port ] (RFC 9110 §7.2,
// RFC 3986 §3.2.2): a bracketed IPv6 address, or a reg-name or IPv4
// address of unreserved, sub-delims and pct-encoded characters.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	rest := h
	if h[0] == '[' {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		a, err := netip.ParseAddr(h[1:end])
		if err != nil || !a.Is6() || a.Zone() != "" {
			return false
		}
		rest = h[end+1:]
	} else {
		i := 0
		for ; i < len(h) && h[i] != ':'; i++ {
			c := h[i]
			switch {
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			case strings.IndexByte("-._~!$&'()*+,;=", c) >= 0:
			case c == '%' && i+2 < len(h) && isHex(h[i+1]) && isHex(h[i+2]):
				i += 2
			default:
				return false
			}
		}
		rest = h[i:]
	}
	if rest == "" {
		return true
	}
	if rest[0] != ':' {
		return false
	}
	for _, c := range []byte(rest[1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
