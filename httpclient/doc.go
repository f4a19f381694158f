// Package httpclient is an HTTP/1.1 client whose connections live on eddy
// event loops: no goroutine per connection, typed futures for the loop
// code, and a blocking Do for goroutine code that takes an *http.Request
// and returns an *http.Response, so that existing code can switch over.
//
//	c := &httpclient.Client{Loop: l, Jar: jar}
//	// on the loop:
//	c.Send(&httpclient.Request{URL: u}).OnSettle(func(r *httpclient.Response, err error) { … })
//	// from a goroutine:
//	resp, err := c.Do(req)
//
// # Connections
//
// Each loop keeps a pool per origin (scheme, host and port): keep-alive
// connections are reused, at most MaxIdlePerHost stay idle (for up to
// IdleTimeout) and at most MaxConnsPerHost are open, the requests beyond
// waiting in line. A pooled connection that the server closed while it was
// idle is retried once on a new connection, for idempotent requests only.
// A connection that is closing (a TLS close_notify read with the last
// response, or the idle timer's) is never handed out: a connection freed
// while requests wait in line, or for the next hop of a redirect, is given
// out on the next tick, once its layer has acted on everything read with
// the response. A request with "Connection: close" (with Do,
// http.Request.Close) is the last on its connection.
//
// Names are resolved by the loop's resolver and dialled the Happy Eyeballs
// way (eddy's Loop.Dial); https runs over tlsx, which verifies certificates
// by default (a failure matches tlsx.ErrHandshake and unwraps to the
// crypto/tls or crypto/x509 error).
//
// # Proxies
//
// Client.Proxy picks a proxy per request: ProxyFromEnvironment reads
// HTTP_PROXY, HTTPS_PROXY and NO_PROXY as net/http does, ProxyURL sets one.
// Plain http goes to a forward proxy in absolute form; https goes through a
// CONNECT tunnel, with TLS to the origin inside it, pooled like a direct
// connection. User info in the proxy URL becomes Proxy-Authorization. A
// refused CONNECT fails with a *ProxyError (ErrProxy).
//
// # Responses
//
// Responses are framed by the strict codec of package codec/http1: HEAD,
// 1xx, 204 and 304 have no body, chunked bodies (with trailers) are decoded,
// and a body without length runs until the close. A malformed response fails
// with a *ResponseError matching ErrMalformedResponse, and a response cut
// short with one matching ErrTruncated; the connection is dropped, never
// pooled. Up to 10 interim (1xx) responses may come before the final one;
// an 11th is malformed, so that a server cannot hold a request with them. When the client asked for gzip itself, a gzip body is
// decompressed transparently; one that does not decompress fails with a
// *ResponseError matching ErrMalformedResponse too (with Do, from the
// body's Read). Client.MaxResponseBody bounds the body Send
// gathers, decompressed (ErrBodyTooLarge): without it, a small gzip body
// can inflate to gigabytes.
//
// # Redirects and cookies
//
// Up to MaxRedirects redirects are followed with the method rewritten as
// RFC 9110 §15.4 says (303 becomes GET, and so do 301 and 302 after a POST);
// Authorization and Cookie fields are dropped when the host changes. A
// CookieJar, such as net/http/cookiejar's, sees every hop. A redirect's
// body is read and dropped to keep the connection, up to 64 KiB; a longer
// one closes the connection instead, and the redirect is followed at once. User info in a
// request's URL (http://user:pass@host/) becomes a Basic Authorization
// field unless the request sets one, as with net/http's Client.
//
// # Bodies
//
// A request body is a fixed []byte or a stream of pieces (Request.BodyStream
// on the loop; an io.Reader with Do), sent chunked when its length is
// unknown, one piece at a time as the connection's write queue drains, and
// held back after "Expect: 100-continue" until the server's 100 arrives
// (or Timeouts.ExpectContinue passes); a final status instead means the
// body is never sent and the connection is not reused. When the server
// answers before taking the whole body and closes the connection, what is
// left of the body is not sent. Send delivers the
// whole response body; Stream hands the head and each piece of the body to
// callbacks on the loop, which can pause the connection; Do streams it
// through a pipe that stops reading from the socket while the reader lags.
//
// # Timeouts and cancellation
//
// Timeouts bounds the connect (with the TLS handshake), the wait for the
// response head and the whole request; a request out of time fails with a
// *TimeoutError, which matches ErrConnectTimeout, ErrHeaderTimeout or
// ErrRequestTimeout and context.DeadlineExceeded. The request's context,
// cancelling Send's future or closing Do's body early aborts it
// (*CancelError, matching ErrCanceled and the context's cause).
//
// # Cost per request
//
// A request on a pooled connection costs one write and, usually, one read
// system call. Each pool keeps the validated request line and Host field
// of its last request, so a repeated GET is encoded by copying them into a
// scratch buffer of the loop; idle connections keep their timer armed and
// check the idle time when it fires, rather than stopping and starting it
// for each request; the response-header timeout is one timer per
// connection, reset per request. Send allocates the trip, its sink and the
// Response together; the response header is built with the common field
// names interned, one string for its values and one slice of them; a body
// with a Content-Length is gathered in one buffer of that size.
//
// # Concurrency
//
// Send and Stream are loop-only; Do and CloseIdleConnections are safe for
// concurrent use. The Client's fields must not change after the first request.
package httpclient
