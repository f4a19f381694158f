// Package http1 is a sans-I/O HTTP/1.1 codec (RFC 9110, RFC 9112): parsers
// that are fed bytes and report messages, and encoders that append bytes.
// It holds no sockets, timers or contexts, so eddy's HTTP server and client
// drive it from their event loops, and tests and fuzzers drive it alone.
//
// # Parsing
//
// [RequestParser] (for servers) and [ResponseParser] (for clients) work on
// the caller's read buffer without copying. Each call to Parse takes the
// bytes not consumed so far, returns how many it consumed and one [Event]:
//
//	for {
//		n, ev, err := p.Parse(buf)
//		buf = buf[n:] // always, even on ErrNeedMore
//		if errors.Is(err, http1.ErrNeedMore) {
//			break // read more, append to buf, call again
//		}
//		if err != nil {
//			var e *http1.Error
//			errors.As(err, &e) // answer e.Status, then close
//			return err
//		}
//		switch ev.Kind {
//		case http1.EventHead: // p.Request(): method, target, header, framing
//		case http1.EventBody: // ev.Data: the next piece of the body
//		case http1.EventTrailers: // p.Trailers()
//		case http1.EventEnd: // message done; the loop goes on with the next
//		}
//	}
//
// A head is reported only once it is complete, as slices into the buffer
// and a header array the parser reuses, so a typical request costs no
// allocation. Bodies are streamed as they arrive and never buffered;
// chunked bodies are decoded. Pipelined messages follow one another in the
// same buffer. Every input gives the same events however it is split
// across calls, apart from how body data is cut into pieces.
//
// # Strictness
//
// The parsers follow RFC 9112 closely and reject, rather than repair,
// anything that two implementations could read differently, since such
// disagreements are what request smuggling exploits:
//
//   - Lines end in CRLF only. A bare LF is rejected (RFC 9112 §2.2 allows a
//     recipient to accept it, but it is a known smuggling vector), and so
//     is a bare CR. Empty lines before a request line are skipped.
//   - The request line has single spaces; methods and field names are
//     tokens; whitespace before the colon, obs-fold (in requests) and
//     control characters or NUL in values are errors.
//   - HTTP/1.0 and HTTP/1.1 are accepted. A higher 1.x is handled as 1.1
//     (RFC 9110 §2.5); another major version gets 505.
//   - An HTTP/1.1 request must carry exactly one valid Host; an
//     absolute-form target overrides its value.
//   - Transfer-Encoding together with Content-Length, in HTTP/1.0, with
//     chunked applied twice or not last, differing or malformed
//     Content-Length values: all rejected. Codings other than chunked
//     are not implemented (501).
//   - Limits on the header section, the number of fields, the target, the
//     body and chunk extensions are [Option] values; exceeding one gives
//     the status RFC 9110 names (431, 414, 413, 400).
//
// Failures are [*Error] values carrying the status a server answers with,
// and wrap sentinels such as [ErrBareLF] for errors.Is.
//
// # Encoding
//
// The Append functions ([AppendResponseHeader], [AppendRequestHeader],
// [AppendChunk], [AppendLastChunk], [AppendDate] and others) only append to
// a caller's slice and validate what they write, so that no field value can
// inject a line break.
//
// # Concurrency
//
// Parsers and [DateCache] are loop-only: one connection, one goroutine at a
// time. The Append functions and [StatusText] are safe for concurrent use.
package http1
