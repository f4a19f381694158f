package httpclient

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/eddy-go/eddy/codec/http1"
)

// FuzzProxyEnv checks the proxy settings parser (HTTP_PROXY, HTTPS_PROXY,
// NO_PROXY): it never panics, a proxy it picks is an http URL with a host
// or a typed error, loopback targets and NO_PROXY=* always go direct.
func FuzzProxyEnv(f *testing.F) {
	f.Add("proxy:3128", "http://u:p@proxy:8080", "example.com,.internal,10.0.0.0/8,[::1]:80", "http://a.internal/x")
	f.Add("http://p", "", "*", "https://example.com")
	f.Add("%zz", "::", "*.svc:443, 192.168.1.1", "https://x.svc:443/")
	f.Add("http://[::1]:1", "socks5://s", ".", "http://[fe80::1%25eth0]:8/")
	f.Fuzz(func(t *testing.T, httpProxy, httpsProxy, noProxy, target string) {
		u, err := url.Parse(target)
		if err != nil {
			return
		}
		fn := proxyFunc(httpProxy, httpsProxy, noProxy)
		pu, err := fn(u)
		if err != nil {
			if !errors.Is(err, ErrProxy) || pu != nil {
				t.Fatalf("error %v with %v", err, pu)
			}
			return
		}
		if pu == nil {
			return
		}
		if pu.Host == "" {
			t.Fatalf("proxy without a host: %q", pu)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("proxy %v for scheme %q", pu, u.Scheme)
		}
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || h == "127.0.0.1" || h == "::1" {
			t.Fatalf("loopback %q proxied through %v", target, pu)
		}
		if strings.TrimSpace(noProxy) == "*" {
			t.Fatalf("NO_PROXY=* but %q proxied", target)
		}
	})
}

// FuzzRedirect checks Location resolution and the rewriting of the next
// hop: no panic; a followed redirect is http or https, within the limit,
// with the method rewritten per RFC 9110, and without credentials when the
// host changed.
func FuzzRedirect(f *testing.F) {
	f.Add(302, "POST", "http://a.example/b?c", "/d/e?f#g", 0)
	f.Add(307, "PUT", "https://a.example:8443/", "//other.example/x", 3)
	f.Add(303, "HEAD", "http://a.example/", "https://a.example:443/%zz", 10)
	f.Add(301, "GET", "http://a.example/", "javascript:alert(1)", 1)
	f.Add(308, "DELETE", "http://[::1]:80/", "http://[::1]:81/", 0)
	f.Fuzz(func(t *testing.T, status int, method, base, loc string, hops int) {
		bu, err := url.Parse(base)
		if err != nil || hops < 0 || hops > 100 {
			return
		}
		hdr := http.Header{"Authorization": {"x"}, "Cookie": {"c=1"}, "Content-Type": {"t"}}
		tr := &trip{c: &Client{}, req: &Request{Method: method, URL: bu, Header: hdr, Body: []byte("b")}, hops: hops}
		resp := &Response{Status: status, Header: http.Header{"Location": {loc}}}
		next, err := tr.redirect(resp)
		if err != nil {
			if !errors.Is(err, ErrTooManyRedirects) || hops < DefaultMaxRedirects {
				t.Fatalf("error %v after %d hops", err, hops)
			}
			return
		}
		if next == nil {
			return
		}
		if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
			t.Fatalf("followed to %q", next.URL)
		}
		m := next.method()
		switch status {
		case 303:
			if m != "GET" && m != "HEAD" {
				t.Fatalf("303 kept %s", m)
			}
		case 307, 308:
			if m != tr.req.method() || string(next.Body) != "b" {
				t.Fatalf("%d changed %s to %s", status, tr.req.method(), m)
			}
		}
		if m == "GET" && tr.req.method() != "GET" && (len(next.Body) != 0 || next.Header.Get("Content-Type") != "") {
			t.Fatal("body or content fields kept after a rewrite to GET")
		}
		if !strings.EqualFold(next.URL.Host, bu.Host) && (next.Header.Get("Authorization") != "" || next.Header.Get("Cookie") != "") {
			t.Fatalf("credentials kept from %q to %q", bu.Host, next.URL.Host)
		}
		if hdr.Get("Authorization") != "x" {
			t.Fatal("the caller's header was changed")
		}
	})
}

