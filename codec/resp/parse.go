package resp

import "bytes"

// streamed is the left count of a frame whose length was sent as "?".
const streamed = -1

// frame is an aggregate, or a streamed string, being decoded. The decoder
// keeps a stack of frames instead of recursing, so that a reply can be
// resumed after ErrNeedMore and so that nesting cannot exhaust the stack.
type frame struct {
	typ    Type   // 0 for the root, TypeBulkString for a streamed string
	left   int64  // elements still expected, or streamed
	start  int    // index in scratch of the frame's first finished element
	sstart int    // streamed string: index of its first byte in sbuf
	attr   *Value // attribute read at this level, waiting for its value
	off    int64  // stream offset of its type byte, for errors
}

// parse decodes from b[pos:]. It returns the next complete value and the
// position after it, or ErrNeedMore and the position of the first element
// not yet finished; in that case the finished ones are kept in the
// Decoder, and parse must be called again with the same bytes (and more)
// and that position.
func (d *Decoder) parse(b []byte, pos int) (Value, int, error) {
	if len(d.stack) == 0 {
		d.stack = append(d.stack, frame{})
	}
	if len(d.stack) == 1 && d.stack[0].attr == nil {
		d.newReply()
	}
	for {
		var v Value
		top := &d.stack[len(d.stack)-1]
		if top.left > 0 && top.attr == nil {
			pos = d.fill(b, pos, top)
		}
		at := pos
		// vat is the stream offset of v, for the errors found once v is
		// complete: that of its type byte, also for an aggregate, whose
		// last elements fill may have read in one go.
		vat := d.base + int64(at)
		if top.left == 0 && len(d.stack) > 1 {
			// fill finished the aggregate.
			v, vat = d.collapse(top), top.off
			d.stack = d.stack[:len(d.stack)-1]
		} else if pos >= len(b) {
			return Value{}, pos, ErrNeedMore
		} else if top.typ == TypeBulkString {
			next, done, err := d.chunk(b, pos, top)
			if err != nil {
				return Value{}, pos, err
			}
			pos = next
			if !done {
				continue
			}
			v = Value{typ: TypeBulkString, str: d.sbuf[top.sstart:len(d.sbuf):len(d.sbuf)]}
			vat = top.off
			d.stack = d.stack[:len(d.stack)-1]
		} else if sv, end, ok := d.scalar(b, pos); ok {
			v = sv
			pos = end
		} else {
			t := Type(b[pos])
			switch t {
			case TypeSimpleString, TypeSimpleError:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				if bytes.IndexByte(line, '\n') >= 0 {
					return Value{}, pos, d.protoErr(at, "line feed inside a simple string")
				}
				v = Value{typ: t, str: line}
				pos = end
			case TypeInteger:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				n, ok := parseInt(line)
				if !ok {
					return Value{}, pos, d.protoErr(at, "bad integer")
				}
				v = Value{typ: t, num: n}
				pos = end
			case TypeNull:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				if len(line) != 0 {
					return Value{}, pos, d.protoErr(at, "bad null")
				}
				v = Value{typ: t}
				pos = end
			case TypeBoolean:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				if len(line) != 1 || line[0] != 't' && line[0] != 'f' {
					return Value{}, pos, d.protoErr(at, "bad boolean")
				}
				v = Bool(line[0] == 't')
				pos = end
			case TypeDouble:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				f, ok := parseDouble(line)
				if !ok {
					return Value{}, pos, d.protoErr(at, "bad double")
				}
				v = Double(f)
				pos = end
			case TypeBigNumber:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				if !validBigNumber(line) {
					return Value{}, pos, d.protoErr(at, "bad big number")
				}
				v = Value{typ: t, str: line}
				pos = end
			case TypeBulkString, TypeBulkError, TypeVerbatim:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				n, ok := parseLen(line)
				if !ok || n < 0 && t != TypeBulkString {
					return Value{}, pos, d.protoErr(at, "bad length")
				}
				if n == -1 {
					v = Value{typ: t, null: true}
					pos = end
					break
				}
				if n == -2 {
					d.stack = append(d.stack, frame{typ: TypeBulkString, left: streamed, sstart: len(d.sbuf), off: vat})
					pos = end
					continue
				}
				if n > d.cfg.maxBulk {
					return Value{}, pos, d.limitErr(at, "bulk length", n, d.cfg.maxBulk)
				}
				if int64(len(b)-end) < n+2 {
					return Value{}, pos, ErrNeedMore
				}
				e := end + int(n)
				if b[e] != '\r' || b[e+1] != '\n' {
					return Value{}, pos, d.protoErr(at, "bulk data not followed by CRLF")
				}
				if t == TypeVerbatim && (n < 4 || b[end+3] != ':') {
					return Value{}, pos, d.protoErr(at, "verbatim string without format")
				}
				v = Value{typ: t, str: b[end:e:e]}
				pos = e + 2
			case TypeArray, TypeSet, TypeMap, TypeAttribute, TypePush:
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				n, ok := parseLen(line)
				if !ok || n == -1 && t != TypeArray ||
					n == -2 && t != TypeArray && t != TypeSet && t != TypeMap {
					return Value{}, pos, d.protoErr(at, "bad length")
				}
				pos = end
				if n == -1 {
					v = Value{typ: t, null: true}
					break
				}
				if len(d.stack) > d.cfg.maxDepth {
					return Value{}, pos, d.limitErr(at, "depth", int64(len(d.stack)), int64(d.cfg.maxDepth))
				}
				if n == -2 {
					d.stack = append(d.stack, frame{typ: t, left: streamed, start: len(d.scratch), off: vat})
					continue
				}
				if t.isPaired() {
					if n > d.cfg.maxElems/2 {
						return Value{}, pos, d.limitErr(at, "elements", n, d.cfg.maxElems)
					}
					n *= 2
				} else if n > d.cfg.maxElems {
					return Value{}, pos, d.limitErr(at, "elements", n, d.cfg.maxElems)
				}
				if n == 0 {
					v = Value{typ: t}
					break
				}
				d.stack = append(d.stack, frame{typ: t, left: n, start: len(d.scratch), off: vat})
				continue
			case '.':
				line, end, err := d.line(b, pos)
				if err != nil {
					return Value{}, pos, err
				}
				switch {
				case len(line) != 0:
					return Value{}, pos, d.protoErr(at, "bad end marker")
				case top.left != streamed:
					return Value{}, pos, d.protoErr(at, "end marker outside a streamed aggregate")
				case top.attr != nil:
					return Value{}, pos, d.protoErr(at, "attribute without a value")
				case top.typ == TypeMap && (len(d.scratch)-top.start)%2 != 0:
					return Value{}, pos, d.protoErr(at, "streamed map with a key but no value")
				}
				v, vat = d.collapse(top), top.off
				d.stack = d.stack[:len(d.stack)-1]
				pos = end
			case ';':
				return Value{}, pos, d.protoErr(at, "chunk outside a streamed string")
			default:
				return Value{}, pos, d.protoErr(at, "unknown type byte")
			}
		}

		// Hand v to the aggregate it belongs to, closing every aggregate it
		// completes, up to the root.
		for {
			top := &d.stack[len(d.stack)-1]
			if v.typ == TypeAttribute {
				if top.attr != nil {
					return Value{}, pos, d.protoErrOff(vat, "attribute followed by attribute")
				}
				a := d.alloc(1)
				a[0] = v
				top.attr = &a[0]
				break
			}
			if top.attr != nil {
				v.attrs = top.attr
				top.attr = nil
			}
			if len(d.stack) == 1 {
				return v, pos, nil
			}
			if top.left == streamed {
				if int64(len(d.scratch)-top.start) >= d.cfg.maxElems {
					return Value{}, pos, d.limitErrOff(top.off, "elements", int64(len(d.scratch)-top.start+1), d.cfg.maxElems)
				}
				d.scratch = append(d.scratch, v)
				break
			}
			d.scratch = append(d.scratch, v)
			top.left--
			if top.left > 0 {
				break
			}
			v, vat = d.collapse(top), top.off
			d.stack = d.stack[:len(d.stack)-1]
		}
	}
}

