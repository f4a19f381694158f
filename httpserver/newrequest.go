package httpserver

import (
	"bytes"
	"unsafe"

	"github.com/eddy-go/eddy/codec/http1"
)

// strChunk is the size of the blocks request strings are carved from.
const strChunk = 4 << 10

// lastHead is what a connection keeps of its previous request to build
// the next one cheaply: the strings made from its head. They are
// immutable, so they may be shared by both requests.
type lastHead struct {
	method, target, path, query, host string
	fields                            []Field
	// head is what the parser made of the previous head, its slices nil
	// and Repeated set: what a repeated head parses to, for the server
	// to use without asking the parser to rebuild it (see onData).
	head http1.Request
}

// newRequest copies a parsed head into a Request. The bytes are copied
// once into the connection's string block, which is only ever appended
// to: a full block is dropped (left to the strings that point into it)
// and a new one started, so the strings stay valid and immutable however
// long they are kept. Nothing is copied again of what the previous
// request had: a head the parser reports as repeated (a keep-alive
// client mostly repeats itself) takes all its strings, and otherwise
// each string equal to the previous request's at the same place is
// shared.
// Common names, values and methods are not copied at all (see
// intern.go), nor are the path and query when they are parts of the
// target. The Request itself comes from sc.free when the previous one
// could be recycled (see recycle).
func (sc *serverConn) newRequest(hd *http1.Request) *Request {
	r := sc.free
	var hf, rf []Field
	if r != nil {
		sc.free = nil
		// Storage only, and only the Header's own: a handler may have
		// put another Header there (*w.Header() = h), which it may
		// keep, or the request's in the response's.
		if r.Header.own == &r.Header {
			hf = r.Header.fields
		}
		if r.w.header.own == &r.w.header {
			rf = r.w.header.fields
			for i := range rf { // mostly a few: cheaper than clear
				rf[i] = Field{}
			}
		}
		spare := r.attached
		if spare == nil {
			spare = r.spare
		}
		*r = Request{spare: spare}
	} else {
		r = &Request{}
	}
	r.sc = sc
	r.w.header.fields, r.w.header.own = rf[:0], &r.w.header
	r.ProtoMinor = hd.Minor
	r.ContentLength = hd.ContentLength
	switch hd.Framing {
	case http1.FramingChunked:
		r.Chunked = true
		r.ContentLength = -1
	case http1.FramingNone:
		r.ContentLength = 0
	}
	r.expect = hd.ExpectContinue
	r.upgrade = hd.Upgrade
	if hd.Form == http1.AuthorityForm {
		// CONNECT: the bytes after it are tunnel data if it is
		// answered 2xx. They wait, as an upgrade's do, until the
		// response shows which (see ResponseWriter.commit).
		r.upgrade = true
		r.w.tunnel = true
	}
	r.w.sc = sc
	r.w.req = r

	last := &sc.last
	nh := len(hd.Header)
	if hd.Repeated {
		nh = len(last.fields) // hd may be last.head, which has no slices
	}
	if len(hf) > nh {
		clear(hf[nh:]) // what the first nh do not overwrite
	}
	if cap(hf) < nh {
		hf = make([]Field, 0, max(nh, 8))
	}
	hf = hf[:nh]
	if hd.Repeated {
		// The same head as the previous request, whose strings are in
		// last (every head of the parser comes here): the same strings,
		// as many fields.
		r.Method, r.Target, r.Path, r.RawQuery, r.Host = last.method, last.target, last.path, last.query, last.host
		for i := range hf { // mostly a few: cheaper than copy
			hf[i] = last.fields[i]
		}
		r.Header.fields, r.Header.own = hf, &r.Header
		r.w.isHEAD = r.Method == "HEAD"
		return r
	}

	n := 0 // bytes to copy
	// Path and query are mostly parts of the target: share its bytes.
	tp := len(hd.Path) <= len(hd.Target) && bytes.HasPrefix(hd.Target, hd.Path) &&
		(len(hd.Query) == 0 && len(hd.Path) == len(hd.Target) ||
			len(hd.Path)+1+len(hd.Query) == len(hd.Target) && hd.Target[len(hd.Path)] == '?' &&
				bytes.Equal(hd.Target[len(hd.Path)+1:], hd.Query))
	sameTarget := tp && string(hd.Target) == last.target
	if !sameTarget {
		n += len(hd.Target)
		if !tp {
			n += len(hd.Path) + len(hd.Query)
		}
	}
	method, mok := "GET", string(hd.Method) == "GET"
	if !mok {
		method, mok = methodTable.lookup(hd.Method)
	}
	if !mok {
		n += len(hd.Method)
	}
	hostAt := -1 // index of a field whose value equals hd.Host
	for j := range hd.Header {
		f := &hd.Header[j]
		h := &hf[j]
		*h = Field{}
		// Share what equals the previous request's field at the same
		// place; look up the rest among the common strings.
		if j < len(last.fields) {
			if p := &last.fields[j]; string(f.Name) == p.Name {
				h.Name = p.Name
			}
			if p := &last.fields[j]; string(f.Value) == p.Value {
				h.Value = p.Value
			}
		}
		if h.Name == "" {
			if h.Name, _ = nameTable.lookup(f.Name); h.Name == "" {
				n += len(f.Name)
			}
		}
		if h.Value == "" && len(f.Value) > 0 {
			if h.Value, _ = valueTable.lookup(f.Value); h.Value == "" {
				n += len(f.Value)
			}
		}
		// The Host is mostly the Host field's value: share its string.
		if hostAt < 0 && len(f.Value) == len(hd.Host) && len(f.Value) > 0 && string(f.Value) == string(hd.Host) {
			hostAt = j
		}
	}
	sameHost := hostAt < 0 && string(hd.Host) == last.host
	if hostAt < 0 && !sameHost {
		n += len(hd.Host)
	}
	var blk []byte
	if n > 0 {
		if cap(sc.strs)-len(sc.strs) < n {
			sc.strs = make([]byte, 0, max(strChunk, n))
		}
		base := len(sc.strs)
		sc.strs = sc.strs[:base+n]
		blk = sc.strs[base:]
	}
	i := 0
	if mok {
		r.Method = method
	} else {
		r.Method, i = take(blk, i, hd.Method)
	}
	if sameTarget {
		r.Target = last.target
	} else {
		r.Target, i = take(blk, i, hd.Target)
	}
	if tp {
		r.Path = r.Target[:len(hd.Path)]
		if len(hd.Query) > 0 {
			r.RawQuery = r.Target[len(hd.Path)+1:]
		}
	} else {
		r.Path, i = take(blk, i, hd.Path)
		r.RawQuery, i = take(blk, i, hd.Query)
	}
	for j := 0; n > 0 && j < nh; j++ {
		f := &hd.Header[j]
		h := &hf[j]
		if h.Name == "" { // names are never empty: neither shared nor interned
			h.Name, i = take(blk, i, f.Name)
		}
		if h.Value == "" && len(f.Value) > 0 {
			h.Value, i = take(blk, i, f.Value)
		}
	}
	r.Header.fields, r.Header.own = hf, &r.Header
	switch {
	case hostAt >= 0:
		r.Host = hf[hostAt].Value
	case sameHost:
		r.Host = last.host
	default:
		r.Host, _ = take(blk, i, hd.Host)
	}
	r.w.isHEAD = r.Method == "HEAD"

	// Keep this request's head and strings for the next one.
	last.head = *hd
	last.head.Method, last.head.Target, last.head.Path, last.head.Query, last.head.Host = nil, nil, nil, nil, nil
	last.head.Header, last.head.Head, last.head.Repeated = nil, nil, true
	last.method, last.target, last.path, last.query, last.host = r.Method, r.Target, r.Path, r.RawQuery, r.Host
	clear(last.fields[min(nh, len(last.fields)):])
	last.fields = append(last.fields[:0], hf...)
	return r
}

// take copies b to blk[i:] and returns it as a string, with the offset
// past it.
func take(blk []byte, i int, b []byte) (string, int) {
	if len(b) == 0 {
		return "", i
	}
	copy(blk[i:], b)
	return unsafe.String(&blk[i], len(b)), i + len(b)
}
