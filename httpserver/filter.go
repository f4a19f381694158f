package httpserver

// BodyFilter transforms a response body on its way to the connection,
// as a compressing middleware does. The ResponseWriter gives it the
// bytes the handler writes; the filter passes what it makes of them to
// emit, at once or later, and emit frames them as body bytes (emitted
// bytes are what Written counts). A filter may change the response's
// header until it first emits, and may remove itself
// (SetBodyFilter(nil)) from within its methods once it holds nothing.
// Its methods run on the loop.
type BodyFilter interface {
	// Write takes bytes the handler wrote. p is valid only during the
	// call.
	Write(p []byte, emit func([]byte))
	// Flush emits what the filter holds, as far as it can: it runs at
	// ResponseWriter.Flush, and before SendFile (which is refused while
	// a filter remains).
	Flush(emit func([]byte))
	// Close emits the rest and releases the filter's resources. It runs
	// once, when the response ends, also when its connection has gone
	// (emit then drops the bytes).
	Close(emit func([]byte))
}

// SetBodyFilter makes f the response's body filter, or removes the
// filter with nil. A filter must be set before the body's first byte is
// written: afterwards it returns ErrFilterLate. Loop-only.
func (w *ResponseWriter) SetBodyFilter(f BodyFilter) error {
	if f != nil && (w.written > 0 || len(w.buf) > 0 || w.committed || w.ended) {
		return ErrFilterLate
	}
	if f != nil || w.ext != nil {
		w.x().filter = f
	}
	return nil
}

// filterWrite gives p to the filter: the bytes are taken, unless the
// connection cannot take more now (eddy.ErrQueueFull).
func (w *ResponseWriter) filterWrite(p []byte) (int, error) {
	switch {
	case w.ended:
		return 0, w.endedErr()
	case w.dead:
		return 0, ErrConnClosed
	}
	if st := w.Status(); (st < 200 || st == 204 || st == 304) && len(p) > 0 {
		return 0, ErrBodyNotAllowed
	}
	if w.committed && !w.canWrite() {
		return 0, errQueueFull
	}
	w.ext.filter.Write(p, w.emit)
	return len(p), nil
}

// emit writes filtered bytes: taken whatever the queue holds (a filter
// emits at most about what it was given, and was given bytes only when
// the connection could take them).
func (w *ResponseWriter) emit(p []byte) {
	if w.check(len(p)) != nil {
		return
	}
	if !w.committed && len(w.buf)+len(p) <= bufferLimit {
		if w.buf == nil {
			w.buf = w.sc.takeBuf()
		}
		w.buf = append(w.buf, p...)
		w.written += int64(len(p))
		return
	}
	if !w.committed {
		w.commit(false)
	}
	w.written += int64(len(p))
	w.body(p)
}

// closeFilter runs the filter's Close, once.
func (w *ResponseWriter) closeFilter() {
	if f := w.filter(); f != nil {
		w.ext.filter = nil
		f.Close(w.emit)
	}
}
