// Package httpserver is eddy's HTTP/1.1 server: it runs on event loops,
// one per core, with no goroutine per connection, and frames requests
// with the strict parser of codec/http1.
//
//	g, _ := eddy.NewGroup()
//	srv := &httpserver.Server{Handler: httpserver.HandlerFunc(hello)}
//	addr, _ := srv.Serve(g, "tcp", "127.0.0.1:8080")
//	g.Start()
//	...
//	srv.Shutdown(ctx) // graceful
//
// # Handlers
//
// A Handler's ServeHTTP runs on the connection's loop and must not
// block. The response ends when ServeHTTP returns, unless something holds
// it open: Wait (a future, such as a Redis reply, settles later),
// Request.ReadBody and Request.OnBody (the body arrives later), or
// ResponseWriter.Async (the handler calls End itself). Code written for
// net/http runs through Std, in the worker pool, and sees what net/http's
// own server would give it (Std's documentation lists the few
// deliberate differences).
//
// A handler that panics (in ServeHTTP, a body callback or a Wait
// callback) gets a 500 if nothing of its response was sent, and
// otherwise its connection closes without completing the response; the
// loop reports the panic like any other (see eddy.WithPanicHandler) and
// goes on.
//
// A handler that keeps its Request or ResponseWriter after ServeHTTP
// returns must hold the response open with one of those: when a
// response ends within ServeHTTP with no such hook, the connection
// reuses both objects, and their headers' storage, for its next request,
// so that a keep-alive request allocates nothing. Strings taken from a
// request (path, header values) stay valid in every case.
//
// # Contexts and timeouts
//
// Request.Context returns a context for the request, made when first
// asked for (a handler that never asks pays nothing), whose parent is
// Server.BaseContext's. It ends when the response ends, with
// ErrResponseEnded as its cause (context.Cause), or before, when the
// connection closes (ErrConnClosed) or a timeout gives up on the
// request: pass it to the drivers a handler calls, so that their work
// stops with the client. Std's net/http handlers get it too.
//
// TimeoutHandler bounds a handler that leaves its response open: d
// after the call, a response whose head has not gone is replaced by a
// 503 (the connection stays open), and one whose head has gone is cut
// short (the connection closes); the context ends with
// ErrHandlerTimeout and the handler's later writes report it.
// ServeTimeout is the same mechanism for a layer that answers its own
// way (web.Timeout).
//
// # Bodies and backpressure
//
// A request body is not read until the handler asks for it: OnBody
// streams it piece by piece (PauseBody and ResumeBody pause the
// connection, so TCP flow control holds the client back), ReadBody
// buffers it up to a limit. Asking is also what sends "100 Continue" to a
// client that expects it. A body the handler never reads, or has not
// finished reading when the response ends, is discarded after the
// response when the server need not wait for the client to learn that it
// is short: a rest of at most 256 KiB by its Content-Length, or a
// chunked body whose end came with its head, within 256 KiB. Otherwise
// (a longer body, a chunked one still arriving, one whose client waits
// for a "100 Continue" it was not sent) the server reads no more of it,
// the response says "Connection: close", and the connection closes once
// the responses up to this one are sent; so does a response whose head
// goes before its end (a flush) while the handler has not asked for
// such a body.
// A connection the server closes while the client may still be sending
// (the server chose to close after a response while the client may be
// pipelining, an unread body, a rejected request) closes lingering, as
// net/http's and nginx's do: the server shuts down its writing side and
// reads and drops what still comes until the client closes, 16 MiB, or
// 5 s after the output has gone (500 ms during Shutdown), since closing
// with unread input makes the kernel send a reset, which destroys the
// part of the response not yet transmitted. Idle connections, and
// clients that asked to close and have nothing unread, close at once;
// but Shutdown closes an idle connection that has answered requests
// lingering, since its client may not have read the last response yet
// and may be sending its next request.
//
// Responses are buffered up to 16 KiB, so that a small one gets a
// Content-Length; longer ones, or flushed ones, are sent chunked unless
// the handler set a Content-Length. When the connection's write queue is
// full, ResponseWriter.Write returns eddy.ErrQueueFull and
// ResponseWriter.OnWritable says when to go on: a slow client holds only
// its own connection.
//
// # Files, filters, interim responses and upgrades
//
// ResponseWriter.SendFile queues a region of a file as body bytes: the
// kernel copies it to the socket (sendfile), in order with the bytes
// written before and after, and a callback says when the file may be
// closed. Connections that cannot (TLS) refuse it with
// ErrSendFileUnsupported, and the caller reads the file instead.
//
// A BodyFilter (SetBodyFilter) transforms the body on its way out, as
// web.Gzip compresses it; a filter may change the header until it first
// emits, and remove itself.
//
// WriteInterim sends 1xx responses, such as 103 (Early Hints), before
// the final one. A request that asks to switch protocols
// (Request.IsUpgrade) may be answered with ResponseWriter.Upgrade: after
// the 101, the server stops parsing HTTP on the connection and hands it,
// with the bytes that followed the request, to a handler of the caller's
// (WebSocket builds on this). Until such a request has been answered,
// the bytes after it are not parsed.
//
// # Protocol
//
// Connections are kept alive and pipelined: requests are parsed ahead,
// their handlers run at once, and their responses are sent in order, the
// later ones queued until the earlier ones end. HEAD responses carry no
// body bytes. Every response has a Date, from the loop's clock (read once
// per loop turn) and formatted once per second per loop. The responses
// to the requests of one read go out in one write.
// A request the parser rejects (ambiguous framing, bare LF, a missing or
// duplicate Host, or a limit: 431 for the head, 414 for the target, 413
// for the body) is answered with its status and "Connection: close", and
// the connection closes once that is sent. The server offers no
// tunnels of its own (a net/http handler can make one with Std's
// Hijack): a 2xx response to CONNECT goes out without framing fields
// (RFC 9110 §9.3.6) and the connection closes after it, the bytes that
// followed the request (tunnel data, to the client) never parsed as
// requests. Timeouts run on loop timers:
// ReadHeaderTimeout (408), ReadBodyTimeout (408 or a close),
// IdleTimeout (a close) and SendTimeout (a close when output queued for
// the client makes no progress: a client that stops reading).
//
// # Structure
//
// The per-connection state machine (conn.go) is sans-I/O: it is fed bytes
// and writes bytes through a small transport interface, so the fuzz target
// drives it without sockets. server.go joins it to eddy connections.
//
// The per-request path allocates nothing in the common case: a
// synchronous handler's Request is reused for the connection's next
// request (see Request), strings equal to the previous request's are
// shared with it rather than copied, and the response's head and small
// body are built straight into the connection's output.
//
// # TLS
//
// Serve passes its eddy.ListenOption values to the listener, so a TLS
// layer (package tlsx) plugs in unchanged.
//
// # Concurrency
//
// Server.Serve and Server.Shutdown are safe for concurrent use;
// Server.ServeLoop, Request and ResponseWriter are loop-only.
package httpserver
