package http1

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// incomplete reports how a section that does not end within the window
// buf[:w] fails: ErrNeedMore while the limit lim is not reached, tooLarge
// once it is.
func incomplete(w, lim int, tooLarge error) error {
	if w >= lim {
		return tooLarge
	}
	return ErrNeedMore
}

// lineErr reports a syntax error found at win[i] of a line, where win is
// the input cut to the limit lim. An error is only reported once its line
// is complete (an LF follows within win), so that the result does not
// depend on how the input was split.
func lineErr(win []byte, i, lim int, err, tooLarge error) error {
	if bytes.IndexByte(win[i:], '\n') < 0 {
		return incomplete(len(win), lim, tooLarge)
	}
	return err
}

// specialFirst gives, for the length n of every field name the parsers
// interpret (host, expect, upgrade, connection, content-length,
// transfer-encoding: one name per length), that name's first letter.
var specialFirst = [18]byte{4: 'h', 6: 'e', 7: 'u', 10: 'c', 14: 'c', 17: 't'}

// maybeSpecial reports whether name may be one the parsers interpret,
// judged by its length and first letter. name is a non-empty token, so
// setting bit 0x20 folds a letter's case and makes no other byte a
// lower-case letter.
func maybeSpecial(name []byte) bool {
	return len(name) < len(specialFirst) && specialFirst[len(name)] != 0 &&
		name[0]|0x20 == specialFirst[len(name)]
}

// section scans the field lines of a header or trailer section
// (RFC 9112 §5).
type section struct {
	lim       int   // the section must end within buf[:lim]
	maxFields int   // most field lines allowed
	fold      bool  // replace obs-fold (responses) instead of failing
	tooLarge  error // error once lim is reached
	fields    []Field
	// special has bit i set when field i may be one the parsers interpret
	// (see maybeSpecial); bit 63 stands for all fields from index 63 on.
	special uint64
}

// scan parses field lines starting at buf[pos], up to and including the
// empty line that ends the section, into sc.fields. It returns the offset
// just past the section.
//
// If the section does not end within buf[:sc.lim], the error is
// sc.tooLarge once len(buf) >= sc.lim and ErrNeedMore before. Whitespace at
// the start of a line is an obs-fold: with sc.fold set it is replaced by
// spaces in buf itself and joined to the previous value (RFC 9112 §5.2),
// otherwise it is an error.
func (sc *section) scan(buf []byte, pos int) (int, error) {
	win := buf[:min(len(buf), sc.lim)] // every index below is checked against len(win)
	fields := sc.fields[:0]
	special := uint64(0)
	i := pos
	for {
		if i >= len(win) || class[win[i]]&cTchar == 0 {
			if i+1 < len(win) && win[i] == '\r' && win[i+1] == '\n' {
				// The empty line that ends the section.
				sc.fields, sc.special = fields, special
				return i + 2, nil
			}
			// Not a field name: an incomplete line, an obs-fold or an
			// error.
			n, done, err := sc.lineStart(win, i, fields)
			if done || err != nil {
				sc.fields, sc.special = fields, special
				return n, err
			}
			i = n
			continue
		}
		s := i
		i = span(win, i+1, cTchar)
		if i >= len(win) || win[i] != ':' {
			sc.fields = fields
			return 0, sc.nameErr(win, i)
		}
		name := win[s:i]
		i++
		for i < len(win) && isWS(win[i]) {
			i++
		}
		vs := i
		end, err := scanValue(win, i, sc.lim, sc.tooLarge)
		if err != nil {
			sc.fields = fields
			return 0, err
		}
		if len(fields) >= sc.maxFields {
			sc.fields = fields
			return 0, errTooManyFields
		}
		ve := end
		for ve > vs && isWS(win[ve-1]) {
			ve--
		}
		if maybeSpecial(name) {
			special |= 1 << min(len(fields), 63)
		}
		if len(fields) == cap(fields) {
			fields = append(fields, Field{})[:len(fields)]
		}
		fields = fields[:len(fields)+1]
		f := &fields[len(fields)-1]
		f.Name = name
		f.Value = win[vs:ve]
		i = end + 2
	}
}

