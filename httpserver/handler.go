package httpserver

// Handler answers HTTP requests on the loop. ServeHTTP runs on the
// connection's loop and must not block: blocking work goes to the worker
// pool (eddy.Work, or Std for a net/http handler) and asynchronous steps
// keep the response open with Wait, Request.ReadBody, Request.OnBody or
// ResponseWriter.Async. The response ends when ServeHTTP returns unless
// one of those holds it open.
type Handler interface {
	ServeHTTP(w *ResponseWriter, r *Request)
}

// HandlerFunc adapts a function to a Handler.
type HandlerFunc func(w *ResponseWriter, r *Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w *ResponseWriter, r *Request) { f(w, r) }
