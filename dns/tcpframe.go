package dns

// AppendTCPFrame appends msg to dst with the 2-byte big-endian length
// prefix that DNS over TCP uses (RFC 1035 §4.2.2). It returns
// ErrFrameTooLarge for a message over 65535 bytes. Safe for concurrent use.
func AppendTCPFrame(dst, msg []byte) ([]byte, error) {
	if len(msg) > 0xffff {
		return dst, ErrFrameTooLarge
	}
	dst = append(dst, byte(len(msg)>>8), byte(len(msg)))
	return append(dst, msg...), nil
}

// TCPDecoder splits a DNS-over-TCP byte stream into messages, for
// transports: Feed it what the socket read, then call Next until it
// returns ErrNeedMore. It accepts the stream split at any byte. The zero
// value is ready to use. Not safe for concurrent use.
type TCPDecoder struct {
	buf []byte
	off int
}

// Feed appends p to the buffered stream. p is copied.
func (d *TCPDecoder) Feed(p []byte) {
	if d.off > 0 {
		n := copy(d.buf, d.buf[d.off:])
		d.buf, d.off = d.buf[:n], 0
	}
	d.buf = append(d.buf, p...)
}

// Next returns the next complete message, without its length prefix, or
// ErrNeedMore. The message is only valid until the next Feed.
func (d *TCPDecoder) Next() ([]byte, error) {
	rest := d.buf[d.off:]
	if len(rest) < 2 {
		return nil, ErrNeedMore
	}
	n := int(rest[0])<<8 | int(rest[1])
	if len(rest) < 2+n {
		return nil, ErrNeedMore
	}
	d.off += 2 + n
	return rest[2 : 2+n : 2+n], nil
}

// Buffered returns the number of bytes fed but not yet returned by Next;
// a stream that ends with Buffered() > 0 was cut inside a message.
func (d *TCPDecoder) Buffered() int { return len(d.buf) - d.off }
