package resp

import "math"

// Value is one RESP value: a reply, a push message, or an element of an
// aggregate. The zero Value is invalid (Type 0).
//
// A Value is small and is passed by value. An aggregate's elements live in
// one flat slice, and strings are slices of the bytes they were decoded
// from, so decoding allocates nothing in the steady state. The price is a
// lifetime: a Value returned by a Decoder, and every slice and child Value
// reached from it, is valid only until the next call to that Decoder's
// Feed, Next, Decode or Reset. Call Clone to keep a value longer, or copy
// out what you need (Str returns a fresh string).
//
// Values built with the constructors in this package (SimpleString,
// ArrayOf, ...) have no such limit. They are mainly useful with AppendValue,
// in tests and in servers.
//
// A Value is immutable once built: it is safe for concurrent reads while
// it is valid.
type Value struct {
	typ   Type
	null  bool    // RESP2 null: $-1 (typ '$') or *-1 (typ '*')
	num   int64   // integer; boolean 0/1; double bits
	str   []byte  // string-like payload; verbatim keeps its "fmt:" prefix
	elems []Value // aggregate elements; maps hold key, value, key, value...
	attrs *Value  // attributes sent before the value (a TypeAttribute), or nil
}

// SimpleString returns a simple string value (+s). Any CR or LF in s is
// written as a space by AppendValue, because simple strings cannot hold them.
func SimpleString(s string) Value { return Value{typ: TypeSimpleString, str: []byte(s)} }

// SimpleError returns a simple error value (-msg). The first word of msg
// is by convention an upper-case code such as ERR or WRONGTYPE. Any CR or
// LF in msg is written as a space by AppendValue.
func SimpleError(msg string) Value { return Value{typ: TypeSimpleError, str: []byte(msg)} }

// BulkError returns a RESP3 bulk error value (!len msg), which may hold any
// bytes.
func BulkError(msg string) Value { return Value{typ: TypeBulkError, str: []byte(msg)} }

// Integer returns an integer value (:n).
func Integer(n int64) Value { return Value{typ: TypeInteger, num: n} }

// BulkString returns a bulk string value ($len s) holding a copy of s.
func BulkString(s string) Value { return Value{typ: TypeBulkString, str: []byte(s)} }

// Bulk returns a bulk string value ($len b). It keeps b without copying
// it, so b must not change while the value is in use.
func Bulk(b []byte) Value {
	if b == nil {
		b = []byte{}
	}
	return Value{typ: TypeBulkString, str: b}
}

// Null returns the RESP3 null value (_).
func Null() Value { return Value{typ: TypeNull} }

// NullBulk returns the RESP2 null bulk string ($-1).
func NullBulk() Value { return Value{typ: TypeBulkString, null: true} }

// NullArray returns the RESP2 null array (*-1).
func NullArray() Value { return Value{typ: TypeArray, null: true} }

// Bool returns a RESP3 boolean value (#t or #f).
func Bool(b bool) Value {
	v := Value{typ: TypeBoolean}
	if b {
		v.num = 1
	}
	return v
}

// Double returns a RESP3 double value (,f). Infinities and NaN are allowed.
func Double(f float64) Value { return Value{typ: TypeDouble, num: int64(math.Float64bits(f))} }

// BigNumber returns a RESP3 big number value ((digits). digits must be an
// optional sign followed by decimal digits; it is written as given.
func BigNumber(digits string) Value { return Value{typ: TypeBigNumber, str: []byte(digits)} }

// Verbatim returns a RESP3 verbatim string (=len fmt:text). format is the
// three-byte format, "txt" for plain text or "mkd" for markdown; a format
// of any other length is replaced with "txt".
func Verbatim(format, text string) Value {
	if len(format) != 3 {
		format = "txt"
	}
	b := make([]byte, 0, 4+len(text))
	b = append(b, format...)
	b = append(b, ':')
	b = append(b, text...)
	return Value{typ: TypeVerbatim, str: b}
}

// ArrayOf returns an array value (*n) holding elems. The slice is kept,
// not copied.
func ArrayOf(elems ...Value) Value { return Value{typ: TypeArray, elems: elems} }

// SetOf returns a RESP3 set value (~n) holding elems.
func SetOf(elems ...Value) Value { return Value{typ: TypeSet, elems: elems} }

// PushOf returns a RESP3 push value (>n) holding elems. By convention the
// first element is a string naming the kind of push, such as "message".
func PushOf(elems ...Value) Value { return Value{typ: TypePush, elems: elems} }

// MapOf returns a RESP3 map value (%n) from alternating keys and values:
// MapOf(k1, v1, k2, v2). A missing last value is taken to be Null().
func MapOf(kv ...Value) Value { return Value{typ: TypeMap, elems: evenPairs(kv)} }

// WithAttrs returns a copy of v carrying the RESP3 attributes given as
// alternating keys and values. AppendValue writes them (|n ...) just
// before v. A missing last value is taken to be Null().
func (v Value) WithAttrs(kv ...Value) Value {
	a := Value{typ: TypeAttribute, elems: evenPairs(kv)}
	v.attrs = &a
	return v
}

func evenPairs(kv []Value) []Value {
	if len(kv)%2 == 1 {
		kv = append(kv[:len(kv):len(kv)], Null())
	}
	return kv
}
