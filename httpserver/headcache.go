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
