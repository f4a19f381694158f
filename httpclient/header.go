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

// appendHead appends the request head of the current hop.
func (t *trip) appendHead(dst []byte) ([]byte, error) {
	r := t.req
	u := r.URL
	target := u.RequestURI()
	if t.viaProxy() {
		target = u.Scheme + "://" + u.Host + u.RequestURI()
	}
	host := r.Host
	if host == "" {
		host = u.Host
	}
	if !validHost(host) {
		return dst, fmt.Errorf("%w: invalid host %q", ErrInvalidRequest, host)
	}
	h := make(http1.Header, 0, len(r.Header)+5)
	add := func(name, value string) {
		h = append(h, http1.Field{Name: []byte(name), Value: []byte(value)})
	}
	add("Host", host)
	for name, vs := range r.Header {
		if hopHeaders[http.CanonicalHeaderKey(name)] {
			continue
		}
		for _, v := range vs {
			add(name, v)
		}
	}
	if t.viaProxy() && t.pc.pool.proxyAuth != "" {
		add("Proxy-Authorization", t.pc.pool.proxyAuth)
	}
	if t.c.Jar != nil {
		for _, ck := range t.c.Jar.Cookies(u) {
			add("Cookie", ck.String())
		}
	}
	t.askGzip = false
	if !t.c.DisableCompression && !t.raw && r.Header.Get("Accept-Encoding") == "" &&
		r.Header.Get("Range") == "" && r.method() != http.MethodHead {
		add("Accept-Encoding", "gzip")
		t.askGzip = true
	}
	switch {
	case r.BodyStream != nil && r.ContentLength > 0:
		add("Content-Length", strconv.FormatInt(r.ContentLength, 10))
	case r.BodyStream != nil:
		add("Transfer-Encoding", "chunked")
	case len(r.Body) > 0 || needsLength(r.method()):
		add("Content-Length", strconv.Itoa(len(r.Body)))
	}
	out, err := http1.AppendRequestHeader(dst, r.method(), target, h)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", ErrInvalidRequest, err)
	}
	return out, nil
}

// needsLength reports methods whose empty body is announced with
// Content-Length: 0 (RFC 9110 §8.6).
func needsLength(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch
}

// toHTTPHeader copies a parsed header with few allocations: the names and
// values share one string, and single values share one slice.
func toHTTPHeader(h http1.Header) http.Header {
	out := make(http.Header, len(h))
	if len(h) == 0 {
		return out
	}
	var sb strings.Builder
	size := 0
	for _, f := range h {
		size += len(f.Name) + len(f.Value)
	}
	sb.Grow(size)
	for _, f := range h {
		sb.Write(f.Name)
		sb.Write(f.Value)
	}
	all := sb.String()
	vals := make([]string, len(h))
	off := 0
	for i, f := range h {
		name := all[off : off+len(f.Name)]
		off += len(f.Name)
		value := all[off : off+len(f.Value)]
		off += len(f.Value)
		key := textproto.CanonicalMIMEHeaderKey(name)
		if vs, ok := out[key]; ok {
			out[key] = append(vs, value) // capacity 1: a copy, not vals
			continue
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
