package resp

import (
	"math"
	"math/big"
	"strconv"
)

// Type returns the value's wire type. The RESP2 nulls keep their wire
// types (TypeBulkString for $-1, TypeArray for *-1): use IsNull to test for
// any null.
func (v Value) Type() Type { return v.typ }

// IsNull reports whether v is a null: the RESP3 null (_) or a RESP2 null
// bulk string ($-1) or null array (*-1).
func (v Value) IsNull() bool { return v.typ == TypeNull || v.null }

// IsError reports whether v is a simple error (-) or a bulk error (!).
func (v Value) IsError() bool { return v.typ == TypeSimpleError || v.typ == TypeBulkError }

// IsPush reports whether v is a RESP3 push message (>), which a driver
// routes to its pub/sub or invalidation handlers instead of matching it to
// a pending command. RESP2 pub/sub messages are plain arrays: see PushKind.
func (v Value) IsPush() bool { return v.typ == TypePush }

// Err returns nil if v is not an error reply, and otherwise a new
// *RedisError holding the message with its code ("ERR", "MOVED", ...)
// parsed. The result does not alias the decoder's buffer.
func (v Value) Err() error {
	if !v.IsError() {
		return nil
	}
	return NewRedisError(string(v.str))
}

// Len returns the number of elements of an aggregate (keys and values
// count separately in a map) and 0 for any other value.
func (v Value) Len() int { return len(v.elems) }

// Elems returns the elements of an aggregate as they are, keys and values
// alternating in a map or attribute, or nil for any other value. The slice
// shares the Value's lifetime and must not be modified.
func (v Value) Elems() []Value { return v.elems }

// Attrs returns the RESP3 attributes sent just before v, as alternating
// keys and values, or nil if there were none.
func (v Value) Attrs() []Value {
	if v.attrs == nil {
		return nil
	}
	return v.attrs.elems
}

// HasAttrs reports whether v carries attributes (possibly an empty set).
func (v Value) HasAttrs() bool { return v.attrs != nil }

// Format returns the three-byte format of a verbatim string, such as "txt"
// or "mkd", and "" for any other value.
func (v Value) Format() string {
	if v.typ != TypeVerbatim || len(v.str) < 4 {
		return ""
	}
	return string(v.str[:3])
}

// PushKind returns the first element of a push (>) or array (*) value when
// it is a string, such as "message", "pmessage", "subscribe" or
// "invalidate", and nil otherwise. It lets a driver classify both RESP3
// pushes and RESP2 pub/sub arrays without allocating:
//
//	if v.IsPush() || inPubSub { switch string(v.PushKind()) { case "message": ... } }
func (v Value) PushKind() []byte {
	if (v.typ != TypePush && v.typ != TypeArray) || len(v.elems) == 0 {
		return nil
	}
	switch e := v.elems[0]; e.typ {
	case TypeBulkString, TypeSimpleString, TypeVerbatim:
		if !e.null {
			return e.text()
		}
	}
	return nil
}

// text returns the string payload, without the format of a verbatim string.
func (v Value) text() []byte {
	if v.typ == TypeVerbatim && len(v.str) >= 4 {
		return v.str[4:]
	}
	return v.str
}

// check returns the error that an accessor reports for an error reply or a
// null, or nil.
func (v Value) check() error {
	if v.IsError() {
		return v.Err()
	}
	if v.IsNull() {
		return ErrNil
	}
	return nil
}

// Bytes returns the payload of a simple string, bulk string, verbatim
// string (without its format) or big number. The slice shares the Value's
// lifetime (it may alias the decoder's buffer) and must not be modified.
// For an error reply it returns the *RedisError, for a null ErrNil, and a
// *TypeError for any other value.
func (v Value) Bytes() ([]byte, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	switch v.typ {
	case TypeSimpleString, TypeBulkString, TypeVerbatim, TypeBigNumber:
		return v.text(), nil
	}
	return nil, &TypeError{Got: v.typ, Want: "string"}
}

