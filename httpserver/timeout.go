package httpserver

import (
	"time"

	"github.com/eddy-go/eddy"
)

// TimeoutHandler returns a Handler that runs h with a time limit, as
// net/http's TimeoutHandler does, for an asynchronous handler: if h's
// response has not ended d after h was called, the request's context is
// cancelled with ErrHandlerTimeout and
//   - if its head has not been sent, what h set and buffered is dropped
//     (header fields set before h was called, by the layers around it,
//     stay) and the client gets 503 (Service Unavailable) with msg as a
//     text/plain body, on a connection that stays open for its next
//     request;
//   - if its head has been sent (a stream), the response is cut short:
//     the connection closes after what was sent, so that the client sees
//     the body end early, as with net/http's WriteTimeout.
//
// Either way the response has ended: h's later writes to it (Write,
// Flush, SendFile...) report ErrHandlerTimeout, and WriteHeader and End
// do nothing, as after any End; a Wait callback still pending is not
// called. h should watch r.Context() to stop its work.
//
// A response that ends within h's ServeHTTP costs nothing more: the
// timer is started only for a response that h leaves open, and stopped
// when it ends or its connection closes.
func TimeoutHandler(h Handler, d time.Duration, msg string) Handler {
	return &timeoutHandler{h: h, d: d, answer: timeoutAnswer(msg)}
}

type timeoutHandler struct {
	h      Handler
	d      time.Duration
	answer Handler // a timeoutAnswer, made an interface once, not per call
}

// timeoutAnswer is TimeoutHandler's 503, with its message.
type timeoutAnswer string

func (msg timeoutAnswer) ServeHTTP(w *ResponseWriter, r *Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(503)
	w.WriteString(string(msg))
}

func (t *timeoutHandler) ServeHTTP(w *ResponseWriter, r *Request) {
	// The closure does not escape ServeTimeout: it costs no allocation.
	ServeTimeout(w, t.d, func() { t.h.ServeHTTP(w, r) }, t.answer)
}

// ServeTimeout is TimeoutHandler's mechanism, for layers above the
// server that answer a timeout their own way (web.Timeout): it calls
// serve, which runs a handler for w's request, and if that leaves the
// response open, bounds it to d from now. When d passes first, the
// request's context is cancelled with ErrHandlerTimeout and then, if
// the head has not been sent, the response is cleared (the header
// fields added since ServeTimeout was called, status, buffered body and
// body filter) and answer writes the one that replaces it, as a handler
// would (nil answer: an empty 503), after which it ends; if the head
// has been sent, the response is cut short and the connection closes
// after what was sent. Later writes to it report
// ErrHandlerTimeout. Loop-only.
func ServeTimeout(w *ResponseWriter, d time.Duration, serve func(), answer Handler) {
	// The fields set so far are the outer layers' (CORS's, say): a
	// 503 that replaces the response keeps them, as net/http's
	// TimeoutHandler does, for a browser to be allowed to read it.
	held, async, kept := w.holds, w.async, w.header.Len()
	serve()
	// The response stays open past serve only if serve took a hold on
	// it (Async, Wait, OnBody, ReadBody) or an outer Async does: else
	// it ends when the caller's own hold is released, and needs no
	// timer.
	if w.ended || w.dead || w.holds <= held && !async && !w.async {
		return
	}
	var l *eddy.Loop
	if w.sc != nil {
		l = w.sc.t.Loop()
	}
	if l == nil {
		return // the server's own tests, without a loop
	}
	tm := l.AfterFunc(d, func() { w.timeout(answer, kept) })
	stop := func() { tm.Stop() }
	w.OnEnd(stop)
	w.OnAbort(stop)
}

// timeout gives up on a response its handler left open too long (see
// ServeTimeout).
func (w *ResponseWriter) timeout(answer Handler, kept int) {
	if w.ended || w.dead {
		return
	}
	// Set first: a context asked for from now on, by answer or by an
	// OnEnd callback, is born ended with ErrHandlerTimeout (Context).
	w.x().timedOut = true
	w.req.endContext(ErrHandlerTimeout)
	w.async = false
	// A writer waiting for room (OnWritable) is called back, as when
	// the connection closes, to find its next write refused: else it
	// waits for ever (a net/http handler's goroutine under Std, or an
	// asynchronous one holding a file open), End dropping the callback.
	wake := w.onWritable
	w.onWritable = nil
	if !w.committed {
		w.reset(kept)
		if answer == nil {
			w.WriteHeader(503)
		} else {
			func() {
				defer w.recoverPanic()
				answer.ServeHTTP(w, w.req)
			}()
		}
	} else {
		w.dropFilter()
		// Cut short: End sends no end of a chunked body, and the
		// connection closes after what was sent.
		w.broken = true
		w.closeAfter = true
	}
	w.End()
	if wake != nil {
		w.sc.t.Defer(wake)
	}
}
