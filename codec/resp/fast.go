package resp

// The fast paths below decode the commonest values (integers, simple
// strings and bulk strings that are complete and valid) without the
// general machinery. Whenever they meet anything else they report failure
// and the general parser takes over, so they never decide an error or
// ErrNeedMore themselves.

// scan recognises the complete and valid simple string, simple error,
// integer or bulk string at b[pos]. It returns its type, the bounds s:e of
// its payload (strings) or its value n (integers), and the position after
// it; end is 0 if it did not recognise a value.
func (d *Decoder) scan(b []byte, pos int) (t Type, s, e int, n int64, end int) {
	if pos+3 >= len(b) {
		return 0, 0, 0, 0, 0
	}
	t = Type(b[pos])
	switch t {
	case TypeSimpleString, TypeSimpleError:
		s = pos + 1
		for j := s; j < len(b) && j-s <= 64; j++ {
			switch b[j] {
			case '\r':
				if j+1 < len(b) && b[j+1] == '\n' && j-s <= d.cfg.maxLine {
					return t, s, j, 0, j + 2
				}
				return 0, 0, 0, 0, 0
			case '\n':
				return 0, 0, 0, 0, 0
			}
		}
	case TypeInteger:
		i := pos + 1
		neg := b[i] == '-'
		if neg {
			i++
		}
		n, end = scanDigits(b, i)
		if end != 0 { // 19 bytes at most: within any line limit
			if neg {
				n = -n
			}
			return t, 0, 0, n, end
		}
	case TypeBulkString:
		n, end = scanDigits(b, pos+1)
		if end != 0 && n <= d.cfg.maxBulk && int64(len(b)-end) >= n+2 {
			e = end + int(n)
			if b[e] == '\r' && b[e+1] == '\n' {
				return t, end, e, 0, e + 2
			}
		}
	}
	return 0, 0, 0, 0, 0
}

// scanDigits reads 1 to 18 decimal digits at b[i:] followed by CRLF, and
// returns their value and the position after the CRLF, or end == 0.
func scanDigits(b []byte, i int) (n int64, end int) {
	j := i
	for j < len(b) {
		c := b[j] - '0'
		if c > 9 {
			break
		}
		n = n*10 + int64(c)
		j++
		if j-i > 18 {
			return 0, 0
		}
	}
	if j == i || j+1 >= len(b) || b[j] != '\r' || b[j+1] != '\n' {
		return 0, 0
	}
	return n, j + 2
}

// scalar is scan returning a Value.
func (d *Decoder) scalar(b []byte, pos int) (Value, int, bool) {
	t, s, e, n, end := d.scan(b, pos)
	switch {
	case end == 0:
		return Value{}, 0, false
	case t == TypeInteger:
		return Value{typ: t, num: n}, end, true
	}
	return Value{typ: t, str: b[s:e:e]}, end, true
}

// fill decodes the scalars that come next in the counted aggregate f,
// straight into scratch, and returns the position after them.
func (d *Decoder) fill(b []byte, pos int, f *frame) int {
	for f.left > 0 {
		t, s, e, n, end := d.scan(b, pos)
		if end == 0 {
			break
		}
		if t == TypeInteger {
			d.scratch = append(d.scratch, Value{typ: t, num: n})
		} else {
			d.scratch = append(d.scratch, Value{typ: t, str: b[s:e:e]})
		}
		pos = end
		f.left--
	}
	return pos
}
