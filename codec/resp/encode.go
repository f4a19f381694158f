package resp

import (
	"math"
	"strconv"
)

// AppendValue appends the wire form of v to dst and returns the extended
// slice. Attributes carried by v (see WithAttrs) are written first. Every
// type is written with its own wire type, nulls included ($-1, *-1, _), so
// that decoding the result gives back an equal Value. Simple strings and
// simple errors cannot hold CR or LF: those bytes are written as spaces.
// The zero Value is written as a RESP3 null.
func AppendValue(dst []byte, v Value) []byte {
	if v.attrs != nil {
		dst = AppendValue(dst, *v.attrs)
	}
	switch v.typ {
	case TypeSimpleString, TypeSimpleError:
		return appendSimple(dst, byte(v.typ), v.str)
	case TypeInteger:
		return AppendInt(dst, v.num)
	case TypeBulkString, TypeBulkError, TypeVerbatim:
		if v.null {
			return append(dst, byte(v.typ), '-', '1', '\r', '\n')
		}
		dst = appendHeader(dst, byte(v.typ), int64(len(v.str)))
		dst = append(dst, v.str...)
		return append(dst, '\r', '\n')
	case TypeArray, TypeSet, TypePush:
		if v.null {
			return append(dst, byte(v.typ), '-', '1', '\r', '\n')
		}
		dst = appendHeader(dst, byte(v.typ), int64(len(v.elems)))
		for _, e := range v.elems {
			dst = AppendValue(dst, e)
		}
		return dst
	case TypeMap, TypeAttribute:
		dst = appendHeader(dst, byte(v.typ), int64(len(v.elems)+1)/2)
		for _, e := range v.elems {
			dst = AppendValue(dst, e)
		}
		if len(v.elems)%2 == 1 {
			dst = AppendNull(dst)
		}
		return dst
	case TypeBoolean:
		return AppendBool(dst, v.num != 0)
	case TypeDouble:
		return AppendDouble(dst, v.float())
	case TypeBigNumber:
		dst = append(dst, '(')
		dst = append(dst, v.str...)
		return append(dst, '\r', '\n')
	}
	return AppendNull(dst)
}

// AppendSimpleString appends the simple string +s. CR and LF in s are
// written as spaces.
func AppendSimpleString(dst []byte, s string) []byte {
	return appendSimple(dst, '+', s)
}

// AppendSimpleError appends the simple error -msg. CR and LF in msg are
// written as spaces.
func AppendSimpleError(dst []byte, msg string) []byte {
	return appendSimple(dst, '-', msg)
}

func appendSimple[S string | []byte](dst []byte, t byte, s S) []byte {
	dst = append(dst, t)
	n := len(dst)
	dst = append(dst, s...)
	for i := n; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends the integer :n.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends the bulk string $len b.
func AppendBulk(dst, b []byte) []byte {
	dst = appendHeader(dst, '$', int64(len(b)))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends the bulk string $len s.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendHeader(dst, '$', int64(len(s)))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendNull appends the RESP3 null _. A RESP2 server sends NullBulk or
// NullArray through AppendValue instead.
func AppendNull(dst []byte) []byte { return append(dst, '_', '\r', '\n') }

// AppendBool appends the RESP3 boolean #t or #f.
func AppendBool(dst []byte, b bool) []byte {
	c := byte('f')
	if b {
		c = 't'
	}
	return append(dst, '#', c, '\r', '\n')
}

// AppendDouble appends the RESP3 double ,f, using inf, -inf and nan for
// the special values and the shortest decimal form that parses back to f
// otherwise.
func AppendDouble(dst []byte, f float64) []byte {
	dst = append(dst, ',')
	dst = appendFloat(dst, f)
	return append(dst, '\r', '\n')
}

// appendFloat formats f as RESP3 and Redis write it.
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, 64)
}

// AppendHeader appends the header of an aggregate of type t with n
// elements: *n, ~n or >n, and for a map or attribute (%n, |n) n is the
// number of key/value pairs. The caller then appends the elements. Other
// types get no header and dst is returned unchanged.
func AppendHeader(dst []byte, t Type, n int) []byte {
	if !t.isAggregate() {
		return dst
	}
	return appendHeader(dst, byte(t), int64(n))
}

// appendHeader appends "<t><n>\r\n".
func appendHeader(dst []byte, t byte, n int64) []byte {
	if n >= 0 && n < 10 {
		return append(dst, t, byte('0'+n), '\r', '\n')
	}
	dst = append(dst, t)
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}
