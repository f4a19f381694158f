package httpserver

import "errors"

// ErrNotHijackable is returned by the Hijack of Std's writer (and so by
// http.ResponseController.Hijack) when the connection cannot be handed
// over whole: the response has begun, the request's body has not been
// received to its end, or the client has already sent a request after
// this one. Test with errors.Is.
var ErrNotHijackable = errors.New("httpserver: connection cannot be hijacked")

// hijack ends w's response with nothing sent and, once the responses
// before it have gone out, hands the connection to fn as Upgrade does,
// but without a 101: the new owner writes its own answer. It is what
// Std's writer does for http.Hijacker. The request must have been
// received whole and be the last the connection has parsed, so that
// every byte after it reaches the new owner. Parsing stops at once.
// Loop-only.
func (w *ResponseWriter) hijack(fn UpgradeFunc) error {
	r := w.req
	sc := w.sc
	switch {
	case w.ended:
		return ErrResponseEnded
	case w.dead:
		return ErrConnClosed
	case w.committed || fn == nil:
		return ErrNotHijackable
	case r.bstate != bodyNone || r.bodyErr != nil:
		return ErrNotHijackable
	case sc.cur != nil || len(sc.queue) == 0 || sc.queue[len(sc.queue)-1] != r:
		return ErrNotHijackable
	}
	sc.upHold = r
	w.committed = true
	w.prepared = true
	w.noBody = true
	w.x().upgradeFn = fn
	w.End()
	return nil
}
