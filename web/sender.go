package web

import (
	"bytes"
	"compress/gzip"
	"io"

	"github.com/eddy-go/eddy"
)

// part is one piece of a static response body: literal bytes or a range
// of the file.
type part struct {
	lit    []byte
	off, n int64
}

// sender streams a static response that sendfile cannot send: it reads
// a chunk in the worker pool (and compresses it there, for gzip on the
// fly), writes it, and reads the next one only when the write was
// taken.
type sender struct {
	c       *Ctx
	res     *resolved
	parts   []part
	i       int   // current part
	done    int64 // bytes of the current file part sent
	buf     []byte
	pending []byte

	gz      *gzip.Writer // compresses the body, or nil
	gzLevel int
	zbuf    bytes.Buffer // gz's output for one chunk
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
			if s.gz != nil && s.gzClose() {
				continue
			}
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
		buf, f, off, gz, zbuf := s.buf[:n], s.res.f, p.off+s.done, s.gz, &s.zbuf
		// WorkOwned, and the error inside the result, so that a read
		// whose result can no longer reach the loop (it stopped)
		// closes the file, whatever the read found.
		eddy.WorkOwned(s.c.R.Loop(), func() (chunkRead, error) {
			k, err := f.ReadAt(buf, off)
			if err == io.EOF && k == len(buf) {
				err = nil
			}
			if gz != nil && k > 0 {
				zbuf.Reset()
				gz.Write(buf[:k])
			}
			return chunkRead{k, err}, nil
		}, func(r chunkRead, perr error) {
			k, err := r.n, r.err
			if perr != nil { // the read panicked
				err = perr
			}
			if err != nil || k == 0 || w.Ended() {
				// The file shrank or failed: End with the body
				// short of its Content-Length (or of its last
				// chunk) closes the connection, so the client
				// sees the cut.
				s.finish()
				return
			}
			s.done += int64(k)
			if gz != nil {
				s.pending = zbuf.Bytes()
			} else {
				s.pending = buf[:k]
			}
			s.next()
		}, func(chunkRead) { f.Close() })
		return
	}
}

// chunkRead is the outcome of one read of a sender's file.
type chunkRead struct {
	n   int
	err error
}

// gzClose ends the gzip stream, on the loop (it writes only a few bytes
// from memory), and reports whether there is a tail to send.
func (s *sender) gzClose() bool {
	s.zbuf.Reset()
	s.gz.Close()
	putGzip(s.gzLevel, s.gz)
	s.gz = nil
	s.pending = s.zbuf.Bytes()
	return len(s.pending) > 0
}

// finish closes the file and ends the response.
func (s *sender) finish() {
	// A gzip stream cut short is left unclosed (the client sees it
	// truncated), its writer dropped rather than pooled.
	s.gz = nil
	s.res.f.Close()
	s.c.W.End()
}
