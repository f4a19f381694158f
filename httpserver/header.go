package httpserver

import (
	"iter"
	"strings"
)

// Field is one header field line: a name and a value.
type Field struct {
	Name  string
	Value string
}

// Header is an ordered list of header fields, for a request as received
// or a response to be sent. Names are matched without regard to ASCII
// case. The zero value is an empty header ready to use. Loop-only, like
// the request or response it belongs to.
type Header struct {
	fields []Field
	// own is set by the server on a request's Header and on its
	// response's to the Header itself: a Header copied from another
	// (*w.Header() = h) shares that one's storage and has its own, so
	// that a recycled request does not reuse storage a handler may keep
	// (see newRequest).
	own *Header
}

// Get returns the value of the first field called name, or "".
func (h *Header) Get(name string) string {
	v, _ := h.Lookup(name)
	return v
}

// Lookup returns the value of the first field called name and whether
// there is one.
func (h *Header) Lookup(name string) (string, bool) {
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			return h.fields[i].Value, true
		}
	}
	return "", false
}

// Has reports whether a field called name is present.
func (h *Header) Has(name string) bool {
	_, ok := h.Lookup(name)
	return ok
}

// Values yields the value of every field called name, in order.
func (h *Header) Values(name string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := range h.fields {
			if sameName(h.fields[i].Name, name) && !yield(h.fields[i].Value) {
				return
			}
		}
	}
}

// All yields every field, name and value, in order.
func (h *Header) All() iter.Seq2[string, string] {
	return func(yield func(string, string) bool) {
		for i := range h.fields {
			if !yield(h.fields[i].Name, h.fields[i].Value) {
				return
			}
		}
	}
}

// Len returns the number of field lines.
func (h *Header) Len() int { return len(h.fields) }

// Add appends a field line.
func (h *Header) Add(name, value string) {
	h.fields = append(h.fields, Field{name, value})
}

// Set replaces every field called name with one line holding value.
func (h *Header) Set(name, value string) {
	for i := range h.fields {
		if sameName(h.fields[i].Name, name) {
			h.fields[i].Value = value
			h.delFrom(name, i+1)
			return
		}
	}
	h.Add(name, value)
}

// Del removes every field called name.
func (h *Header) Del(name string) { h.delFrom(name, 0) }

func (h *Header) delFrom(name string, from int) {
	out := h.fields[:from]
	for _, f := range h.fields[from:] {
		if !sameName(f.Name, name) {
			out = append(out, f)
		}
	}
	clear(h.fields[len(out):])
	h.fields = out
}

// Reset removes every field, keeping the allocated space.
func (h *Header) Reset() {
	clear(h.fields)
	h.fields = h.fields[:0]
}

// sameName reports whether two field names are equal without regard to
// ASCII case, comparing lengths first: most names differ in length.
func sameName(a, b string) bool {
	return len(a) == len(b) && strings.EqualFold(a, b)
}

// hasListToken reports whether the comma-separated list v holds token,
// case-insensitively (as a Connection option).
func hasListToken(v, token string) bool {
	for len(v) > 0 {
		part := v
		if i := strings.IndexByte(v, ','); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			v = ""
		}
		if strings.EqualFold(strings.TrimSpace(part), token) {
			return true
		}
	}
	return false
}
