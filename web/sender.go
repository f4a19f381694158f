package web

import (
	"io"

	"github.com/eddy-go/eddy"
)

// part is one piece of a static response body: literal bytes or a range
// of the file.
type part struct {
	lit    []byte
	off, n int64
}

// sender streams a static response: it reads a chunk in the worker pool,
// writes it, and reads the next one only when the write was taken.
type sender struct {
	c       *Ctx
	res     *resolved
	parts   []part
	i       int   // current part
	done    int64 // bytes of the current file part sent
	buf     []byte
	pending []byte
}

// next pushes the body on until it must wait for a read or for the
// connection.
func (s *sender) next() {
	w := s.c.W
	for {
		if len(s.pending) > 0 {
			_, err := w.Write(s.pending)
			if err == eddy.ErrQueueFull {
				w.OnWritable(s.next)
				return
			}
			if err != nil {
				s.finish()
				return
			}
			s.pending = nil
		}
		if s.i == len(s.parts) {
			s.finish()
			return
		}
		p := &s.parts[s.i]
		if p.lit != nil {
			s.pending = p.lit
			s.i++
			continue
		}
		left := p.n - s.done
		if left == 0 {
			s.i, s.done = s.i+1, 0
			continue
		}
		n := min(left, int64(len(s.buf)))
		buf, f, off := s.buf[:n], s.res.f, p.off+s.done
		eddy.Work(s.c.R.Loop(), func() (int, error) {
			k, err := f.ReadAt(buf, off)
			if err == io.EOF && k == len(buf) {
				err = nil
			}
			return k, err
		}, func(k int, err error) {
			if err != nil || k == 0 || w.Ended() {
				// The file shrank or failed: End with the body
				// short of its Content-Length closes the
				// connection, so the client sees the cut.
				s.finish()
				return
			}
			s.pending = buf[:k]
			s.done += int64(k)
			s.next()
		})
		return
	}
}

// finish closes the file and ends the response.
func (s *sender) finish() {
	s.res.f.Close()
	s.c.W.End()
}
