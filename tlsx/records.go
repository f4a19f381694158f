package tlsx

import "sync"

// TLS record framing, as far as tlsx needs it: where the complete records
// in a stream of raw bytes end (RFC 8446 section 5.1, RFC 5246 section
// 6.2). A record is a 5-byte header (content type, legacy version, 16-bit
// length) followed by length bytes.

const (
	recordHeaderLen = 5
	// maxRecordLen is the largest record body any TLS version allows
	// (TLS 1.2's 2^14 + 2048; TLS 1.3 allows 2^14 + 256).
	maxRecordLen = 16384 + 2048
	// Record content types: change_cipher_spec (20) to heartbeat (24).
	minRecordType = 20
	maxRecordType = 24
)

const (
	// rawBufSize is the size of the pooled buffers that hold ciphertext:
	// one socket read (eddy reads up to 64 KiB) behind the part of a
	// record left from the reads before; or, for output, one flush's
	// worth (flushAt) and the record that crosses it.
	rawBufSize = 64<<10 + recordHeaderLen + maxRecordLen
	// maxPooledRaw is the largest ciphertext buffer kept for reuse.
	maxPooledRaw = 256 << 10
)

// rawBufs recycles the buffers that hold ciphertext, read or to be
// written, so that an idle connection holds none.
var rawBufs = sync.Pool{New: func() any { b := make([]byte, 0, rawBufSize); return &b }}

// getRawBuf takes a buffer from rawBufs.
func getRawBuf() *[]byte { return rawBufs.Get().(*[]byte) }

// putRawBuf gives bp back to rawBufs, holding b (which may have outgrown
// *bp) unless it is too large to keep.
func putRawBuf(bp *[]byte, b []byte) {
	if cap(b) <= maxPooledRaw {
		*bp = b[:0]
		rawBufs.Put(bp)
	}
}

// recordBuf holds raw bytes read from the socket, in order, and knows how
// many of them, from the front, make up complete records. crypto/tls is
// handed only those, so it never sees a record cut short by the end of
// the bytes available, and every "no more input" it meets falls on a
// record boundary.
//
// A header that no TLS record can have (an unknown content type or an
// oversized length) makes everything from it on available at once, so
// that crypto/tls reads the header and rejects it with its own error
// instead of tlsx waiting for a body that will never make sense.
//
// recordBuf is a plain value without locking: its owner guards it.
type recordBuf struct {
	buf   []byte  // buf[off:] holds the bytes not yet taken
	bp    *[]byte // the pooled buffer buf came from; nil while nothing is held
	off   int
	ready int  // bytes of buf[off:] that belong to complete records
	bad   bool // a bad header was seen: every byte is ready from then on
}

// feed appends p (which it copies) and finds the records it completes.
func (r *recordBuf) feed(p []byte) {
	if len(p) == 0 {
		return
	}
	if r.bp == nil {
		r.bp = getRawBuf()
		r.buf, r.off = (*r.bp)[:0], 0
	} else if r.off > 0 && r.off == len(r.buf) {
		r.buf, r.off = r.buf[:0], 0
	} else if r.off > 0 && r.off >= cap(r.buf)/2 {
		n := copy(r.buf, r.buf[r.off:])
		r.buf, r.off = r.buf[:n], 0
	}
	r.buf = append(r.buf, p...)
	r.scan()
}

// scan advances ready over every complete record after it.
func (r *recordBuf) scan() {
	data := r.buf[r.off:]
	if r.bad {
		r.ready = len(data)
		return
	}
	for len(data)-r.ready >= recordHeaderLen {
		h := data[r.ready:]
		n := int(h[3])<<8 | int(h[4])
		if h[0] < minRecordType || h[0] > maxRecordType || n > maxRecordLen {
			r.bad = true
			r.ready = len(data)
			return
		}
		if len(h) < recordHeaderLen+n {
			return
		}
		r.ready += recordHeaderLen + n
	}
}

// buffered returns the number of bytes held, complete records or not.
func (r *recordBuf) buffered() int { return len(r.buf) - r.off }

// available returns the number of bytes that may be taken.
func (r *recordBuf) available() int { return r.ready }

// take copies up to len(p) available bytes into p and drops them.
func (r *recordBuf) take(p []byte) int {
	n := copy(p, r.buf[r.off:r.off+r.ready])
	r.off += n
	r.ready -= n
	if r.off == len(r.buf) {
		r.release() // an idle connection holds no buffer
	}
	return n
}

// release gives the buffer back to the pool once everything was taken.
func (r *recordBuf) release() {
	if r.bp != nil {
		putRawBuf(r.bp, r.buf)
		r.bp = nil
	}
	r.buf, r.off = nil, 0
}

// takeAll copies every byte held, complete or not, into p (used at the
// end of the stream, where crypto/tls reports a cut record itself).
func (r *recordBuf) takeAll(p []byte) int {
	r.ready = r.buffered()
	return r.take(p)
}
