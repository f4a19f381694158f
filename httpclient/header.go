package httpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

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
	if t.c.Jar != nil {
		for _, ck := range t.c.Jar.Cookies(u) {
			add("Cookie", ck.String())
		}
	}
	t.askGzip = false
	if !t.c.DisableCompression && r.Header.Get("Accept-Encoding") == "" &&
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

// toHTTPHeader copies a parsed header.
func toHTTPHeader(h http1.Header) http.Header {
	out := make(http.Header, len(h))
	for _, f := range h {
		out.Add(string(f.Name), string(f.Value))
	}
	return out
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }
