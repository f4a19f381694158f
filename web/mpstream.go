package web

import (
	"mime"
	"path/filepath"

	"github.com/eddy-go/eddy/future"
	"github.com/eddy-go/eddy/httpserver"
)

// Part is one part of a multipart body being streamed.
type Part struct {
	// Header holds the part's header fields.
	Header httpserver.Header
	// FormName is the name parameter of its Content-Disposition.
	FormName string
	// FileName is the filename parameter of its Content-Disposition,
	// reduced to its last element (filepath.Base, as mime/multipart
	// does), so that a client's "../../x" cannot take a handler that
	// joins it to a directory outside that directory; "" for an
	// ordinary form field.
	FileName string
	// ContentType is its Content-Type field.
	ContentType string
	// Size counts the content bytes delivered so far.
	Size int64

	formData bool // its Content-Disposition is form-data
}

// MultipartStream receives a multipart body part by part, each piece of
// content as it arrives. A callback that returns an error stops the
// reading; the error reaches the done function of StreamMultipart. nil
// callbacks are skipped.
type MultipartStream struct {
	// Part is called when a part begins, with its header.
	Part func(p *Part) error
	// Data is called with each piece of the part's content; b is valid
	// only during the call.
	Data func(p *Part, b []byte) error
	// PartEnd is called when the part has ended.
	PartEnd func(p *Part) error
}

// MultipartReader streams a multipart body to a MultipartStream, with
// backpressure: Pause stops the delivery (and, once the bytes at hand
// are held, reading from the connection, so TCP flow control holds the
// client back) until Resume. Loop-only.
type MultipartReader struct {
	c      *Ctx
	s      MultipartStream
	done   func(error)
	opt    MultipartOptions
	p      *mpParser
	part   *Part
	buf    []byte // bytes offered and not consumed, kept across pieces
	total  int64
	nparts int

	paused    bool
	running   bool
	finished  bool
	bodyEnded bool
	bodyErr   error
	waiting   *future.Promise[struct{}] // holds the response past the body's end
}

// StreamMultipart reads a multipart body (any multipart/* media type
// with a boundary) as it arrives and hands it to s, piece by piece,
// without buffering it whole; then calls done, once, with nil or the
// error that stopped it: ErrContentType (415) for another media type,
// httpserver.ErrBodyTooLarge or an *HTTPError 413 past opt.MaxBytes or
// opt.MaxParts, an *HTTPError 400 matching ErrMultipart for a malformed
// body or a missing or invalid boundary, the body's own error (such as
// httpserver.ErrConnClosed), or the error a callback returned.
// opt.MemoryBytes and opt.TempDir are not used here. The response stays
// open until done has returned. It returns the reader, for Pause and
// Resume, or nil if done has been called already. Loop-only.
func (c *Ctx) StreamMultipart(opt MultipartOptions, s MultipartStream, done func(err error)) *MultipartReader {
	return c.streamMultipart(opt, s, done, false)
}

// streamMultipart is StreamMultipart, for multipart/form-data only if
// formOnly.
func (c *Ctx) streamMultipart(opt MultipartOptions, s MultipartStream, done func(err error), formOnly bool) *MultipartReader {
	mt, params, err := mime.ParseMediaType(c.R.Header.Get("Content-Type"))
	if len(mt) < 10 || mt[:10] != "multipart/" || formOnly && mt != "multipart/form-data" {
		done(&HTTPError{Code: 415, Err: ErrContentType})
		return nil
	}
	if err != nil || !validBoundary(params["boundary"]) {
		// The media type is one we read: the request is malformed.
		done(mpError("missing or invalid boundary"))
		return nil
	}
	opt.fill()
	if c.R.ContentLength > opt.MaxBytes {
		c.W.Header().Set("Connection", "close")
		done(&HTTPError{Code: 413, Message: "body too large", Err: httpserver.ErrBodyTooLarge})
		return nil
	}
	mr := &MultipartReader{c: c, s: s, done: done, opt: opt, p: newMPParser(params["boundary"])}
	c.R.OnBody(mr.onData, mr.onEnd)
	return mr
}

// Pause stops the delivery of parts until Resume: for example while a
// piece is written to a file in the worker pool.
func (mr *MultipartReader) Pause() {
	if mr.paused || mr.finished {
		return
	}
	mr.paused = true
	if !mr.bodyEnded {
		mr.c.R.PauseBody()
	}
}

