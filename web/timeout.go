package web

import (
	"time"

	"github.com/eddy-go/eddy/httpserver"
)

// Timeout returns middleware that bounds the handlers it wraps, as
// httpserver.TimeoutHandler does: a response still open d after the
// handler was called is given up. If its head has not been sent, it is
// answered through Ctx.Error with 503 ("503 Service Unavailable"), on a
// connection that stays open for the next request, with the header
// fields that the middleware before Timeout set (CORS's, say) and
// without the handler's; if it has (a stream), it is cut short and its
// connection closes. Either way the request's context (Ctx.Context)
// ends with httpserver.ErrHandlerTimeout, which the handler's later
// writes to the response also report. A response that ends within the
// handler costs nothing more: no timer is started for it.
func Timeout(d time.Duration) Middleware {
	return func(next Handler) Handler {
		return func(c *Ctx) {
			// The closure does not escape: no allocation.
			httpserver.ServeTimeout(c.W, d, func() { next(c) }, answerTimeout)
		}
	}
}

// errHandlerTimeout is the error Timeout answers with.
var errHandlerTimeout = &HTTPError{Code: 503, Err: httpserver.ErrHandlerTimeout}

// answerTimeout writes Timeout's 503 with Ctx.Error.
var answerTimeout httpserver.Handler = timeoutAnswer{}

// timeoutAnswer is answerTimeout's type.
type timeoutAnswer struct{}

func (timeoutAnswer) ServeHTTP(w *httpserver.ResponseWriter, r *httpserver.Request) {
	c, ok := r.Attached().(*Ctx)
	if !ok || c.W != w {
		c = &Ctx{W: w, R: r}
	}
	c.Error(errHandlerTimeout)
}
