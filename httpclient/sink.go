package httpclient

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/eddy-go/eddy/future"
)

// bufferSink collects the whole body for Send.
type bufferSink struct {
	p   *future.Promise[*Response]
	buf []byte
}

// maxPresize bounds the body buffer allocated ahead from Content-Length.
const maxPresize = 1 << 20

// head sizes the buffer for the declared length, so that the body is
// gathered with one allocation and no copy, or fails a body declared
// longer than Client.MaxResponseBody without reading it. A response
// without a body (to HEAD, a 304) may declare the length of the body a GET
// would get: there is nothing to size or bound.
func (s *bufferSink) head(t *trip, r *Response) {
	if t.bodiless {
		return
	}
	if max := t.c.MaxResponseBody; max > 0 && r.ContentLength > max {
		t.fail(tooLarge(max))
		return
	}
	if r.ContentLength > 0 && r.ContentLength <= maxPresize {
		s.buf = make([]byte, 0, r.ContentLength)
	}
}

func (s *bufferSink) body(t *trip, p []byte) {
	if max := t.c.MaxResponseBody; max > 0 && int64(len(s.buf))+int64(len(p)) > max {
		// A gzip body is bounded here too: it does not shrink when
		// decompressed, or not by much.
		t.fail(tooLarge(max))
		return
	}
	s.buf = append(s.buf, p...)
}

func (s *bufferSink) end(t *trip, r *Response) {
	r.Body = s.buf
	if r.Uncompressed {
		max := t.c.MaxResponseBody
		zr, err := gzip.NewReader(bytes.NewReader(s.buf))
		if err == nil {
			if max > 0 {
				// One byte more than allowed tells a body too large
				// from one just large enough, without inflating more.
				r.Body, err = io.ReadAll(io.LimitReader(zr, max+1))
				if err == nil && int64(len(r.Body)) > max {
					r.Body = nil
					s.p.Reject(tooLarge(max))
					return
				}
			} else {
				r.Body, err = io.ReadAll(zr)
			}
		}
		if err != nil {
			s.p.Reject(&ResponseError{Kind: ErrMalformedResponse, Err: err})
			return
		}
	}
	s.p.Resolve(r)
}

func tooLarge(max int64) error {
	return &ResponseError{Kind: ErrBodyTooLarge, Err: fmt.Errorf("more than MaxResponseBody (%d bytes)", max)}
}

func (s *bufferSink) fail(err error) { s.p.Reject(err) }
