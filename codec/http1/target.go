package http1

import (
	"bytes"
	"strings"
)

// TargetForm is the form of a request-target (RFC 9112 §3.2).
type TargetForm uint8

const (
	// OriginForm is an absolute path with an optional query: "/a/b?c".
	OriginForm TargetForm = iota
	// AbsoluteForm is an absolute URI: "http://example.com/a?b".
	AbsoluteForm
	// AuthorityForm is host and port, used only by CONNECT: "example.com:443".
	AuthorityForm
	// AsteriskForm is "*", used only by OPTIONS.
	AsteriskForm
)

var formNames = [...]string{"origin-form", "absolute-form", "authority-form", "asterisk-form"}

// String returns the RFC name of the form, such as "origin-form".
func (f TargetForm) String() string {
	if int(f) < len(formNames) {
		return formNames[f]
	}
	return "TargetForm(?)"
}

// target is a parsed request-target.
type target struct {
	form      TargetForm
	path      []byte
	query     []byte // nil when there is no "?"
	authority []byte // host [":" port], from absolute-form or authority-form
	hasAuth   bool
}

// parseTarget validates t as a request-target for method (RFC 9112 §3.2,
// RFC 3986 §3) and splits it.
func parseTarget(method, t []byte) (target, *Error) {
	var r target
	if len(t) == 0 {
		return r, errTarget
	}
	connect := string(method) == "CONNECT"
	switch {
	case connect:
		if !validHostPort(t, true) {
			return r, errTargetForm
		}
		r.form, r.authority, r.hasAuth = AuthorityForm, t, true
		return r, nil
	case t[0] == '/':
		var ok bool
		if r.path, r.query, ok = splitPathQuery(t); !ok {
			return r, errTarget
		}
		return r, nil
	case len(t) == 1 && t[0] == '*':
		if string(method) != "OPTIONS" {
			return r, errTargetForm
		}
		r.form, r.path = AsteriskForm, t
		return r, nil
	}
	return parseAbsolute(t)
}

// parseAbsolute parses an absolute-URI (RFC 3986 §4.3).
func parseAbsolute(t []byte) (target, *Error) {
	r := target{form: AbsoluteForm}
	i := 0
	for i < len(t) && t[i] != ':' {
		c := t[i]
		alpha := 'a' <= c|0x20 && c|0x20 <= 'z'
		if !alpha && (i == 0 || !(class[c]&cDigit != 0 || c == '+' || c == '-' || c == '.')) {
			return r, errTarget
		}
		i++
	}
	if i == 0 || i == len(t) {
		return r, errTarget
	}
	scheme, rest := t[:i], t[i+1:]
	web := equalFold(scheme, "http") || equalFold(scheme, "https")
	if len(rest) >= 2 && rest[0] == '/' && rest[1] == '/' {
		rest = rest[2:]
		j := 0
		for j < len(rest) && rest[j] != '/' && rest[j] != '?' {
			j++
		}
		auth := rest[:j]
		rest = rest[j:]
		if at := bytes.LastIndexByte(auth, '@'); at >= 0 {
			if web {
				return r, errUserinfo
			}
			if !validChars(auth[:at], cReg, ":") {
				return r, errTarget
			}
			auth = auth[at+1:]
		}
		if !validHostPort(auth, false) || web && (len(auth) == 0 || auth[0] == ':') {
			return r, errTarget
		}
		r.authority, r.hasAuth = auth, true
	} else if web {
		return r, errTarget // an http(s) URI needs a host (RFC 9110 §4.2.1)
	}
	var ok bool
	if r.path, r.query, ok = splitPathQuery(rest); !ok {
		return r, errTarget
	}
	if r.hasAuth && len(r.path) > 0 && r.path[0] != '/' {
		return r, errTarget
	}
	return r, nil
}

