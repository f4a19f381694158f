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

func (s *bufferSink) head(*trip, *Response) {}

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
