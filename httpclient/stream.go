package httpclient

import (
	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/future"
)

// StreamHandler receives a response as it arrives, on the loop: the
// callbacks of cl-async's carrier. Either may be nil.
type StreamHandler struct {
	// Head receives the final response head (Body is nil). Redirects and
	// interim responses are not shown.
	Head func(s *Stream, r *Response)
	// Body receives each piece of the body; p is valid only during the
	// call. Pausing the stream here holds the rest back.
	Body func(s *Stream, p []byte)
}

// Stream is a response in progress, for StreamHandler's callbacks to
// apply backpressure. Its methods are loop-only.
type Stream struct {
	t *trip
}

// Pause stops reading from the connection: the server is held back by TCP
// flow control until Resume.
func (s *Stream) Pause() { s.t.pause() }

// Resume reads from the connection again after Pause.
func (s *Stream) Resume() { s.t.resume() }

// Stream sends req like Send, but hands the response to h as it arrives
// instead of gathering its body: the head to h.Head, then each piece to
// h.Body, with Stream.Pause and Stream.Resume for backpressure. The
// future resolves, once the body has ended, with the response (its Body
// nil, its Trailer set), or fails as Send's does. The client does not ask
// for gzip on a streamed request, so the pieces are the body as sent.
// Cancelling the future aborts the request. Loop-only.
func (c *Client) Stream(req *Request, h StreamHandler) *future.Future[*Response] {
	l := c.current()
	if l == nil {
		return future.Rejected[*Response](nil, eddy.ErrNotOnLoop)
	}
	f, p := future.New[*Response](l)
	s := &streamSink{p: p, h: h}
	t := c.newTrip(l, req, s)
	t.raw = true
	s.s = &Stream{t: t}
	p.OnCancel(func(cause error) { t.fail(&CancelError{Cause: cause}) })
	t.start()
	return f
}

// streamSink hands the response to a StreamHandler.
type streamSink struct {
	p *future.Promise[*Response]
	h StreamHandler
	s *Stream
}

func (s *streamSink) head(_ *trip, r *Response) {
	if s.h.Head != nil {
		s.h.Head(s.s, r)
	}
}

func (s *streamSink) body(_ *trip, p []byte) {
	if s.h.Body != nil {
		s.h.Body(s.s, p)
	}
}

func (s *streamSink) end(_ *trip, r *Response) { s.p.Resolve(r) }

func (s *streamSink) fail(err error) { s.p.Reject(err) }
