package httpserver

// Bounds of what a fieldsMemo holds.
const (
	memoFields = 8   // handler fields
	memoBytes  = 512 // bytes of names and values, and of formatted lines
)

// fieldsMemo remembers the handler fields of the last response a loop
// formatted, and the lines they made: a response whose fields are equal
// (a handler mostly sets the same ones) takes those lines in one copy
// instead of checking and formatting every field again. It holds copies
// of the names and values, so only equal content matches: the lines are
// what formatting those fields makes. Loop-only, one per loop.
//
// It compares bytes even for the very strings it matched last: a string
// made without copying (unsafe.String) over a buffer the handler reuses
// once the response is sent is at the same address with other bytes.
type fieldsMemo struct {
	n       int    // fields remembered; 0: none (a response without fields has nothing to format)
	gen     uint64 // counts stores, for headMemo
	hasDate bool
	lens    [memoFields][2]uint16 // name and value lengths
	text    []byte                // the names and values, one after another
	lines   []byte                // the formatted lines
}

// match reports whether fields equal the remembered ones.
func (m *fieldsMemo) match(fields []Field) bool {
	if m.n == 0 || len(fields) != m.n {
		return false
	}
	t := m.text
	for i := range fields {
		f := &fields[i]
		nl, vl := int(m.lens[i][0]), int(m.lens[i][1])
		if len(f.Name) != nl || len(f.Value) != vl || len(t) < nl+vl ||
			string(t[:nl]) != f.Name || string(t[nl:nl+vl]) != f.Value {
			return false
		}
		t = t[nl+vl:]
	}
	return true
}

// store remembers fields, the lines they made and whether one is a Date,
// if they fit; otherwise it forgets what it held.
func (m *fieldsMemo) store(fields []Field, lines []byte, hasDate bool) {
	m.n = 0
	m.gen++
	if len(fields) > memoFields || len(lines) > memoBytes {
		return
	}
	t := m.text[:0]
	for i := range fields {
		f := &fields[i]
		if len(t)+len(f.Name)+len(f.Value) > memoBytes {
			return
		}
		m.lens[i] = [2]uint16{uint16(len(f.Name)), uint16(len(f.Value))}
		t = append(append(t, f.Name...), f.Value...)
	}
	m.text = t
	m.lines = append(m.lines[:0], lines...)
	m.hasDate = hasDate
	m.n = len(fields)
}

// headMemo remembers the whole head of the last plain response a loop
// formatted: status 200, the fields the fieldsMemo holds (without a
// Date), a Content-Length, keep-alive over HTTP/1.1. Another such
// response with the same fields and length in the same second (what a
// busy keep-alive server mostly sends) is that head again, in one copy.
// Loop-only, one per loop.
type headMemo struct {
	gen  uint64 // the fieldsMemo generation the head was made with; 0: none
	sec  int64  // the second of its Date
	clen int64
	head []byte
}

// store remembers head, unless it is too long to.
func (h *headMemo) store(gen uint64, sec, clen int64, head []byte) {
	h.gen = 0
	if len(head) > memoBytes+256 {
		return
	}
	h.head = append(h.head[:0], head...)
	h.gen, h.sec, h.clen = gen, sec, clen
}
