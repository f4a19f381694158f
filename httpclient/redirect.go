package httpclient

import (
	"fmt"
	"net/http"
	"strings"
)

// redirect returns the next hop for a redirect response (RFC 9110 §15.4),
// nil when the response is final, or ErrTooManyRedirects.
func (t *trip) redirect(resp *Response) (*Request, error) {
	switch resp.Status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
	default:
		return nil, nil
	}
	max := t.c.maxRedirects()
	if max == 0 {
		return nil, nil
	}
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, nil
	}
	u, err := t.req.URL.Parse(loc)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, nil // not followable: hand the 3xx to the caller
	}
	old := t.req
	method := old.method()
	keepBody := true
	switch resp.Status {
	case http.StatusSeeOther:
		if method != http.MethodHead {
			method = http.MethodGet
		}
		keepBody = false
	case http.StatusMovedPermanently, http.StatusFound:
		if method == http.MethodPost {
			method = http.MethodGet
			keepBody = false
		}
	}
	if keepBody && old.BodyStream != nil {
		return nil, nil // a streamed body cannot be sent again
	}
	if t.hops >= max {
		return nil, fmt.Errorf("%w (%d)", ErrTooManyRedirects, max)
	}
	next := &Request{
		Method:  method,
		URL:     u,
		Header:  old.Header.Clone(),
		Context: old.Context,
	}
	if next.Header == nil {
		next.Header = make(http.Header)
	}
	if keepBody {
		next.Body = old.Body
	} else {
		for _, k := range []string{"Content-Type", "Content-Encoding", "Content-Language", "Content-Location", "Digest", "Expect"} {
			next.Header.Del(k)
		}
	}
	if !strings.EqualFold(u.Host, old.URL.Host) {
		// Credentials are for the host they were meant for; the jar
		// supplies the new host's cookies.
		next.Header.Del("Authorization")
		next.Header.Del("Proxy-Authorization")
		next.Header.Del("Cookie")
		next.Host = ""
	} else {
		next.Host = old.Host
	}
	return next, nil
}
