package web

import "strings"

// byteRange is one satisfiable range: length bytes from start.
type byteRange struct {
	start, length int64
}

// maxRanges bounds the ranges of one Range header; beyond it the header
// is ignored.
const maxRanges = 64

// parseRange parses a Range field value (RFC 9110 §14.1.2) against a
// representation of size bytes. It returns the satisfiable ranges, in
// the order given, with last positions clamped to size-1;
// ErrRangeSyntax for a value that does not parse, a unit other than
// bytes, or too many ranges (the field is then ignored); and
// ErrRangeUnsatisfiable when none of the ranges is satisfiable. For an
// empty representation a suffix range of non-zero length is satisfiable
// (RFC 9110 §14.1.1) but selects nothing: no ranges and no error, for
// the whole (empty) representation to be sent.
//
// The grammar is range-unit "=" range-set, range-set a list
// (1#range-spec): whitespace may surround the commas, but neither the
// "=" nor the first range-spec, so "bytes = 0-1" and "bytes= 0-1" do not
// parse (net/http and nginx take the latter; ignoring it, as §14.2
// allows for any invalid Range, only costs the whole representation).
// An empty element may lead the list (RFC 9110 §5.6.1.2): "bytes=, 0-1".
func parseRange(v string, size int64) ([]byteRange, error) {
	unit, set, ok := strings.Cut(v, "=")
	if !ok || !strings.EqualFold(unit, "bytes") {
		return nil, ErrRangeSyntax
	}
	if set != "" && (set[0] == ' ' || set[0] == '\t') {
		if first, _, _ := strings.Cut(set, ","); strings.Trim(first, " \t") != "" {
			return nil, ErrRangeSyntax
		}
	}
	var out []byteRange
	n := 0
	emptyOK := false // a satisfiable suffix range of an empty representation
	for set != "" {
		var spec string
		spec, set, _ = strings.Cut(set, ",")
		spec = strings.Trim(spec, " \t")
		if spec == "" {
			continue
		}
		if n++; n > maxRanges {
			return nil, ErrRangeSyntax
		}
		first, last, ok := strings.Cut(spec, "-")
		if !ok {
			return nil, ErrRangeSyntax
		}
		if first == "" {
			// suffix-range: the last n bytes.
			sfx, ok := parseDigits(last)
			if !ok {
				return nil, ErrRangeSyntax
			}
			if sfx == 0 {
				continue
			}
			if size == 0 {
				emptyOK = true
				continue
			}
			sfx = min(sfx, size)
			out = append(out, byteRange{start: size - sfx, length: sfx})
			continue
		}
		a, ok := parseDigits(first)
		if !ok {
			return nil, ErrRangeSyntax
		}
		b := int64(-1)
		if last != "" {
			if b, ok = parseDigits(last); !ok || b < a {
				return nil, ErrRangeSyntax
			}
		}
		if a >= size {
			continue
		}
		if b < 0 || b >= size {
			b = size - 1
		}
		out = append(out, byteRange{start: a, length: b - a + 1})
	}
	if n == 0 {
		return nil, ErrRangeSyntax
	}
	if len(out) == 0 {
		if emptyOK {
			return nil, nil
		}
		return nil, ErrRangeUnsatisfiable
	}
	return out, nil
}

// parseDigits parses 1*DIGIT, up to 18 digits so that it cannot overflow.
func parseDigits(s string) (int64, bool) {
	if s == "" || len(s) > 18 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