// Resume undoes Pause: the pieces at hand are delivered, and reading
// goes on.
func (mr *MultipartReader) Resume() {
	if !mr.paused {
		return
	}
	mr.paused = false
	if mr.finished {
		return
	}
	if mr.running {
		// Paused and resumed within a callback: the running loop
		// goes on by itself, and so must the body.
		if !mr.bodyEnded {
			mr.c.R.ResumeBody()
		}
		return
	}
	mr.run(nil)
	if mr.paused || mr.finished {
		return
	}
	if mr.bodyEnded {
		mr.end()
		return
	}
	mr.c.R.ResumeBody()
}

// onData receives a piece of the body from the server.
func (mr *MultipartReader) onData(p []byte) {
	if mr.finished {
		return
	}
	mr.total += int64(len(p))
	if mr.total > mr.opt.MaxBytes {
		mr.c.W.Header().Set("Connection", "close")
		mr.finish(&HTTPError{Code: 413, Message: "body too large", Err: httpserver.ErrBodyTooLarge})
		return
	}
	mr.run(p)
}

// run parses the kept bytes followed by p, delivering what they
// complete, until they run out, the reader pauses or it finishes; it
// keeps what is left.
func (mr *MultipartReader) run(p []byte) {
	data := p
	kept := len(mr.buf) > 0
	if kept {
		mr.buf = append(mr.buf, p...)
		data = mr.buf
	}
	mr.running = true
	used := 0
	for !mr.finished && !mr.paused {
		n, ev, b, err := mr.p.parse(data[used:])
		used += n
		if err != nil {
			mr.finish(err)
			break
		}
		if ev == mpNeedMore {
			if n == 0 {
				break
			}
			continue
		}
		if err := mr.deliver(ev, b); err != nil {
			mr.finish(err)
			break
		}
	}
	mr.running = false
	if mr.finished {
		mr.buf = nil
		return
	}
	rest := data[used:]
	switch {
	case len(rest) == 0:
		mr.buf = mr.buf[:0]
	case kept:
		mr.buf = mr.buf[:copy(mr.buf, rest)]
	default:
		mr.buf = append(mr.buf[:0], rest...)
	}
}

// deliver hands one event to the stream.
func (mr *MultipartReader) deliver(ev mpEvent, b []byte) error {
	switch ev {
	case mpPart:
		mr.nparts++
		if mr.nparts > mr.opt.MaxParts {
			mr.c.W.Header().Set("Connection", "close")
			return errTooManyParts
		}
		pt := &Part{Header: mr.p.header}
		mr.p.header = httpserver.Header{}
		pt.ContentType = pt.Header.Get("Content-Type")
		if d, ps, err := mime.ParseMediaType(pt.Header.Get("Content-Disposition")); err == nil {
			pt.formData = d == "form-data"
			pt.FormName, pt.FileName = ps["name"], ps["filename"]
			if pt.FileName != "" {
				pt.FileName = filepath.Base(pt.FileName)
			}
		}
		mr.part = pt
		if mr.s.Part != nil {
			return mr.s.Part(pt)
		}
	case mpData:
		mr.part.Size += int64(len(b))
		if mr.s.Data != nil {
			return mr.s.Data(mr.part, b)
		}
	case mpPartEnd:
		pt := mr.part
		mr.part = nil
		if mr.s.PartEnd != nil {
			return mr.s.PartEnd(pt)
		}
	case mpDone:
		mr.finish(nil)
	}
	return nil
}

// onEnd is the end of the body, normal or not.
func (mr *MultipartReader) onEnd(err error) {
	mr.bodyEnded, mr.bodyErr = true, err
	if mr.finished {
		return
	}
	if err != nil {
		mr.finish(err)
		return
	}
	if mr.paused {
		// Pieces are still held: keep the response open until they
		// have been delivered.
		f, p := future.New[struct{}](mr.c.R.Loop())
		mr.waiting = p
		httpserver.Wait(mr.c.W, f, func(struct{}, error) {})
		return
	}
	mr.end()
}

// end runs at the end of the body once everything held is delivered.
func (mr *MultipartReader) end() {
	if !mr.finished {
		mr.finish(mpError("unexpected end of body"))
	}
}

// finish stops the reader and calls done, once.
func (mr *MultipartReader) finish(err error) {
	if mr.finished {
		return
	}
	mr.finished = true
	mr.paused = false
	mr.buf = nil
	if !mr.bodyEnded {
		// Reading goes on (and the rest is dropped) if the stream was
		// paused: the server must see the body's end.
		mr.c.R.ResumeBody()
	}
	mr.done(err)
	if p := mr.waiting; p != nil {
		mr.waiting = nil
		p.Resolve(struct{}{})
	}
}
