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
// # Middleware
//
// Middleware wraps handlers: Router.Use for every request (404s, 405s
// and automatic OPTIONS answers included), Group.Use for the routes the
// group registers and the router's own 405 and automatic OPTIONS
// answers to their paths (the group with the longest prefix answering
// for a path that routes of several groups match), and route arguments
// for that route only. The package provides:
//
//   - Recover turns a handler's panic into a 500.
//   - AccessLog logs each response once it has ended.
//   - Gzip compresses dynamic responses (see Compression).
//   - CORS answers cross-origin requests and preflights, by the Fetch
//     standard; use it on the Router or a Group, which see the
//     preflights to their paths (route middleware does not).
//   - BasicAuth lets through only requests with HTTP Basic credentials
//     that a check function accepts, and challenges the others with 401.
//   - Timeout answers 503 when a handler has not responded within a
//     duration.
//
// BeforeHook and AfterHook turn Hooks into middleware (see Hooks).
//
// Ctx.Context is the request's context (httpserver.Request.Context),
// made when first asked for: it ends when the response ends, the client
// goes away or Timeout gives up. Pass it to the drivers a handler calls.
//
// # Static files
//
// Static serves a directory through an os.Root, with every file-system
// call in the worker pool. Whole files and single ranges go out with
// sendfile, the loop never touching their bytes; bodies it must build
// (gzip on the fly, multipart/byteranges, or any body over TLS) are read
// in the worker pool and streamed under backpressure. See its
// documentation for the conditional and range requests it honours.
//
// # Compression
//
// Gzip is middleware that compresses dynamic responses on the fly, by
// Accept-Encoding (q-values, "identity;q=0", "*"), for compressible
// types above a size, streaming with pooled writers; StaticOptions.Gzip
// does the same for files, in the worker pool. Range requests are never
// compressed. Compressed responses get a strong ETag suffixed with
// "-gzip". Under the Gzip middleware, every response that could have been
// compressed (status 200 to 203 with a compressible type, whether or not
// it was) and the 304 that revalidates it get "Vary: Accept-Encoding".
//
// # Uploads
//
// StreamMultipart reads a multipart body as it arrives, part by part and
// piece by piece, with Pause and Resume for backpressure; ReadMultipart
// builds on it to gather a Form, spilling large files to a temporary
// directory as they arrive rather than buffering the body.
//
// # Concurrency
//
// A Router, its Groups and a Static are set up before serving and are
// then safe for concurrent use by the loops. A Ctx is loop-only and
// lives as long as its response.
package web