// lineStart handles a line that does not start with a field name: the
// empty line ending the section (done, returning the offset past it), an
// obs-fold (returning the offset of the next line), or an error.
func (sc *section) lineStart(win []byte, i int, fields []Field) (n int, done bool, err error) {
	if i >= len(win) {
		return 0, false, incomplete(len(win), sc.lim, sc.tooLarge)
	}
	switch c := win[i]; {
	case c == '\r':
		if i+1 >= len(win) {
			return 0, false, incomplete(len(win), sc.lim, sc.tooLarge)
		}
		if win[i+1] == '\n' {
			return i + 2, true, nil
		}
		return 0, false, lineErr(win, i, sc.lim, errBareCR, sc.tooLarge)
	case c == '\n':
		return 0, false, errBareLF
	case isWS(c):
		if len(fields) == 0 {
			return 0, false, lineErr(win, i, sc.lim, errLeadingWS, sc.tooLarge)
		}
		if !sc.fold {
			return 0, false, lineErr(win, i, sc.lim, errObsFold, sc.tooLarge)
		}
		end, err := scanValue(win, i, sc.lim, sc.tooLarge)
		if err != nil {
			return 0, false, err
		}
		// Replace the line break before the continuation with spaces and
		// extend the previous value over it. The value is a slice of win,
		// so its capacity tells where it starts.
		last := &fields[len(fields)-1]
		vs := cap(win) - cap(last.Value)
		for j := vs; j < i; j++ {
			if win[j] == '\r' || win[j] == '\n' {
				win[j] = ' '
			}
		}
		last.Value = trimOWS(win[vs:end])
		return end + 2, false, nil
	}
	return 0, false, lineErr(win, i, sc.lim, errFieldName, sc.tooLarge)
}

// nameErr reports a field name that is not followed by a colon at win[i].
func (sc *section) nameErr(win []byte, i int) error {
	if i >= len(win) {
		return incomplete(len(win), sc.lim, sc.tooLarge)
	}
	if isWS(win[i]) {
		return lineErr(win, i, sc.lim, errSpaceColon, sc.tooLarge)
	}
	return lineErr(win, i, sc.lim, errFieldName, sc.tooLarge)
}

// scanValue scans field-value bytes from win[i] and returns the offset of
// the CRLF that ends the line.
func scanValue(win []byte, i, lim int, tooLarge error) (int, error) {
	// Fast path: eight bytes at a time, stopping at the first control
	// character or DEL. HTAB is skipped over; a CR followed by LF ends
	// the value; anything else, and the last bytes of the window, go the
	// slow way from there, which reports errors.
	for i+8 <= len(win) {
		m := valueWord(binary.LittleEndian.Uint64(win[i:]))
		if m == 0 {
			i += 8
			continue
		}
		j := i + bits.TrailingZeros64(m)>>3
		switch win[j] {
		case '\t':
			i = j + 1
			continue
		case '\r':
			if j+1 < len(win) && win[j+1] == '\n' {
				return j, nil
			}
		}
		i = j
		break
	}
	return scanValueBytes(win, i, lim, tooLarge)
}

// scanValueBytes is scanValue byte by byte: the definition its fast path
// agrees with, and the way it finishes the last bytes of the window and
// reports errors.
func scanValueBytes(win []byte, i, lim int, tooLarge error) (int, error) {
	for i < len(win) && class[win[i]]&cValue != 0 {
		i++
	}
	if i >= len(win) {
		return 0, incomplete(len(win), lim, tooLarge)
	}
	switch win[i] {
	case '\r':
		if i+1 >= len(win) {
			return 0, incomplete(len(win), lim, tooLarge)
		}
		if win[i+1] == '\n' {
			return i, nil
		}
		return 0, lineErr(win, i, lim, errBareCR, tooLarge)
	case '\n':
		return 0, errBareLF
	}
	return 0, lineErr(win, i, lim, errFieldValue, tooLarge)
}

// valueWord returns non-zero if any of the eight bytes in x is a control
// character (< 0x20) or DEL. Bytes >= 0x80 are never flagged. The lowest
// flag (bit 7 of a byte) marks exactly the first such byte: a borrow
// only runs upwards from a byte that is flagged itself.
func valueWord(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	y := x ^ 0x7f*ones
	return ((x-0x20*ones)&^x | (y-ones)&^y) & highs
}
