package web

import (
	"net/http"

	"github.com/eddy-go/eddy/httpserver"
)

// Adapt turns an httpserver.Handler into a route Handler.
func Adapt(h httpserver.Handler) Handler {
	return func(c *Ctx) { h.ServeHTTP(c.W, c.R) }
}

// Std turns a net/http handler into a route Handler that runs in the
// worker pool (see httpserver.Std), so that existing net/http code can
// sit behind the router. Path parameters are not passed on.
func Std(h http.Handler) Handler { return Adapt(httpserver.Std(h)) }