// FuzzRequestHead checks the request head the client writes for a
// caller's method, URL and field: it is refused with ErrInvalidRequest, or
// it parses back, with codec/http1's server parser, to the same method,
// target and field value: a caller's input can never smuggle a second
// request or a field in.
func FuzzRequestHead(f *testing.F) {
	f.Add("GET", "http://a.example/p?q=1", "X-Name", "value")
	f.Add("POST", "http://a.example/", "Content-Length", "5")
	f.Add("GET", "http://a.example/", "X-A", "v\r\nX-B: smuggled")
	f.Add("G T", "http://a.example/ x", "Bad Name", " padded ")
	f.Add("PUT", "https://[::1]:8443/%41", "Transfer-Encoding", "chunked")
	f.Fuzz(func(t *testing.T, method, rawURL, name, value string) {
		u, err := url.Parse(rawURL)
		if err != nil || u.Host == "" {
			return
		}
		tr := &trip{c: &Client{DisableCompression: true}, req: &Request{Method: method, URL: u, Header: http.Header{name: {value}}}}
		head, err := tr.appendHead(nil, nil)
		// On a pooled connection, after another request and then from the
		// cached request line: the same head, or the same refusal.
		other, _ := url.Parse("http://other.example/o")
		pc := &pconn{pool: &hostPool{}}
		for i := range 3 {
			if i == 0 {
				(&trip{c: tr.c, req: &Request{URL: other}, pc: pc}).appendHead(nil, pc.pool)
			}
			tc := &trip{c: tr.c, req: tr.req, pc: pc}
			again, err2 := tc.appendHead([]byte("x"), pc.pool)
			if (err == nil) != (err2 == nil) || err == nil && string(again) != "x"+string(head) {
				t.Fatalf("pooled encoding %d: %q %v, want %q %v", i, again, err2, head, err)
			}
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidRequest) {
				t.Fatalf("error %v", err)
			}
			return
		}
		var p http1.RequestParser
		n, ev, err := p.Parse(head)
		if err != nil || ev.Kind != http1.EventHead {
			// A head the server side refuses must not have been written.
			t.Fatalf("head %q does not parse: %v", head, err)
		}
		r := p.Request()
		if string(r.Method) != tr.req.method() || string(r.Target) != u.RequestURI() {
			t.Fatalf("head %q: method %q target %q", head, r.Method, r.Target)
		}
		if hopHeaders[http.CanonicalHeaderKey(name)] {
			return
		}
		var got []string
		for _, fl := range r.Header {
			if strings.EqualFold(string(fl.Name), name) {
				got = append(got, string(fl.Value))
			}
		}
		if len(got) != 1 || got[0] != strings.Trim(value, " \t") {
			t.Fatalf("head %q: field %q = %q, want %q", head, name, got, value)
		}
		if n != len(head) && r.Framing == http1.FramingNone {
			t.Fatalf("head %q: %d bytes left over", head, len(head)-n)
		}
	})
}

// FuzzResponseHeader checks the conversion of a parsed response head into
// an http.Header: for any head codec/http1 accepts, it holds the same
// fields as http.Header.Add would make of them, in order, and appending
// to one field leaves the others alone.
func FuzzResponseHeader(f *testing.F) {
	f.Add([]byte(cannedResponse))
	f.Add([]byte("HTTP/1.1 200 OK\r\nset-cookie: a=1\r\nSet-Cookie: b=2\r\nETag: x\r\netag: y\r\nx-a: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 204 No Content\r\nSERVER: s\r\nVary: *\r\nvary: a\r\nA: \r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p http1.ResponseParser
		p.SetMethod("GET")
		_, ev, err := p.Parse(data)
		if err != nil || ev.Kind != http1.EventHead {
			return
		}
		h := p.Response().Header
		want := http.Header{}
		for _, fl := range h {
			want.Add(string(fl.Name), string(fl.Value))
		}
		got := toHTTPHeader(h)
		if len(got) != len(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
		for k, vs := range want {
			if !slices.Equal(got[k], vs) {
				t.Fatalf("%s: got %q, want %q", k, got[k], vs)
			}
		}
		for k := range got {
			before := slices.Clone(got[k])
			for k2 := range got {
				if k2 != k {
					got[k2] = append(got[k2], "appended")
				}
			}
			if !slices.Equal(got[k], before) {
				t.Fatalf("%s changed by appends to other fields: %q", k, got[k])
			}
			break
		}
	})
}
