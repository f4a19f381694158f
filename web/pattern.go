package web

import (
	"regexp"
	"strings"
)

// segKind is the kind of one pattern segment.
type segKind uint8

const (
	segStatic segKind = iota
	segParam
	segWild
)

// segment is one "/"-separated piece of a parsed pattern.
type segment struct {
	kind segKind
	text string // the literal, or the parameter's name
	re   string // the constraint of a parameter, without anchors
}

// Limits on one pattern: its segments and the length of a constraint.
const (
	maxPatternSegments = 256
	maxConstraint      = 512
)

// parsePattern splits a route pattern such as "/users/:id{[0-9]+}/*rest"
// into segments. A pattern starts with "/"; a segment is a literal, a
// parameter ":name" with an optional "{regexp}" constraint, or, last
// only, a wildcard "*name" that matches the rest of the path.
func parsePattern(p string) ([]segment, error) {
	bad := func(off int, reason string) error {
		return &PatternError{Pattern: p, Offset: off, Reason: reason}
	}
	if p == "" || p[0] != '/' {
		return nil, bad(0, "must start with /")
	}
	var segs []segment
	i := 1
	for {
		if len(segs) >= maxPatternSegments {
			return nil, bad(i, "too many segments")
		}
		start := i
		if i < len(p) && (p[i] == ':' || p[i] == '*') {
			kind := segParam
			if p[i] == '*' {
				kind = segWild
			}
			i++
			nameStart := i
			for i < len(p) && isNameByte(p[i]) {
				i++
			}
			if i == nameStart {
				return nil, bad(i, "parameter without a name")
			}
			seg := segment{kind: kind, text: p[nameStart:i]}
			if i < len(p) && p[i] == '{' {
				if kind == segWild {
					return nil, bad(i, "a wildcard takes no constraint")
				}
				end, err := constraintEnd(p, i)
				if err != nil {
					return nil, err
				}
				seg.re = p[i+1 : end]
				if seg.re == "" {
					return nil, bad(i, "empty constraint")
				}
				if len(seg.re) > maxConstraint {
					return nil, bad(i, "constraint too long")
				}
				if _, err := regexp.Compile("^(?:" + seg.re + ")$"); err != nil {
					return nil, bad(i, "constraint: "+err.Error())
				}
				i = end + 1
			}
			if i < len(p) && p[i] != '/' {
				return nil, bad(i, "parameter must fill its segment")
			}
			if kind == segWild && i != len(p) {
				return nil, bad(i, "a wildcard must come last")
			}
			for _, s := range segs {
				if s.kind != segStatic && s.text == seg.text {
					return nil, bad(nameStart, "duplicate parameter name")
				}
			}
			segs = append(segs, seg)
		} else {
			for i < len(p) && p[i] != '/' {
				c := p[i]
				if c == '{' || c == '}' || c <= ' ' || c == 0x7f || c == '?' || c == '#' {
					return nil, bad(i, "invalid character in literal")
				}
				i++
			}
			lit := p[start:i]
			// Decoded too: literals match decoded segments, so
			// "/%2e%2e" would be "/..", refused as such.
			if d := decodedSeg(lit); d == "." || d == ".." {
				return nil, bad(start, "dot segment")
			}
			segs = append(segs, segment{kind: segStatic, text: lit})
		}
		if i == len(p) {
			return segs, nil
		}
		i++ // the '/'
	}
}

// constraintEnd returns the index of the '}' that closes the '{' at i,
// counting nested braces (as in "{[0-9]{4}}").
func constraintEnd(p string, i int) (int, error) {
	depth := 0
	for j := i; j < len(p); j++ {
		switch p[j] {
		case '\\':
			j++
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return j, nil
			}
		}
	}
	return 0, &PatternError{Pattern: p, Offset: i, Reason: "unclosed constraint"}
}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// joinPattern joins a group prefix and a route pattern: "" is the
// prefix itself, as written ("/a/" stays "/a/", as gin and echo have
// it), and any other pattern follows the prefix without its final
// slash ("/a/" and "/x" make "/a/x").
func joinPattern(prefix, p string) string {
	if prefix == "" {
		return p
	}
	if p == "" {
		return prefix
	}
	return strings.TrimSuffix(prefix, "/") + p
}
