package httpserver

import (
	"strconv"

	"github.com/eddy-go/eddy/codec/http1"
)

// okLine is the status line of a 200 response.
const okLine = "HTTP/1.1 200 OK\r\n"

// headCache holds the start of a 200 response head, its status line and
// Date field, rebuilt once a second: most responses begin with these
// bytes, copied in one append. Loop-only, one per loop.
type headCache struct {
	sec   int64
	valid bool
	n     int
	buf   [len(okLine) + len("Date: ") + http1.DateLen + 2]byte
}

// appendOK appends "HTTP/1.1 200 OK", CRLF, and a Date field for the
// time of sc's clock.
func (c *headCache) appendOK(dst []byte, sc *serverConn) []byte {
	if s := sc.clockSec(); !c.valid || s != c.sec {
		now := sc.clock()
		b := append(c.buf[:0], okLine...)
		b = append(b, "Date: "...)
		b = http1.AppendDate(b, now)
		b = append(b, "\r\n"...)
		c.n = len(b)
		c.sec, c.valid = s, true
	}
	return append(dst, c.buf[:c.n]...)
}

// Sizes of a fieldCache.
const (
	fieldSlots     = 8
	fieldSlotBytes = 62
)

// fieldCache remembers, by position in the response header, copies of
// the fields last found valid: a handler mostly sets the same fields in
// the same order, and comparing with a copy costs less than checking
// every byte again. It holds its own copies, so a field is skipped only
// when its bytes equal ones that were checked. Loop-only, one per loop.
type fieldCache struct {
	slot [fieldSlots]fieldSlot
}

// fieldSlot holds one checked field: name then value in b.
type fieldSlot struct {
	n, v uint8 // lengths of the name and the value; n == 0: empty slot
	b    [fieldSlotBytes]byte
}

// known reports whether the field at position i is a copy of the one
// last checked there.
func (c *fieldCache) known(i int, name, value string) bool {
	if i >= fieldSlots {
		return false
	}
	s := &c.slot[i]
	return s.n != 0 && int(s.n) == len(name) && int(s.v) == len(value) &&
		string(s.b[:s.n]) == name && string(s.b[s.n:int(s.n)+int(s.v)]) == value
}

// store records the field at position i as checked, if it fits.
func (c *fieldCache) store(i int, name, value string) {
	if i >= fieldSlots || len(name) == 0 || len(name)+len(value) > fieldSlotBytes {
		return
	}
	s := &c.slot[i]
	s.n, s.v = uint8(len(name)), uint8(len(value))
	copy(s.b[:], name)
	copy(s.b[len(name):], value)
}

// appendLength appends n in decimal, without strconv for the small
// values most bodies have.
func appendLength(b []byte, n int64) []byte {
	if n < 0 || n >= 100000 {
		return strconv.AppendInt(b, n, 10)
	}
	var d [5]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}
