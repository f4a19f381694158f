package resp

import (
	"bytes"
	"math"
)

// Clone returns a deep copy of v that shares no memory with v, so that it
// stays valid after the Decoder that returned v moves on. It makes at most
// two allocations whatever the size of v.
func (v Value) Clone() Value {
	nv, nb := v.size()
	c := cloner{vals: make([]Value, 0, nv)}
	if nb > 0 {
		c.bytes = make([]byte, 0, nb)
	}
	return c.clone(v)
}

// size returns the number of Values below v (attributes included) and
// the number of string bytes in v and below.
func (v Value) size() (vals, byts int) {
	byts = len(v.str)
	if v.attrs != nil {
		a, b := v.attrs.size()
		vals += a + 1
		byts += b
	}
	for _, e := range v.elems {
		a, b := e.size()
		vals += a + 1
		byts += b
	}
	return vals, byts
}

type cloner struct {
	vals  []Value
	bytes []byte
}

func (c *cloner) clone(v Value) Value {
	if v.str != nil {
		n := len(c.bytes)
		c.bytes = append(c.bytes, v.str...)
		v.str = c.bytes[n:len(c.bytes):len(c.bytes)]
	}
	if v.attrs != nil {
		n := len(c.vals)
		c.vals = append(c.vals, Value{})
		c.vals[n] = c.clone(*v.attrs)
		v.attrs = &c.vals[n]
	}
	if v.elems != nil {
		n := len(c.vals)
		c.vals = append(c.vals, v.elems...)
		es := c.vals[n:len(c.vals):len(c.vals)]
		for i := range es {
			es[i] = c.clone(es[i])
		}
		v.elems = es
	}
	return v
}

// Equal reports whether v and w are the same value: same type, same
// null-ness, same payload, equal elements in the same order and equal
// attributes. Doubles compare as numbers, except that all NaNs are equal.
// A nil and an empty string or element list are equal.
func (v Value) Equal(w Value) bool {
	if v.typ != w.typ || v.null != w.null || !bytes.Equal(v.str, w.str) ||
		len(v.elems) != len(w.elems) || (v.attrs == nil) != (w.attrs == nil) {
		return false
	}
	switch v.typ {
	case TypeDouble:
		a, b := v.float(), w.float()
		if a != b && !(math.IsNaN(a) && math.IsNaN(b)) {
			return false
		}
	default:
		if v.num != w.num {
			return false
		}
	}
	if v.attrs != nil && !v.attrs.Equal(*w.attrs) {
		return false
	}
	for i := range v.elems {
		if !v.elems[i].Equal(w.elems[i]) {
			return false
		}
	}
	return true
}
