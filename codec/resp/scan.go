package resp

import (
	"math"
	"strconv"
)

// parseInt parses a signed decimal int64: an optional '+' or '-' and at
// least one digit. Leading zeros are accepted; overflow is rejected.
func parseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	u, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseUint parses one or more decimal digits into a uint64.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 {
			return 0, false
		}
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// parseLen parses a non-negative length. It returns -1 for "-1" (a RESP2
// null) and -2 for "?" (a RESP3 streamed value); callers reject those where
// they are not allowed.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 2 && b[0] == '-' && b[1] == '1' {
		return -1, true
	}
	if len(b) == 1 && b[0] == '?' {
		return -2, true
	}
	u, ok := parseUint(b)
	if !ok || u > math.MaxInt64 {
		return 0, false
	}
	return int64(u), true
}

// parseDouble parses the payload of a RESP3 double: a decimal number with
// an optional fraction and exponent, or inf, -inf and nan. It also accepts
// the NaN spellings older servers sent ("-nan", "NAN", "nan(...)") and
// treats overflow as an infinity.
func parseDouble(b []byte) (float64, bool) {
	s := b
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	if len(s) > 0 && (lower(s[0]) == 'i' || lower(s[0]) == 'n') {
		switch {
		case equalFold(s, "inf") || equalFold(s, "infinity"):
			if b[0] == '-' {
				return math.Inf(-1), true
			}
			return math.Inf(1), true
		case equalFold(s, "nan") || len(s) > 4 && equalFold(s[:4], "nan(") && s[len(s)-1] == ')':
			return math.NaN(), true
		}
		return 0, false
	}
	if len(s) == 0 || s[0] < '0' || s[0] > '9' {
		return 0, false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals the lower-case ASCII word s, ignoring
// case.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// validBigNumber reports whether b is an optional sign followed by one or
// more decimal digits.
func validBigNumber(b []byte) bool {
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
