package http1

import "time"

// DateLen is the length of an IMF-fixdate such as
// "Sun, 06 Nov 1994 08:49:37 GMT".
const DateLen = 29

const (
	dayNames   = "SunMonTueWedThuFriSat"
	monthNames = "JanFebMarAprMayJunJulAugSepOctNovDec"
)

var (
	minDate = time.Date(0, time.January, 1, 0, 0, 0, 0, time.UTC)
	maxDate = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC)
)

// AppendDate appends t, in UTC, as an IMF-fixdate (RFC 9110 §5.6.7), the
// format of the Date, Last-Modified and Expires fields:
// "Sun, 06 Nov 1994 08:49:37 GMT". Times outside years 0-9999 are clamped
// to that range. It does not allocate when dst has room.
func AppendDate(dst []byte, t time.Time) []byte {
	t = t.UTC()
	if y := t.Year(); y > 9999 {
		t = maxDate
	} else if y < 0 {
		t = minDate
	}
	year, month, day := t.Date()
	hour, minute, sec := t.Clock()
	wd := int(t.Weekday()) * 3
	mo := (int(month) - 1) * 3
	return append(dst,
		dayNames[wd], dayNames[wd+1], dayNames[wd+2], ',', ' ',
		byte('0'+day/10), byte('0'+day%10), ' ',
		monthNames[mo], monthNames[mo+1], monthNames[mo+2], ' ',
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), ' ',
		byte('0'+hour/10), byte('0'+hour%10), ':',
		byte('0'+minute/10), byte('0'+minute%10), ':',
		byte('0'+sec/10), byte('0'+sec%10), ' ', 'G', 'M', 'T')
}

// DateCache formats the current time for the Date field once per second.
// A server keeps one per event loop and passes it the loop's notion of
// now. The zero value is ready to use. It is not safe for concurrent use.
type DateCache struct {
	sec   int64
	valid bool
	line  [dateLineLen]byte // "Date: " date CRLF
}

// dateLineLen is the length of a Date field line.
const dateLineLen = len("Date: ") + DateLen + 2

// Append appends now as an IMF-fixdate, reformatting only when the second
// has changed since the previous call.
func (c *DateCache) Append(dst []byte, now time.Time) []byte {
	return append(dst, c.update(now)[len("Date: "):dateLineLen-2]...)
}

// AppendField appends the field line "Date: " date CRLF for now, as
// Append formats it.
func (c *DateCache) AppendField(dst []byte, now time.Time) []byte {
	return append(dst, c.update(now)...)
}

// update reformats the line if the second has changed and returns it.
func (c *DateCache) update(now time.Time) []byte {
	if s := now.Unix(); !c.valid || s != c.sec {
		b := append(c.line[:0], "Date: "...)
		b = AppendDate(b, now)
		_ = append(b, '\r', '\n')
		c.sec, c.valid = s, true
	}
	return c.line[:]
}