// chunk decodes one chunk ";len data" of the streamed string f. done is
// true after the final empty chunk.
func (d *Decoder) chunk(b []byte, pos int, f *frame) (next int, done bool, err error) {
	if b[pos] != ';' {
		return 0, false, d.protoErr(pos, "streamed string without its chunk")
	}
	line, end, err := d.line(b, pos)
	if err != nil {
		return 0, false, err
	}
	n, ok := parseLen(line)
	if !ok || n < 0 {
		return 0, false, d.protoErr(pos, "bad chunk length")
	}
	if n == 0 {
		return end, true, nil
	}
	if total := int64(len(d.sbuf)-f.sstart) + n; total > d.cfg.maxBulk {
		return 0, false, d.limitErr(pos, "bulk length", total, d.cfg.maxBulk)
	}
	if int64(len(b)-end) < n+2 {
		return 0, false, ErrNeedMore
	}
	e := end + int(n)
	if b[e] != '\r' || b[e+1] != '\n' {
		return 0, false, d.protoErr(pos, "chunk data not followed by CRLF")
	}
	if cap(d.sbuf)-len(d.sbuf) < int(n) {
		// Grow into a new array: the streamed strings finished before keep
		// the old one.
		cur := d.sbuf[f.sstart:]
		nb := make([]byte, len(cur), max(2*cap(d.sbuf), len(cur)+int(n), 64))
		copy(nb, cur)
		d.sbuf, f.sstart = nb, 0
	}
	d.sbuf = append(d.sbuf, b[end:e]...)
	return e + 2, false, nil
}

