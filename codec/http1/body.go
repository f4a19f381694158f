package http1

import "math"

// Body decoder states. The chunk-line states follow RFC 9112 §7.1:
//
//	chunk-size [ chunk-ext ] CRLF
//	chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
const (
	bsNone          uint8 = iota // no body left: report EventEnd
	bsLength                     // Content-Length bytes left in remain
	bsUntilClose                 // everything until EOF
	bsSize                       // first hex digit of a chunk size
	bsSizeMore                   // more hex digits, or what follows them
	bsExtWS                      // BWS that must be followed by ";"
	bsExtPreName                 // BWS after ";", then a name
	bsExtName                    // inside an extension name
	bsExtPostName                // BWS after a name: "=" or ";"
	bsExtPreVal                  // BWS after "=", then a value
	bsExtToken                   // inside a token value
	bsExtQuoted                  // inside a quoted-string value
	bsExtQuotedPair              // after a backslash in a quoted-string
	bsExtAfterVal                // after a value: BWS, ";" or CR
	bsLineLF                     // CR of a chunk line seen, LF expected
	bsData                       // chunk data, remain bytes left
	bsDataCR                     // CR after chunk data expected
	bsDataLF                     // LF after chunk data expected
	bsTrailer                    // trailer section
	bsTrailerEnd                 // trailers reported, EventEnd next
)

// maxSizeDigits bounds the hex digits of a chunk size, leading zeros
// included.
const maxSizeDigits = 64

// bodyDecoder delimits and decodes one message body. It never copies: body
// data is reported as slices of the input.
type bodyDecoder struct {
	state  uint8
	remain int64 // bytes left in the body (bsLength) or chunk (bsData)
	total  int64 // chunk sizes declared, or bytes read until close, so far
	digits int   // hex digits of the current chunk size
	extLen int   // bytes of chunk extension on the current chunk line
}

func (d *bodyDecoder) start(f Framing, length int64) {
	*d = bodyDecoder{}
	switch f {
	case FramingLength:
		d.state, d.remain = bsLength, length
	case FramingChunked:
		d.state = bsSize
	case FramingUntilClose:
		d.state = bsUntilClose
	}
}

// next decodes from buf. It returns the bytes consumed, which the caller
// must drop even when err is ErrNeedMore.
func (d *bodyDecoder) next(buf []byte, lim *limits, trl *section) (int, Event, error) {
	n := 0
	for {
		switch d.state {
		case bsNone:
			return n, Event{Kind: EventEnd}, nil
		case bsTrailerEnd:
			d.state = bsNone
			return n, Event{Kind: EventEnd}, nil
		case bsLength, bsData:
			if d.remain == 0 {
				if d.state == bsLength {
					d.state = bsNone
				} else {
					d.state = bsDataCR
				}
				continue
			}
			if n == len(buf) {
				return n, Event{}, ErrNeedMore
			}
			k := len(buf) - n
			if int64(k) > d.remain {
				k = int(d.remain)
			}
			data := buf[n : n+k : n+k]
			d.remain -= int64(k)
			return n + k, Event{Kind: EventBody, Data: data}, nil
		case bsUntilClose:
			if n == len(buf) {
				return n, Event{}, ErrNeedMore
			}
			if d.total == lim.maxBodyBytes {
				return n, Event{}, errBodyTooLarge
			}
			k := min(int64(len(buf)-n), lim.maxBodyBytes-d.total)
			d.total += k
			end := n + int(k)
			return end, Event{Kind: EventBody, Data: buf[n:end:end]}, nil
		case bsTrailer:
			end, err := trl.scan(buf[n:], 0)
			if err != nil {
				return n, Event{}, err
			}
			n += end
			if len(trl.fields) == 0 {
				d.state = bsNone
				return n, Event{Kind: EventEnd}, nil
			}
			d.state = bsTrailerEnd
			return n, Event{Kind: EventTrailers}, nil
		default:
			m, err := d.chunkLine(buf[n:], lim)
			n += m
			if err != nil {
				return n, Event{}, err
			}
		}
	}
}

