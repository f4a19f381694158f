package resp

// Decoder turns a stream of RESP2 or RESP3 bytes into Values. It does no
// I/O: feed it the bytes read from a connection with Feed and take replies
// with Next, or parse a buffer you own with Decode.
//
//	d.Feed(p)
//	for {
//		v, err := d.Next()
//		if err == resp.ErrNeedMore {
//			break // wait for more bytes
//		}
//		if err != nil {
//			return err // protocol or limit error: drop the connection
//		}
//		handle(v) // v is valid until the next Feed or Next
//	}
//
// Input may be split anywhere. When a reply is incomplete, Next keeps the
// elements it has finished and resumes after them, so a huge array arriving
// in many pieces is parsed once, not again from its start on every call.
//
// A Value returned by Next or Decode, and everything reached from it, is
// valid until the next call to Feed, Next, Decode or Reset. Use
// Value.Clone to keep one.
//
// The zero Decoder is ready to use with the default limits.
//
// A Decoder is not safe for concurrent use: it belongs to the one loop (or
// goroutine) that reads the connection.
type Decoder struct {
	cfg  config
	buf  []byte // fed bytes; buf[r:] is not yet parsed
	r    int
	base int64 // stream offset of buf[0]
	err  error // sticky protocol or limit error

	// Parse state, kept across ErrNeedMore.
	stack   []frame // stack[0] is the root
	scratch []Value // finished elements of the open aggregates
	arena   []Value // element slices of finished aggregates
	sbuf    []byte  // streamed strings, joined

	// hintOff is the stream offset of a line found to have no '\r' in its
	// first hintLen bytes, so that a long line arriving in pieces is not
	// scanned again from its start.
	hintOff int64
	hintLen int
}

// NewDecoder returns a Decoder with the given limits; the limits not set
// keep their defaults.
func NewDecoder(opts ...Option) *Decoder {
	d := new(Decoder)
	for _, o := range opts {
		o(&d.cfg)
	}
	d.cfg.defaults()
	return d
}

// Feed appends p to the bytes to decode. It copies p, so the caller may
// reuse p at once. It invalidates the Values returned so far.
func (d *Decoder) Feed(p []byte) {
	if d.idle() {
		// Nothing decoded so far refers to buf: move the unparsed bytes to
		// the front.
		if d.r > 0 {
			n := 0
			if d.r < len(d.buf) {
				n = copy(d.buf, d.buf[d.r:])
			}
			d.buf = d.buf[:n]
			d.base += int64(d.r)
			d.r = 0
		}
		if len(d.buf) == 0 && cap(d.buf) > maxRetainBuf {
			d.buf = nil
		}
		d.buf = append(d.buf, p...)
		return
	}
	// The elements of the unfinished reply point into buf: never move
	// bytes inside it. A new array leaves the old one to them.
	if len(d.buf)+len(p) > cap(d.buf) {
		rest := d.buf[d.r:]
		nb := make([]byte, len(rest), max(2*cap(d.buf), len(rest)+len(p), 512))
		copy(nb, rest)
		d.base += int64(d.r)
		d.buf, d.r = nb, 0
	}
	d.buf = append(d.buf, p...)
}

// maxRetainBuf and maxRetainArena bound the memory a Decoder keeps between
// replies after a large one.
const (
	maxRetainBuf   = 1 << 20
	maxRetainArena = 1 << 14
)

// idle reports whether no unfinished reply holds references into buf.
func (d *Decoder) idle() bool {
	return len(d.stack) <= 1 && (len(d.stack) == 0 || d.stack[0].attr == nil)
}

// Next returns the next complete value. It returns ErrNeedMore when the
// buffered bytes end inside a value (or are all consumed); feed more and
// call again. Any other error (a *ProtocolError or *LimitError) is final:
// every later call returns it again, and the connection should be dropped.
//
// Push messages (IsPush) come out of Next like replies, in stream order.
// Attributes (|) are not returned on their own: they are attached to the
// value that follows them (see Value.Attrs).
func (d *Decoder) Next() (Value, error) {
	if d.err != nil {
		return Value{}, d.err
	}
	if d.cfg.maxLine == 0 {
		d.cfg.defaults()
	}
	if d.idle() {
		if v, n, ok := d.scalar(d.buf, d.r); ok {
			d.r = n
			return v, nil
		}
	}
	v, n, err := d.parse(d.buf, d.r)
	d.r = n
	if err != nil {
		if err != ErrNeedMore {
			d.err = err
		}
		return Value{}, err
	}
	return v, nil
}

// Decode parses one complete value from the start of p, without copying
// or buffering p. It returns the value and the number of bytes it used;
// strings in the value alias p. If p ends inside the value it returns
// ErrNeedMore and n == 0: call again with more bytes (the value is then
// parsed from its start). Errors are not sticky.
//
// Decode discards whatever Feed buffered: use either Decode or Feed and
// Next on one Decoder, not both.
func (d *Decoder) Decode(p []byte) (v Value, n int, err error) {
	if len(d.buf) != 0 || d.base != 0 || d.err != nil || !d.idle() {
		d.Reset()
	}
	if d.cfg.maxLine == 0 {
		d.cfg.defaults()
	}
	if v, n, ok := d.scalar(p, 0); ok {
		return v, n, nil
	}
	v, n, err = d.parse(p, 0)
	if err != nil {
		d.Reset()
		return Value{}, 0, err
	}
	return v, n, nil
}

// Buffered returns the number of fed bytes not yet parsed. Bytes of an
// unfinished reply that were parsed already are not counted.
func (d *Decoder) Buffered() int { return len(d.buf) - d.r }

// EOF tells the Decoder that the stream has ended. It returns nil if the
// stream ended between values, the sticky error if there was one, and
// ErrUnexpectedEOF if it ended inside a value.
func (d *Decoder) EOF() error {
	if d.err != nil {
		return d.err
	}
	if d.Buffered() > 0 || !d.idle() {
		return ErrUnexpectedEOF
	}
	return nil
}

// Reset discards all buffered bytes, any unfinished reply and any sticky
// error, keeping the limits and the allocated memory, so that the Decoder
// can serve a new connection. Stream offsets restart at 0.
func (d *Decoder) Reset() {
	d.buf = d.buf[:0]
	d.r = 0
	d.base = 0
	d.err = nil
	d.stack = d.stack[:0]
	d.scratch = d.scratch[:0]
	d.hintOff, d.hintLen = 0, 0
}
