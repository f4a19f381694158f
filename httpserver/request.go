package httpserver

import (
	"context"
	"net"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/http1"
)

// Body states.
const (
	bodyNone    uint8 = iota // no body, or it has ended
	bodyWaiting              // body not asked for yet: reading is paused
	bodyReading              // delivering to the handler
	bodyPaused               // the handler paused it
	bodyDiscard              // the response ended first: dropping it
	bodyFailed               // cut short
)

// Request is an HTTP request as the server received it. Its string
// fields are copies, valid as long as the caller keeps them; the request
// itself, its Header, its body methods and its ResponseWriter are
// loop-only and must not be used after the response has ended.
//
// Ownership: when the response ends within ServeHTTP and the handler
// registered no asynchronous hook (Async, Wait, OnBody, ReadBody,
// OnWritable, SendFile, OnAbort, OnEnd, a body filter, an upgrade), the
// connection reuses the Request, its ResponseWriter and their headers'
// storage for its next request. A handler that keeps the request past
// ServeHTTP takes one of those hooks (usually Async or Wait), which makes
// the request its own; strings taken from it, header values included,
// may be kept in any case.
type Request struct {
	// Method is the request method, such as "GET".
	Method string
	// Target is the request-target as received: "/a/b?c" mostly.
	Target string
	// Path is the path of the target, not decoded: "/a/b".
	Path string
	// RawQuery is the part of the target after "?", or "".
	RawQuery string
	// Host is the authority the request is for, from the target or the
	// Host field.
	Host string
	// ProtoMinor is 0 for HTTP/1.0 and 1 for HTTP/1.1.
	ProtoMinor int
	// Header holds the header fields in order of arrival.
	Header Header
	// ContentLength is the body length, 0 without a body, or -1 when it
	// is chunked.
	ContentLength int64
	// Chunked reports a chunked request body.
	Chunked bool

	w        ResponseWriter
	sc       *serverConn
	queued   bool
	sync     bool // the response ended within ServeHTTP, with no async hook
	expect   bool // Expect: 100-continue
	upgrade  bool // asks to switch protocols
	bstate   uint8
	onData   func(p []byte)
	onEnd    func(err error)
	trailers Header
	dropped  int64
	got      int64 // body bytes delivered to the handler
	bodyHere bool  // a chunked body ended within the bytes received with the head (see chunkedBuffered)
	bodyErr  error
	attached any // this request's attachment (Attach)
	spare    any // an earlier request's, carried over by recycling (Spare)

	// The request's context, made by the first call to Context and
	// cancelled (cancel then nil) when the response ends or is aborted;
	// see context.go. A recycled request starts again with neither.
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// Attach stores v with the request, for a layer above the server: package
// web keeps its per-request context there. Attached returns it. Loop-only.
func (r *Request) Attach(v any) { r.attached = v }

// Attached returns what Attach stored for this request, or nil.
// Loop-only.
func (r *Request) Attached() any { return r.attached }

// Spare returns what was attached to an earlier request that this
// Request served before it was recycled (see the package documentation
// on recycling), or nil: nothing holds it any more, so the layer that
// attached it may reset it and attach it again instead of allocating.
// Loop-only.
func (r *Request) Spare() any { return r.spare }

// ResponseWriter returns the request's response. Loop-only.
func (r *Request) ResponseWriter() *ResponseWriter { return &r.w }

// Loop returns the loop the request's connection belongs to, for
// starting asynchronous work; it is nil only in the server's own tests.
// Safe for concurrent use.
func (r *Request) Loop() *eddy.Loop { return r.sc.t.Loop() }

// RemoteAddr returns the client's address, or nil if unknown.
func (r *Request) RemoteAddr() net.Addr { return r.sc.t.RemoteAddr() }

// HasBody reports whether the request has a body still to be read.
func (r *Request) HasBody() bool { return r.bstate == bodyWaiting }

// Trailers returns the trailer fields of a chunked body, once it has
// ended.
func (r *Request) Trailers() *Header { return &r.trailers }

// OnBody starts reading the body: data receives each piece as it arrives
// (p is valid only during the call), then end runs once, with nil at the
// end of the body or the error that cut it short. The response stays open
// until end has returned. A request without a body calls end(nil) at
// once. Reading is paused until OnBody is called, which is when a client
// that sent "Expect: 100-continue" is told to go on. OnBody may be called
// once; a second call gets end(ErrBodyRead). If the response ends
// before the body, end gets ErrResponseEnded and the rest of the body is
// discarded (see the package documentation). Loop-only.
func (r *Request) OnBody(data func(p []byte), end func(err error)) {
	switch r.bstate {
	case bodyNone:
		if r.onEnd != nil {
			end(ErrBodyRead)
			return
		}
		r.onEnd = end
		end(r.bodyErr)
		return
	case bodyWaiting:
	default:
		end(ErrBodyRead)
		return
	}
	r.onData = data
	r.onEnd = end
	r.bstate = bodyReading
	r.w.holds++
	if r.expect {
		r.w.sendContinue()
	}
	r.sc.resume()
	if !r.sc.inData {
		r.sc.updateDeadline(r.sc.t.Now())
	}
}

// PauseBody stops the delivery of body data until ResumeBody: reading
// from the connection pauses, and TCP flow control holds the client.
// Loop-only.
func (r *Request) PauseBody() {
	if r.bstate == bodyReading {
		r.bstate = bodyPaused
	}
}

// ResumeBody undoes PauseBody. Loop-only.
func (r *Request) ResumeBody() {
	if r.bstate == bodyPaused {
		r.bstate = bodyReading
		r.sc.resume()
	}
}

// ReadBody reads the whole body into memory, up to limit bytes (limit <=
// 0 means no limit), and calls fn with it, or with the error that
// stopped it: ErrBodyTooLarge as soon as the body goes past the limit,
// after which the rest is not read and the connection closes once the
// response is sent. The response stays open until fn has returned and
// ends then unless fn called Async. Loop-only.
func (r *Request) ReadBody(limit int64, fn func(body []byte, err error)) {
	if r.ContentLength > 0 && limit > 0 && r.ContentLength > limit && r.bstate == bodyWaiting {
		r.w.closeAfter = true
		r.w.holds++
		fn(nil, ErrBodyTooLarge)
		r.w.release()
		return
	}
	var buf []byte
	if r.ContentLength > 0 {
		buf = make([]byte, 0, r.ContentLength)
	}
	r.OnBody(func(p []byte) {
		if limit > 0 && int64(len(buf)+len(p)) > limit {
			buf = nil
			r.stopBody(ErrBodyTooLarge)
			return
		}
		buf = append(buf, p...)
	}, func(err error) {
		if err != nil {
			buf = nil
		}
		fn(buf, err)
	})
}

// stopBody cuts short the body being read, from within its data
// callback: the end callback gets err now, the rest is left unread, and
// the connection closes once the response is sent.
func (r *Request) stopBody(err error) {
	r.w.closeAfter = true
	r.bstate = bodyFailed
	r.onData = nil
	r.bodyErr = err
	r.callEnd(err)
	r.w.release()
}

// deliver gives p to the handler's data callback, failing the response
// if it panics.
func (r *Request) deliver(p []byte) {
	defer r.w.recoverPanic()
	r.onData(p)
}

// bodyData delivers a piece of the body from the parser.
func (r *Request) bodyData(p []byte) {
	switch r.bstate {
	case bodyReading, bodyPaused:
		r.got += int64(len(p))
		r.deliver(p)
	case bodyDiscard:
		r.dropped += int64(len(p))
		if r.dropped > maxDiscard {
			// Too much to drop: read no more of it (bodyFailed
			// pauses reading) and close. Not before the responses
			// still queued up to this one have gone, though: a
			// pipelined response still pending ahead of it (an
			// asynchronous one) would be lost with it.
			r.bstate = bodyFailed
			r.w.closeAfter = true
			r.sc.closing = true
			if !r.queued {
				r.sc.closeConn()
			}
		}
	}
}

func (r *Request) setTrailers(h http1.Header) {
	for _, f := range h {
		r.trailers.Add(string(f.Name), string(f.Value))
	}
}

// bodyEnd ends the body, normally (nil) or not.
func (r *Request) bodyEnd(err error) {
	st := r.bstate
	r.bstate = bodyNone
	r.bodyErr = err
	r.onData = nil
	if st == bodyReading || st == bodyPaused {
		r.callEnd(err)
		r.w.release()
	}
}

// callEnd calls the handler's end callback, failing the response if it
// panics.
func (r *Request) callEnd(err error) {
	defer r.w.recoverPanic()
	r.onEnd(err)
}

// discardBody switches an unread body to being dropped, because the
// response ended without reading it. It reports whether the connection
// can stay open: when it cannot (see closesUnread), the rest of the body
// is left unread.
func (r *Request) discardBody() bool {
	switch r.bstate {
	case bodyReading, bodyPaused:
		// The handler ended the response before the body: it gets no
		// more of it (its end callback, ErrResponseEnded, runs soon),
		// and the rest is dropped as an unread body is.
		keep := !r.closesUnread()
		r.bstate = bodyDiscard
		if !keep {
			r.bstate = bodyFailed
		}
		r.onData = nil
		end := r.onEnd
		r.sc.t.Defer(func() { end(ErrResponseEnded) })
		return keep
	case bodyWaiting:
	default:
		return true
	}
	if r.closesUnread() {
		r.bstate = bodyFailed
		return false
	}
	r.bstate = bodyDiscard
	return true
}

// closesUnread reports whether the server would close the connection
// after the response because of the body still to come, if the response
// ended now without reading more of it: its head must then say so (RFC
// 9112 §9.6), or the client learns it only when its next request fails.
// The server drops an unread body, to keep the connection, only if it
// need not wait for the client to learn how long it is: a length within
// maxDiscard, or a chunked body whose end came with its head
// (chunkedBuffered). Other chunked bodies close, though most of them
// might have been short: net/http reads up to 256 KiB of such a body
// before it writes the head, which would hold the response, and the
// connection's other responses, until the client had sent that much or
// the body's end, and a client that sends a body it does not expect to
// be read mostly sends it with its head. A client that waits for "100
// Continue" and has not had it may never send the body (RFC 9110
// §10.1.1).
func (r *Request) closesUnread() bool {
	switch r.bstate {
	case bodyWaiting:
		if r.expect && !r.w.continued {
			return true
		}
	case bodyReading, bodyPaused:
	default:
		return false
	}
	if r.Chunked {
		return !r.bodyHere
	}
	return r.ContentLength-r.got > maxDiscard
}
