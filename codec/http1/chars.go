package http1

// Byte classes from RFC 9110 §5.6.2 (token), §5.5 (field values),
// §5.6.4 (quoted-string) and RFC 3986 §2-3 (URI characters), packed into one
// table so that every hot loop is a single load and mask.
const (
	cTchar  uint16 = 1 << iota // tchar
	cValue                     // field-vchar / SP / HTAB (VCHAR, obs-text)
	cPath                      // pchar / "/" (unreserved, sub-delims, ":", "@", "/", "%")
	cReg                       // unreserved / sub-delims / "%" (reg-name, userinfo)
	cHex                       // HEXDIG
	cQdtext                    // qdtext: HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
	cDigit                     // DIGIT
	cWS                        // SP / HTAB
	cTarget                    // cPath or "?": request-target characters
	cHost                      // unreserved / sub-delims: reg-name characters other than "%"
)

var class = func() (t [256]uint16) {
	set := func(chars string, c uint16) {
		for i := 0; i < len(chars); i++ {
			t[chars[i]] |= c
		}
	}
	const (
		alpha      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		digit      = "0123456789"
		unreserved = alpha + digit + "-._~"
		subDelims  = "!$&'()*+,;="
	)
	set(alpha+digit+"!#$%&'*+-.^_`|~", cTchar)
	for c := 0x21; c <= 0xff; c++ {
		if c != 0x7f {
			t[c] |= cValue | cQdtext
		}
	}
	t['"'] &^= cQdtext
	t['\\'] &^= cQdtext
	set(" \t", cValue|cQdtext|cWS)
	set(unreserved+subDelims+":@/%", cPath)
	set(unreserved+subDelims+":@/?", cTarget)
	set(unreserved+subDelims+"%", cReg)
	set(unreserved+subDelims, cHost)
	set(digit+"ABCDEFabcdef", cHex)
	set(digit, cDigit)
	return t
}()

func isTchar(c byte) bool { return class[c]&cTchar != 0 }
func isWS(c byte) bool    { return c == ' ' || c == '\t' }

// unhex returns the value of a HEXDIG, or 0xff.
func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0xff
}

// lower returns c folded to ASCII lower case.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals s ignoring ASCII case, where s holds
// only lower-case letters, digits and "-", and b holds only bytes already
// validated as tchar or field-value bytes (no control characters other
// than HTAB). Under those conditions setting bit 0x20 folds exactly.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	// s has bit 0x20 set in every byte, so the same holds word-wise.
	i := 0
	for ; i+8 <= len(s); i += 8 {
		if load64(b, i)|0x2020202020202020 != load64(s, i) {
			return false
		}
	}
	for ; i < len(s); i++ {
		if b[i]|0x20 != s[i] {
			return false
		}
	}
	return true
}

// equalFoldBoth reports whether a and b are equal ignoring ASCII case.
func equalFoldBoth(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

// trimOWS removes leading and trailing SP and HTAB.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && isWS(b[0]) {
		b = b[1:]
	}
	for len(b) > 0 && isWS(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// span returns the end of the run of class-c bytes in b that starts at
// b[i]: four bytes at a time, then one by one. It is the inner loop of
// every scan of names, targets and hosts.
func span[T ~string | ~[]byte](b T, i int, c uint16) int {
	for i+4 <= len(b) {
		w := b[i : i+4]
		if class[w[0]]&class[w[1]]&class[w[2]]&class[w[3]]&c == 0 {
			break
		}
		i += 4
	}
	for i < len(b) && class[b[i]]&c != 0 {
		i++
	}
	return i
}

// validToken reports whether b is a non-empty token.
func validToken[T ~string | ~[]byte](b T) bool {
	return len(b) > 0 && span(b, 0, cTchar) == len(b)
}

// validFieldValue reports whether b is a field-value as a sender must
// generate it (RFC 9110 §5.5): field-vchar, SP and HTAB only, with no
// leading or trailing whitespace. The empty value is valid.
func validFieldValue[T ~string | ~[]byte](b T) bool {
	if len(b) == 0 {
		return true
	}
	if isWS(b[0]) || isWS(b[len(b)-1]) {
		return false
	}
	// Eight bytes at a time, the last word overlapping the one before
	// it, unless a control character (HTAB included) or DEL shows;
	// shorter values, and any that holds one, by byte class.
	n := len(b)
	if n >= 8 {
		clean := true
		for i := 0; i < n-8; i += 8 {
			if valueWord(load64(b, i)) != 0 {
				clean = false
				break
			}
		}
		if clean && valueWord(load64(b, n-8)) == 0 {
			return true
		}
	}
	return span(b, 0, cValue) == n
}

// load64 returns the eight bytes at b[i:] as a little-endian word.
func load64[T ~string | ~[]byte](b T, i int) uint64 {
	b = b[i : i+8]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}