// splitPathQuery validates path [ "?" query ] and splits it at the first
// "?". Percent signs must start a pct-encoded octet.
func splitPathQuery(b []byte) (path, query []byte, ok bool) {
	// Fast path: only target characters and no percent sign.
	i := 0
	for i < len(b) && class[b[i]]&cTarget != 0 {
		i++
	}
	if i == len(b) {
		if q := bytes.IndexByte(b, '?'); q >= 0 {
			return b[:q], b[q+1:], true
		}
		return b, nil, true
	}
	q := -1
	for i := 0; i < len(b); i++ {
		c := b[i]
		if class[c]&cPath != 0 {
			if c == '%' {
				if i+2 >= len(b) || class[b[i+1]]&cHex == 0 || class[b[i+2]]&cHex == 0 {
					return nil, nil, false
				}
				i += 2
			}
			continue
		}
		if c != '?' {
			return nil, nil, false
		}
		if q < 0 {
			q = i
		}
	}
	if q < 0 {
		return b, nil, true
	}
	return b[:q], b[q+1:], true
}

// validChars reports whether every byte of b is in class c or in extra,
// with percent signs starting pct-encoded octets.
func validChars(b []byte, c uint16, extra string) bool {
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if class[ch]&c == 0 {
			if strings.IndexByte(extra, ch) < 0 {
				return false
			}
			continue
		}
		if ch == '%' {
			if i+2 >= len(b) || class[b[i+1]]&cHex == 0 || class[b[i+2]]&cHex == 0 {
				return false
			}
			i += 2
		}
	}
	return true
}

// validHostPort reports whether b is uri-host [ ":" port ] (RFC 9110 §7.2,
// RFC 3986 §3.2.2). With needPort, as for CONNECT, the host must be
// non-empty and the port must have at least one digit.
func validHostPort(b []byte, needPort bool) bool {
	i := 0
	if len(b) > 0 && b[0] == '[' {
		j := bytes.IndexByte(b, ']')
		if j < 0 || !validIPLiteral(b[1:j]) {
			return false
		}
		i = j + 1
	} else {
		// reg-name: runs of plain characters, each "%" starting a
		// pct-encoded octet.
		for i = span(b, 0, cHost); i < len(b) && b[i] == '%'; i = span(b, i+3, cHost) {
			if i+2 >= len(b) || class[b[i+1]]&cHex == 0 || class[b[i+2]]&cHex == 0 {
				return false
			}
		}
	}
	if i == len(b) {
		return !needPort
	}
	if b[i] != ':' || needPort && (i == 0 || i == len(b)-1) {
		return false
	}
	for _, c := range b[i+1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// validIPLiteral checks the inside of "[" "]": IPv6address or IPvFuture.
func validIPLiteral(b []byte) bool {
	if len(b) > 0 && (b[0] == 'v' || b[0] == 'V') {
		i := 1
		for i < len(b) && class[b[i]]&cHex != 0 {
			i++
		}
		if i == 1 || i >= len(b)-1 || b[i] != '.' {
			return false
		}
		for _, c := range b[i+1:] {
			if class[c]&cReg == 0 && c != ':' || c == '%' {
				return false
			}
		}
		return true
	}
	return validIPv6(b)
}

// validIPv6 checks the IPv6address rule of RFC 3986 §3.2.2.
func validIPv6(b []byte) bool {
	groups, elided, i := 0, false, 0
	if len(b) >= 2 && b[0] == ':' && b[1] == ':' {
		elided, i = true, 2
	}
	for i < len(b) {
		j := i
		for j < len(b) && j-i < 4 && class[b[j]]&cHex != 0 {
			j++
		}
		if j < len(b) && b[j] == '.' {
			if !validIPv4(b[i:]) {
				return false
			}
			groups += 2
			break
		}
		if j == i {
			return false
		}
		groups++
		if i = j; i == len(b) {
			break
		}
		if b[i] != ':' {
			return false
		}
		i++
		if i < len(b) && b[i] == ':' {
			if elided {
				return false
			}
			elided = true
			i++
		} else if i == len(b) {
			return false
		}
	}
	if elided {
		return groups <= 7
	}
	return groups == 8
}

// validIPv4 checks dotted-decimal with dec-octets 0-255 and no leading
// zeros.
func validIPv4(b []byte) bool {
	for part := 0; part < 4; part++ {
		if part > 0 {
			if len(b) == 0 || b[0] != '.' {
				return false
			}
			b = b[1:]
		}
		n, v := 0, 0
		for n < len(b) && n < 3 && b[n] >= '0' && b[n] <= '9' {
			v = v*10 + int(b[n]-'0')
			n++
		}
		if n == 0 || v > 255 || n > 1 && b[0] == '0' {
			return false
		}
		b = b[n:]
	}
	return len(b) == 0
}
