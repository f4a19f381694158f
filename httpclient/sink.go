package httpclient

import (
	"bytes"
	"compress/gzip"
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
// gathered with one allocation and no copy.
func (s *bufferSink) head(_ *trip, r *Response) {
	if r.ContentLength > 0 && r.ContentLength <= maxPresize {
		s.buf = make([]byte, 0, r.ContentLength)
	}
}

func (s *bufferSink) body(_ *trip, p []byte) { s.buf = append(s.buf, p...) }

func (s *bufferSink) end(_ *trip, r *Response) {
	r.Body = s.buf
	if r.Uncompressed {
		zr, err := gzip.NewReader(bytes.NewReader(s.buf))
		if err == nil {
			r.Body, err = io.ReadAll(zr)
		}
		if err != nil {
			s.p.Reject(&ResponseError{Kind: ErrMalformedResponse, Err: err})
			return
		}
	}
	s.p.Resolve(r)
}

func (s *bufferSink) fail(err error) { s.p.Reject(err) }
