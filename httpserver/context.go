package httpserver

import "context"

// Context returns the request's context, made on the first call, so
// that a request whose handler never asks costs nothing more. Its parent
// is what Server.BaseContext returns (context.Background() without
// one), and its values are the parent's.
//
// The context is cancelled, with a cause that context.Cause returns and
// errors.Is matches, when
//   - the response ends (End, the return of a handler that answered
//     within ServeHTTP, the end of the callbacks holding it open, or
//     an Upgrade): ErrResponseEnded;
//   - its connection closes first (the client went away or reset it,
//     SendTimeout, Shutdown's forced close) or the server gives up on
//     the response: ErrConnClosed;
//   - the client stops sending the body for ReadBodyTimeout:
//     ErrTimeout;
//   - TimeoutHandler or ServeTimeout gives up on the handler:
//     ErrHandlerTimeout (which matches context.DeadlineExceeded too).
//
// Asked for after the response has ended, it is returned cancelled,
// with the cause it would have had.
// A context, once cancelled, stays so: a request that the server reuses
// for the connection's next request (see Request) starts with a new one.
// Loop-only to call; the context itself is safe for concurrent use, as
// any context is, and may be kept.
func (r *Request) Context() context.Context {
	if r.ctx != nil {
		return r.ctx
	}
	parent := context.Background()
	if r.sc != nil && r.sc.srv != nil && r.sc.srv.BaseContext != nil {
		if p := r.sc.srv.BaseContext(); p != nil {
			parent = p
		}
	}
	r.ctx, r.cancel = context.WithCancelCause(parent)
	switch {
	case r.w.dead:
		r.endContext(ErrConnClosed)
	case r.w.ended:
		r.endContext(r.w.endedErr()) // ErrResponseEnded, or ErrHandlerTimeout
	case r.w.ext != nil && r.w.ext.timedOut:
		// Asked for by the answer that replaces a response the
		// handler took too long with (ServeTimeout): the request's
		// context has ended already.
		r.endContext(ErrHandlerTimeout)
	}
	return r.ctx
}

// endContext cancels the request's context, if it has one, with cause;
// the first cause given is the one it keeps.
func (r *Request) endContext(cause error) {
	if c := r.cancel; c != nil {
		r.cancel = nil
		c(cause)
	}
}
