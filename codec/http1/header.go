package http1

import "iter"

// Field is one field line: a name and a value with surrounding whitespace
// removed. Fields produced by a parser alias the parser's input buffer; see
// the parser for how long they stay valid.
type Field struct {
	Name  []byte
	Value []byte
}

// Header is an ordered list of field lines, as received or to be sent.
// Names are matched without regard to ASCII case. A nil Header is empty.
type Header []Field

// Lookup returns the value of the first field called name, and whether
// there is one.
func (h Header) Lookup(name string) ([]byte, bool) {
	for i := range h {
		if equalFoldBoth(h[i].Name, name) {
			return h[i].Value, true
		}
	}
	return nil, false
}

// Get returns the value of the first field called name, or nil when there
// is none. Use [Header.Lookup] to tell an absent field from an empty one.
func (h Header) Get(name string) []byte {
	v, _ := h.Lookup(name)
	return v
}

// Has reports whether a field called name is present.
func (h Header) Has(name string) bool {
	_, ok := h.Lookup(name)
	return ok
}

// Values yields the value of every field called name, in order.
func (h Header) Values(name string) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		for i := range h {
			if equalFoldBoth(h[i].Name, name) && !yield(h[i].Value) {
				return
			}
		}
	}
}

// listNext splits the first element off a comma-separated list value
// (RFC 9110 §5.6.1), honouring quoted-strings. The element has its
// surrounding whitespace removed and may be empty. bad reports an
// unterminated quoted-string.
func listNext(v []byte) (elem, rest []byte, bad bool) {
	quoted := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == ',':
			return trimOWS(v[:i]), v[i+1:], false
		}
	}
	if quoted {
		return nil, nil, true
	}
	return trimOWS(v), nil, false
}

// skipToken returns the length of the token at the start of b.
func skipToken(b []byte) int {
	i := 0
	for i < len(b) && isTchar(b[i]) {
		i++
	}
	return i
}

// skipOWS returns the length of the whitespace at the start of b.
func skipOWS(b []byte) int {
	i := 0
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// skipQuoted returns the length of the quoted-string at the start of b, or
// 0 if there is none.
func skipQuoted(b []byte) int {
	if len(b) == 0 || b[0] != '"' {
		return 0
	}
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			i++
			if i == len(b) || class[b[i]]&cValue == 0 {
				return 0
			}
		case class[c]&cQdtext == 0:
			return 0
		}
	}
	return 0
}

// validParams reports whether b is *( OWS ";" OWS name "=" value ) with
// value a token or quoted-string (RFC 9110 §5.6.6).
func validParams(b []byte) bool {
	for len(b) > 0 {
		b = b[skipOWS(b):]
		if len(b) == 0 || b[0] != ';' {
			return false
		}
		b = b[1:]
		b = b[skipOWS(b):]
		n := skipToken(b)
		if n == 0 {
			return false
		}
		b = b[n:]
		b = b[skipOWS(b):]
		if len(b) == 0 || b[0] != '=' {
			return false
		}
		b = b[1:]
		b = b[skipOWS(b):]
		if n = skipToken(b); n == 0 {
			if n = skipQuoted(b); n == 0 {
				return false
			}
		}
		b = b[n:]
	}
	return true
}
