package httpserver

import "github.com/eddy-go/eddy/future"

// Wait keeps the response open until f settles, then calls fn on the
// request's loop with f's result; the response ends when fn returns,
// unless fn calls Async or Wait again. This is how a handler answers
// after an asynchronous step, such as a Redis call, without blocking the
// loop. If the connection closes first, f is cancelled with
// ErrConnClosed and fn still runs (its writes report ErrConnClosed).
// Loop-only.
func Wait[T any](w *ResponseWriter, f *future.Future[T], fn func(v T, err error)) {
	w.holds++
	w.OnAbort(func() { f.Cancel(ErrConnClosed) })
	l := w.sc.t.Loop()
	f.OnSettle(func(v T, err error) {
		run := func() {
			if !w.ended {
				func() {
					defer w.recoverPanic()
					fn(v, err)
				}()
			}
			w.release()
		}
		if l == nil || l.OnLoop() {
			run()
		} else if l.Post(run) != nil {
			return // the loop is gone, and the connection with it
		}
	})
}
