package dns

import "strings"

// maxNameLen is the longest presentation-format name without its trailing
// dot (RFC 1035 §2.3.4: 255 octets on the wire).
const maxNameLen = 253

// validName reports whether s is a domain name a lookup may ask for: labels
// of 1 to 63 bytes made of letters, digits, '-' and '_', 253 bytes at most,
// with an optional trailing dot. The root "." alone is not accepted.
func validName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if len(s) == 0 || len(s) > maxNameLen {
		return false
	}
	label := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '.':
			if label == 0 {
				return false
			}
			label = 0
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_':
		default:
			return false
		}
		label++
		if label > 63 {
			return false
		}
	}
	return label > 0
}

// bareName strips one trailing dot from s and reports whether the rest is
// a valid name without a trailing dot.
func bareName(s string) (string, bool) {
	s = strings.TrimSuffix(s, ".")
	return s, validName(s) && !strings.HasSuffix(s, ".")
}

// absolute returns s with exactly one trailing dot.
func absolute(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

// lowerASCII lowercases the ASCII letters of s; it returns s itself when
// there is nothing to change.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'A' <= c && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; 'A' <= c && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFold compares two names ASCII-case-insensitively.
func equalFold[T string | []byte](a, b T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isLocalhost reports whether name is "localhost" or under ".localhost"
// (RFC 6761 §6.3), which never go to DNS.
func isLocalhost(name string) bool {
	n := lowerASCII(strings.TrimSuffix(name, "."))
	return n == "localhost" || strings.HasSuffix(n, ".localhost")
}

// candidates returns the fully qualified names to try for name, in order,
// the way the C resolver's res_search does: a name with a trailing dot is
// tried alone; a name with at least ndots dots is tried as is first and
// then with each search domain; a shorter one is tried with each search
// domain first and as is last. Candidates that are not valid names (too
// long, or a bad search domain) are dropped. name must be valid (see validName).
func candidates(name string, search []string, ndots int) []string {
	if strings.HasSuffix(name, ".") {
		return []string{name}
	}
	hasNdots := strings.Count(name, ".") >= ndots
	out := make([]string, 0, len(search)+1)
	if hasNdots {
		out = append(out, name+".")
	}
	for _, s := range search {
		s = strings.Trim(s, ".")
		if s == "" {
			continue
		}
		c := name + "." + s + "."
		if !validName(c) {
			continue
		}
		out = append(out, c)
	}
	if !hasNdots {
		out = append(out, name+".")
	}
	return out
}