// line returns the text of the line whose type byte is at b[pos], without
// the type byte and the CRLF, and the position after the CRLF.
func (d *Decoder) line(b []byte, pos int) ([]byte, int, error) {
	start := pos + 1
	from := start
	off := d.base + int64(pos)
	if d.hintLen > 0 && d.hintOff == off && start+d.hintLen <= len(b) {
		from += d.hintLen
	}
	i := bytes.IndexByte(b[from:], '\r')
	if i < 0 {
		if len(b)-start > d.cfg.maxLine {
			return nil, 0, d.limitErr(pos, "line length", int64(len(b)-start), int64(d.cfg.maxLine))
		}
		d.hintOff, d.hintLen = off, len(b)-start
		return nil, 0, ErrNeedMore
	}
	i += from
	if i-start > d.cfg.maxLine {
		return nil, 0, d.limitErr(pos, "line length", int64(i-start), int64(d.cfg.maxLine))
	}
	if i+1 >= len(b) {
		d.hintOff, d.hintLen = off, i-start
		return nil, 0, ErrNeedMore
	}
	if b[i+1] != '\n' {
		return nil, 0, d.protoErr(pos, "CR not followed by LF")
	}
	return b[start:i:i], i + 2, nil
}

// collapse turns the finished elements of f into its Value, moving them
// from scratch to the arena.
func (d *Decoder) collapse(f *frame) Value {
	kids := d.scratch[f.start:]
	v := Value{typ: f.typ}
	if len(kids) > 0 {
		v.elems = d.alloc(len(kids))
		copy(v.elems, kids)
	}
	d.scratch = d.scratch[:f.start]
	return v
}

// alloc returns k Values from the arena. The arena never moves what it
// handed out: when full it starts a new array and leaves the old one to
// the slices that use it.
func (d *Decoder) alloc(k int) []Value {
	n := len(d.arena)
	if cap(d.arena)-n < k {
		d.arena = make([]Value, 0, max(2*cap(d.arena), k, 16))
		n = 0
	}
	d.arena = d.arena[:n+k]
	return d.arena[n : n+k : n+k]
}

// newReply recycles the memory of the previous reply.
func (d *Decoder) newReply() {
	if cap(d.arena) > maxRetainArena {
		d.arena = nil
	}
	d.arena = d.arena[:0]
	if cap(d.scratch) > maxRetainArena {
		d.scratch = nil
	}
	d.scratch = d.scratch[:0]
	if cap(d.sbuf) > maxRetainBuf {
		d.sbuf = nil
	}
	d.sbuf = d.sbuf[:0]
}

func (d *Decoder) protoErr(pos int, reason string) error {
	return d.protoErrOff(d.base+int64(pos), reason)
}

func (d *Decoder) protoErrOff(off int64, reason string) error {
	return &ProtocolError{Offset: off, Reason: reason}
}

func (d *Decoder) limitErr(pos int, limit string, got, max int64) error {
	return d.limitErrOff(d.base+int64(pos), limit, got, max)
}

func (d *Decoder) limitErrOff(off int64, limit string, got, max int64) error {
	return &LimitError{Offset: off, Limit: limit, Value: got, Max: max}
}