// chunkLine consumes the bytes of a chunk-size line, or the CRLF after
// chunk data, one state at a time. It returns when it leaves the line
// states, runs out of input or fails.
func (d *bodyDecoder) chunkLine(buf []byte, lim *limits) (int, error) {
	for i := 0; i < len(buf); i++ {
		c := buf[i]
		if d.state >= bsExtWS && d.state <= bsExtAfterVal && c != '\r' {
			if d.extLen++; d.extLen > lim.maxChunkExtBytes {
				return i, errChunkExt
			}
		}
		if c == '\n' && d.state != bsLineLF && d.state != bsDataLF {
			return i, errBareLF
		}
		switch d.state {
		case bsSize, bsSizeMore:
			if v := unhex(c); v != 0xff {
				if d.remain > (math.MaxInt64-int64(v))>>4 {
					return i, errChunkOverflow
				}
				if d.digits++; d.digits > maxSizeDigits {
					return i, errChunk
				}
				d.remain = d.remain<<4 | int64(v)
				d.state = bsSizeMore
				continue
			}
			if d.state == bsSize {
				return i, errChunk
			}
			if c != '\r' {
				if d.extLen = 1; d.extLen > lim.maxChunkExtBytes {
					return i, errChunkExt
				}
			}
			if !d.afterValue(c) {
				return i, errChunk
			}
		case bsExtWS:
			switch {
			case isWS(c):
			case c == ';':
				d.state = bsExtPreName
			default:
				return i, errChunk
			}
		case bsExtPreName:
			switch {
			case isWS(c):
			case isTchar(c):
				d.state = bsExtName
			default:
				return i, errChunk
			}
		case bsExtName:
			switch {
			case isTchar(c):
			case isWS(c):
				d.state = bsExtPostName
			case c == '=':
				d.state = bsExtPreVal
			case c == ';':
				d.state = bsExtPreName
			case c == '\r':
				d.state = bsLineLF
			default:
				return i, errChunk
			}
		case bsExtPostName:
			switch {
			case isWS(c):
			case c == '=':
				d.state = bsExtPreVal
			case c == ';':
				d.state = bsExtPreName
			default:
				return i, errChunk
			}
		case bsExtPreVal:
			switch {
			case isWS(c):
			case c == '"':
				d.state = bsExtQuoted
			case isTchar(c):
				d.state = bsExtToken
			default:
				return i, errChunk
			}
		case bsExtToken:
			if !isTchar(c) && !d.afterValue(c) {
				return i, errChunk
			}
		case bsExtQuoted:
			switch {
			case c == '"':
				d.state = bsExtAfterVal
			case c == '\\':
				d.state = bsExtQuotedPair
			case class[c]&cQdtext == 0:
				return i, errChunk
			}
		case bsExtQuotedPair:
			if class[c]&cValue == 0 {
				return i, errChunk
			}
			d.state = bsExtQuoted
		case bsExtAfterVal:
			if !d.afterValue(c) {
				return i, errChunk
			}
		case bsLineLF:
			if c != '\n' {
				return i, errBareCR
			}
			if err := d.endLine(lim); err != nil {
				return i, err
			}
			return i + 1, nil
		case bsDataCR:
			if c != '\r' {
				return i, errChunk
			}
			d.state = bsDataLF
		case bsDataLF:
			if c != '\n' {
				return i, errBareCR
			}
			d.state, d.remain, d.digits, d.extLen = bsSize, 0, 0, 0
			return i + 1, nil
		}
	}
	return len(buf), ErrNeedMore
}

// afterValue handles the byte after a chunk size or extension value:
// BWS before another ";", a ";", or the CR that ends the line.
func (d *bodyDecoder) afterValue(c byte) bool {
	switch {
	case isWS(c):
		d.state = bsExtWS
	case c == ';':
		d.state = bsExtPreName
	case c == '\r':
		d.state = bsLineLF
	default:
		return false
	}
	return true
}

// endLine finishes a chunk-size line: the last chunk leads to the trailer
// section, any other to its data.
func (d *bodyDecoder) endLine(lim *limits) error {
	if d.remain == 0 {
		d.state = bsTrailer
		return nil
	}
	if d.remain > lim.maxBodyBytes-d.total {
		return errBodyTooLarge
	}
	d.total += d.remain
	d.state = bsData
	return nil
}
