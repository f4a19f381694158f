package httpclient

import (
	"context"
	"net/http"
	"net/url"

	"github.com/eddy-go/eddy/future"
)

// Request is a request for the loop API, Client.Send.
type Request struct {
	// Method is the request method; empty means GET.
	Method string
	// URL is the absolute http or https URL to fetch.
	URL *url.URL
	// Host, when set, overrides the Host field (not the address dialled).
	Host string
	// Header holds the fields to send. The client adds Host, the framing
	// fields, and Accept-Encoding: gzip unless the caller set one. It sets
	// the connection fields itself too: of Connection, it keeps only
	// "close", after which the connection is not used again.
	Header http.Header
	// Body is a fixed body, sent with Content-Length. It can be sent again,
	// so requests with it are retried and follow 307/308 redirects.
	Body []byte
	// BodyStream, when set, streams the body instead: each call returns a
	// future of the next piece; an empty piece or a rejection matching
	// io.EOF ends the body. It is called on the loop, and only once the
	// previous piece has been queued and the connection's write queue has
	// room, which is the backpressure. A streamed body is never sent twice.
	BodyStream func() *future.Future[[]byte]
	// ContentLength is the length of a streamed body, or -1 (or 0) when
	// unknown, in which case the body is sent chunked. A stream that ends
	// short of it, or would go beyond it, fails the request with
	// ErrInvalidRequest and its connection is closed.
	ContentLength int64
	// Context, when set, cancels the request when it ends.
	Context context.Context
}

// Response is a response as the loop API, Client.Send, delivers it: head
// and whole body.
type Response struct {
	// Status is the status code, such as 200.
	Status int
	// Minor is the minor HTTP version of the response: 0 or 1.
	Minor int
	// Header holds the response's fields.
	Header http.Header
	// Trailer holds the trailer fields of a chunked body, if any.
	Trailer http.Header
	// Body is the whole body, decompressed if the client asked for gzip.
	Body []byte
	// ContentLength is the declared length, or -1 when unknown or when the
	// body was decompressed.
	ContentLength int64
	// Uncompressed reports that the client decompressed a gzip body.
	Uncompressed bool
	// URL is the URL the response came from, after redirects.
	URL *url.URL
}

func (r *Request) method() string {
	if r.Method == "" {
		return http.MethodGet
	}
	return r.Method
}

// idempotent reports whether a request may be retried (RFC 9110 §9.2.2);
// a streamed body can never be replayed.
func (r *Request) idempotent() bool {
	if r.BodyStream != nil {
		return false
	}
	switch r.method() {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

func (r *Request) ctx() context.Context {
	if r.Context == nil {
		return context.Background()
	}
	return r.Context
}