// Str returns a string value as a new string (never aliasing the decoder's
// buffer). It accepts what Bytes accepts and also formats integers and
// doubles. For an error reply it returns the *RedisError, for a null ErrNil,
// and a *TypeError for any other value.
func (v Value) Str() (string, error) {
	switch v.typ {
	case TypeInteger:
		return strconv.FormatInt(v.num, 10), nil
	case TypeDouble:
		return string(appendFloat(nil, v.float())), nil
	}
	b, err := v.Bytes()
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// Int returns an integer value. It also converts booleans (0 or 1),
// integral doubles, and strings holding a decimal integer, since RESP2
// servers send many numbers as bulk strings. For an error reply it returns
// the *RedisError, for a null ErrNil, and a *TypeError otherwise.
func (v Value) Int() (int64, error) {
	if err := v.check(); err != nil {
		return 0, err
	}
	switch v.typ {
	case TypeInteger, TypeBoolean:
		return v.num, nil
	case TypeDouble:
		f := v.float()
		if f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
			return int64(f), nil
		}
	case TypeSimpleString, TypeBulkString, TypeVerbatim, TypeBigNumber:
		if n, ok := parseInt(v.text()); ok {
			return n, nil
		}
	}
	return 0, &TypeError{Got: v.typ, Want: "integer"}
}

// Float returns a double value. It also converts integers and strings
// holding a number (RESP2 sends scores as bulk strings such as "1.5" or
// "inf"). For an error reply it returns the *RedisError, for a null ErrNil,
// and a *TypeError otherwise.
func (v Value) Float() (float64, error) {
	if err := v.check(); err != nil {
		return 0, err
	}
	switch v.typ {
	case TypeDouble:
		return v.float(), nil
	case TypeInteger:
		return float64(v.num), nil
	case TypeSimpleString, TypeBulkString, TypeVerbatim, TypeBigNumber:
		if f, ok := parseDouble(v.text()); ok {
			return f, nil
		}
	}
	return 0, &TypeError{Got: v.typ, Want: "double"}
}

func (v Value) float() float64 { return math.Float64frombits(uint64(v.num)) }

// Bool returns a boolean value. It also converts integers (non-zero is
// true), as RESP2 sends booleans as 0 and 1. For an error reply it returns
// the *RedisError, for a null ErrNil, and a *TypeError otherwise.
func (v Value) Bool() (bool, error) {
	if err := v.check(); err != nil {
		return false, err
	}
	switch v.typ {
	case TypeBoolean, TypeInteger:
		return v.num != 0, nil
	}
	return false, &TypeError{Got: v.typ, Want: "boolean"}
}

// BigInt returns a big number, integer or decimal string as a new
// *big.Int. For an error reply it returns the *RedisError, for a null
// ErrNil, and a *TypeError otherwise.
func (v Value) BigInt() (*big.Int, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	switch v.typ {
	case TypeInteger:
		return big.NewInt(v.num), nil
	case TypeBigNumber, TypeSimpleString, TypeBulkString:
		if validBigNumber(v.str) {
			if n, ok := new(big.Int).SetString(string(v.str), 10); ok {
				return n, nil
			}
		}
	}
	return nil, &TypeError{Got: v.typ, Want: "big number"}
}

// Array returns the elements of an array, set or push value. The slice
// shares the Value's lifetime and must not be modified. For an error reply
// it returns the *RedisError, for a null ErrNil, and a *TypeError
// otherwise.
func (v Value) Array() ([]Value, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	switch v.typ {
	case TypeArray, TypeSet, TypePush:
		return v.elems, nil
	}
	return nil, &TypeError{Got: v.typ, Want: "array"}
}

// Map returns the entries of a map as alternating keys and values:
// kv[2*i] is a key and kv[2*i+1] its value. It also accepts an array of
// even length, which is how RESP2 sends maps (HGETALL, CONFIG GET). The
// slice shares the Value's lifetime and must not be modified. For an error
// reply it returns the *RedisError, for a null ErrNil, and a *TypeError
// otherwise.
func (v Value) Map() ([]Value, error) {
	if err := v.check(); err != nil {
		return nil, err
	}
	switch v.typ {
	case TypeMap, TypeAttribute:
		return v.elems, nil
	case TypeArray:
		if len(v.elems)%2 == 0 {
			return v.elems, nil
		}
	}
	return nil, &TypeError{Got: v.typ, Want: "map"}
}
