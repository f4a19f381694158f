// Package web is eddy's web layer on top of httpserver: a router, hooks
// and middleware, request and response helpers, and a static file
// handler. Like the server it runs on the event loops: handlers must not
// block, and asynchronous steps keep the response open (httpserver.Wait,
// Request.ReadBody, ResponseWriter.Async).
//
//	rt := web.New()
//	rt.Use(web.Recover(nil), web.AccessLog(nil))
//	rt.Get("/users/:id{[0-9]+}", func(c *web.Ctx) {
//		c.JSON(200, map[string]string{"id": c.Param("id")})
//	})
//	srv := &httpserver.Server{Handler: rt}
//
// # Routing
//
// Routes are kept in a segment trie per virtual host. At each segment a
// literal beats a parameter (constrained parameters are tried before the
// unconstrained one), which beats a wildcard; when a branch fails deeper
// down the search backtracks. Parameters are kept in a small array in
// the Ctx, not a map: looking up a static route allocates nothing.
// A path matched only by routes of other methods gets 405 with an Allow
// header; HEAD falls back to GET, and OPTIONS is answered with Allow.
//
// # Hooks
//
// A Hook runs before a handler (BeforeHook, Router.Before, Group.Before)
// and may return a future: the request waits for it, wookie-style, and
// stops if it is rejected, the error mapped to a status by StatusOf.
// After hooks run once the response has ended.
//
// # Static files
//
// Static serves a directory through an os.Root, with every file-system
// call in the worker pool and the body streamed under backpressure; see
// its documentation for the conditional and range requests it honours.
//
// # Concurrency
//
// A Router, its Groups and a Static are set up before serving and are
// then safe for concurrent use by the loops. A Ctx is loop-only and
// lives as long as its response.
package web
