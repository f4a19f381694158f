package web

import (
	"context"
	"net/url"

	"github.com/eddy-go/eddy/httpserver"
)

// Handler answers a routed request. Like httpserver.Handler it runs on
// the connection's loop and must not block; it keeps the response open
// past its return with httpserver.Wait, Request.ReadBody or
// ResponseWriter.Async.
type Handler func(c *Ctx)

// Middleware wraps a Handler in another.
type Middleware func(next Handler) Handler

// Ctx is one request's context: the request, its response, the matched
// route's parameters and cached parsed forms of the request. It is
// loop-only, like the request, and must not be kept past the response.
type Ctx struct {
	// W is the response.
	W *httpserver.ResponseWriter
	// R is the request.
	R *httpserver.Request

	params   []Param
	paramBuf [6]Param
	pattern  string
	query    url.Values
	queryErr error
	cookies  []Param
	parsedCk bool
	afters   []Hook
	allow    map[string]bool // the methods of the path, for the router's own answer
	gzip     *GzipOptions    // of the Gzip middleware the request went through
}

// newCtx returns the context of a request: the spare one of an earlier
// request that this recycled Request served, reset, or a new one, which
// it attaches to the request for the next to reuse. A handler nested in
// another (Static under a Router) finds a context attached already and
// gets one of its own, not attached.
func newCtx(w *httpserver.ResponseWriter, r *httpserver.Request) *Ctx {
	nested := r.Attached() != nil
	c, ok := r.Spare().(*Ctx)
	if ok && !nested {
		*c = Ctx{W: w, R: r}
	} else {
		c = &Ctx{W: w, R: r}
		if outer, ok := r.Attached().(*Ctx); ok && nested {
			// The middleware the request went through still
			// applies to the nested handler's response.
			c.gzip = outer.gzip
		}
	}
	c.params = c.paramBuf[:0]
	if !nested {
		r.Attach(c)
	}
	return c
}

// Context returns the request's context (httpserver.Request.Context):
// made on the first call, it ends when the response ends, when the
// client goes away, or when Timeout gives up on the handler, and
// context.Cause says which. Pass it to the drivers the handler calls.
// Loop-only to call; the context itself may be used anywhere.
func (c *Ctx) Context() context.Context { return c.R.Context() }

// Param returns the value of the path parameter name, percent-decoded
// (a value that does not decode is returned as it is), or "".
func (c *Ctx) Param(name string) string {
	for _, p := range c.params {
		if p.Name == name {
			return decodedSeg(p.Value)
		}
	}
	return ""
}

// Params returns the path parameters in pattern order, as in the path
// (not decoded). The slice belongs to c.
func (c *Ctx) Params() []Param { return c.params }

// Pattern returns the pattern of the matched route, or "" when none
// matched (404, 405, automatic OPTIONS).
func (c *Ctx) Pattern() string { return c.pattern }

// Query returns the parsed query string, parsed on the first call and
// cached. Malformed pairs are skipped; QueryErr reports the first.
func (c *Ctx) Query() url.Values {
	if c.query == nil {
		c.query, c.queryErr = url.ParseQuery(c.R.RawQuery)
	}
	return c.query
}

// QueryErr returns the first error met parsing the query string.
func (c *Ctx) QueryErr() error {
	c.Query()
	return c.queryErr
}

// QueryValue returns the first value of the query parameter key, or "".
func (c *Ctx) QueryValue(key string) string { return c.Query().Get(key) }
