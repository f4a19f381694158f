package http1

import (
	"bytes"
	"math/bits"
	"unsafe"
)

// Request is a parsed request head. Its byte slices alias the buffer given
// to the [RequestParser.Parse] call that returned EventHead; see
// [RequestParser] for how long they stay valid.
type Request struct {
	Method []byte     // method token, case-sensitive: "GET"
	Target []byte     // request-target as received
	Form   TargetForm // form of Target
	// Path is the path of an origin-form or absolute-form target, "*" for
	// asterisk-form and empty for authority-form. It is not decoded. An
	// absolute-form target without a path has an empty Path, which
	// RFC 9110 §4.2.3 makes equivalent to "/".
	Path []byte
	// Query is the part after the first "?", or nil when there is no "?".
	Query []byte
	// Host is the target's authority (host and optional port): taken from
	// an absolute-form or authority-form target when it has one, which
	// overrides the Host field (RFC 9112 §3.2.2), and from the Host field
	// otherwise. It is empty for an HTTP/1.0 request without Host.
	Host []byte
	// Minor is the minor HTTP version: 0 for HTTP/1.0, 1 for HTTP/1.1.
	// A higher minor version (HTTP/1.2) is handled as HTTP/1.1 but kept
	// here as received (RFC 9110 §2.5).
	Minor int
	// Header holds the header fields in order of arrival.
	Header Header
	// Framing says how the body is delimited: FramingNone, FramingLength
	// or FramingChunked.
	Framing Framing
	// ContentLength is the Content-Length value, or -1 without one.
	ContentLength int64
	// KeepAlive reports whether the connection persists after this
	// request (RFC 9112 §9.3): HTTP/1.1 without "Connection: close", or
	// HTTP/1.0 with "Connection: keep-alive".
	KeepAlive bool
	// ExpectContinue reports an HTTP/1.1 "Expect: 100-continue": the client
	// may wait for a 100 (Continue) response before sending the body.
	ExpectContinue bool
	// Head is the whole head as received, from the request line up to
	// and including the empty line that ends it (empty lines skipped
	// before the request line are not part of it). Two requests with
	// equal Heads parse the same, so a server may compare it with the
	// previous request's to reuse what it built from that one.
	Head []byte
	// Upgrade reports an HTTP/1.1 request with an Upgrade field and the
	// "upgrade" connection option (RFC 9110 §7.8). If the server answers
	// 101, the bytes after this request belong to the new protocol and
	// must not be given to the parser.
	Upgrade bool
	// Repeated reports that Head is, byte for byte, the head of the
	// previous request this parser returned (since it was made or
	// Reset), so that every other field is equal to that request's too:
	// a server may reuse what it built from it. A head longer than
	// RepeatMax bytes is never reported as repeated.
	Repeated bool
}

// RepeatMax is the longest head a RequestParser keeps a copy of, to
// recognise a request that repeats it (see Request.Repeated).
const RepeatMax = 1 << 10

// Parser states.
const (
	stHead uint8 = iota
	stBody
)

// RequestParser is an incremental, zero-copy HTTP/1.1 request parser for
// a server (RFC 9112). It holds no I/O: the caller reads from a connection
// into a buffer and hands the unconsumed part of that buffer to Parse.
//
// The zero value is ready to use with default limits. A RequestParser
// serves one connection and is not safe for concurrent use. It keeps a
// copy of the last head it parsed: a client repeating its head (as
// keep-alive clients mostly do) gets the result of that parse again,
// found by comparing bytes (see [Request.Repeated]).
//
// Lifetimes: the Request returned by [RequestParser.Request] and the Header
// returned by [RequestParser.Trailers] alias the caller's buffer and the
// parser's own field arrays. They stay valid while the caller leaves those
// buffer bytes unchanged, and at most until the first Parse call after the
// request's EventEnd, which starts reusing the arrays. A server that keeps a
// request beyond that copies what it needs.
type RequestParser struct {
	lim     limits
	ready   bool
	state   uint8
	scan    int  // head bytes known to hold no new LF (see parseHead)
	lineOK  bool // the request line was complete at the last attempt
	pending bool // unconsumed bytes of a message were seen
	err     error
	req     Request
	fw      framing
	body    bodyDecoder
	hdr     section // header section
	trl     section // trailer section
	// prev is a copy of the last head parsed, empty if there is none or
	// it is longer than RepeatMax, and shape tells what it parsed to: a
	// head equal to it is not parsed again (see parseHead).
	prev  []byte
	shape headShape
	// again is the current head while it repeats the previous one and
	// Request has not rebuilt it yet (see Repeated).
	again []byte
}

// part locates a slice of a head: head[off:off+n], or nil for n < 0.
type part struct{ off, n int }

// partOf returns where s, a slice of head, is in head. Both share their
// backing array's end, so capacities tell the offset; ok is false if the
// part found does not lie within head, which part.in relies on.
func partOf(head, s []byte) (pt part, ok bool) {
	switch {
	case s == nil:
		return part{n: -1}, true
	case len(s) == 0:
		return part{}, true
	}
	pt = part{cap(head) - cap(s), len(s)}
	return pt, pt.off >= 0 && pt.off <= len(head)-pt.n
}

// in returns the slice pt locates in head.
func (pt part) in(head []byte) []byte {
	if pt.n < 0 {
		return nil
	}
	// head is as long as the head the parts were taken from, and keep
	// took only parts within it: no bounds to check.
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(head)), pt.off)), pt.n)
}

// headShape is a parsed Request with its slices as parts of its head.
type headShape struct {
	method, target, path, query, host part
	fields                            []fieldPart
	req                               Request // the other fields, its slices nil
}

// fieldPart locates a header field in its head.
type fieldPart struct{ name, value part }

// NewRequestParser returns a parser with the given limits.
func NewRequestParser(opts ...Option) *RequestParser {
	p := &RequestParser{}
	p.Reset(opts...)
	return p
}

// Reset makes p ready for a new connection with the given limits,
// keeping its allocated arrays.
func (p *RequestParser) Reset(opts ...Option) {
	*p = RequestParser{
		hdr: section{fields: p.hdr.fields[:0]}, trl: section{fields: p.trl.fields[:0]},
		prev: p.prev[:0], shape: headShape{fields: p.shape.fields[:0]},
	}
	p.lim = defaultLimits()
	for _, o := range opts {
		o(&p.lim)
	}
	p.setup()
}

// setup applies p.lim to the field sections.
func (p *RequestParser) setup() {
	p.hdr = section{lim: p.lim.maxHeaderBytes, maxFields: p.lim.maxFields, tooLarge: errHeaderTooLarge, fields: p.hdr.fields}
	p.trl = section{lim: p.lim.maxHeaderBytes, maxFields: p.lim.maxFields, tooLarge: errTrailerTooLarge, fields: p.trl.fields}
	p.ready = true
}

// Request returns the head of the current request. It is meaningful from
// EventHead until the first Parse call after the request's EventEnd.
func (p *RequestParser) Request() *Request {
	if p.again != nil {
		p.repeat(p.again)
		p.again = nil
	}
	return &p.req
}

// Repeated reports whether the current head is, byte for byte, the
// previous one (see [Request.Repeated]), which is known before Request
// is called: a caller that kept what it built from the previous request
// may use that and not call Request at all, saving its rebuilding of
// the parse on the new bytes. It is meaningful when Request is.
func (p *RequestParser) Repeated() bool { return p.again != nil || p.req.Repeated }

// Trailers returns the trailer fields of the current request. It is
// meaningful from EventTrailers until the first Parse call after the
// request's EventEnd.
func (p *RequestParser) Trailers() Header { return p.trl.fields }

// Parse parses the next step of the request stream in buf, which must
// start with the bytes the previous call did not consume.
//
// It returns how many bytes of buf it consumed, which the caller must drop
// before the next call in every case, including when err is ErrNeedMore;
// then the next event. Heads are only consumed whole, so while a head is
// incomplete Parse consumes nothing (apart from empty lines before it) and
// the caller must keep the bytes and add to them. Body data is reported as
// it arrives, as slices of buf.
//
// When err is ErrNeedMore the caller reads more input. Any other error is
// an [*Error] whose Status the server should answer with before closing;
// the parser then returns the same error until Reset.
//
// After EventEnd the next call parses the next pipelined request from the
// same buffer.
func (p *RequestParser) Parse(buf []byte) (n int, ev Event, err error) {
	if p.err != nil {
		return 0, Event{}, p.err
	}
	if !p.ready {
		p.lim = defaultLimits()
		p.setup()
	}
	if p.state == stHead {
		n, err = p.parseHead(buf)
		if err == nil {
			p.state = stBody
			p.pending = true
			return n, Event{Kind: EventHead}, nil
		}
		if err == errNeedMore {
			p.pending = n < len(buf)
			return n, Event{}, err
		}
		p.err = err
		return 0, Event{}, err
	}
	n, ev, err = p.body.next(buf, &p.lim, &p.trl)
	if err != nil && err != errNeedMore {
		p.err = err
		return 0, Event{}, err
	}
	if ev.Kind == EventEnd {
		p.state, p.pending = stHead, false
	}
	return n, ev, err
}

// EOF tells the parser that the connection was closed by the peer. It
// returns nil when that happened between requests, and an [*Error]
// wrapping ErrUnexpectedEOF when a request was cut short.
func (p *RequestParser) EOF() error {
	if p.err != nil {
		return p.err
	}
	if p.pending {
		p.err = errEOF
		return errEOF
	}
	return nil
}

// parseHead parses a request head from buf. It returns the bytes consumed:
// the whole head on success, and only the empty lines skipped before the
// request line (RFC 9112 §2.2) otherwise.
func (p *RequestParser) parseHead(buf []byte) (int, error) {
	skip := 0
	for len(buf)-skip >= 2 && buf[skip] == '\r' && buf[skip+1] == '\n' {
		skip += 2
	}
	if skip > 0 {
		p.scan, p.lineOK = 0, false
	}
	b := buf[skip:]
	if len(b) == 0 {
		return skip, ErrNeedMore
	}
	// The same bytes as the previous head parse the same: take that
	// parse again.
	if n := len(p.prev); n > 0 && len(b) >= n && string(b[:n]) == string(p.prev) {
		p.scan, p.lineOK = 0, false
		p.again = b[:n] // Request rebuilds it, if asked
		p.body.start(p.shape.req.Framing, p.shape.req.ContentLength)
		return skip + n, nil
	}
	p.again = nil
	lim := p.lim.maxHeaderBytes
	w := min(len(b), lim)
	// While the request line is known complete, a new attempt can only
	// change the outcome once another LF arrives or the limit is reached.
	if p.lineOK && p.scan > 0 && p.scan <= w && w < lim {
		if bytes.IndexByte(b[p.scan:w], '\n') < 0 {
			p.scan = w
			return skip, ErrNeedMore
		}
	}
	n, err := p.head(b)
	if err == errNeedMore {
		p.scan = w
		return skip, err
	}
	p.scan, p.lineOK = 0, false
	if err != nil {
		return 0, err
	}
	return skip + n, nil
}

// head parses the request head at the start of b, or reports ErrNeedMore
// (or a limit error) while it is incomplete.
func (p *RequestParser) head(b []byte) (int, error) {
	lim := p.lim.maxHeaderBytes
	win := b[:min(len(b), lim)] // every index below is checked against len(win)
	w := len(win)
	p.lineOK = false

	// method SP
	i := 0
	for i < len(win) && class[win[i]]&cTchar != 0 {
		i++
	}
	if i >= len(win) {
		return 0, incomplete(w, lim, errHeaderTooLarge)
	}
	if win[i] != ' ' || i == 0 {
		switch {
		case win[i] == '\n':
			return 0, errBareLF
		case win[i] == '\r' && i+1 < len(win) && win[i+1] != '\n':
			return 0, lineErr(win, i, lim, errBareCR, errHeaderTooLarge)
		}
		return 0, lineErr(win, i, lim, errMethod, errHeaderTooLarge)
	}
	method := win[:i]
	// request-target: everything up to SP, CR or LF. Its length is checked
	// before its content so that 414 does not depend on input splits. The
	// first loop covers targets made only of valid characters.
	ts := i + 1
	te := span(win, ts, cTarget)
	// A target of plain characters (no "%") starting with "/" is a valid
	// origin-form; anything else is checked by parseTarget.
	plain := te < len(win) && win[te] == ' ' && win[ts] == '/'
	for te < len(win) && win[te] != ' ' && win[te] != '\r' && win[te] != '\n' {
		te++
	}
	if te-ts > p.lim.maxURIBytes {
		return 0, errURITooLong
	}
	lf := bytes.IndexByte(win[te:], '\n')
	if lf < 0 {
		return 0, incomplete(w, lim, errHeaderTooLarge)
	}
	lf += te
	p.lineOK = true
	if win[te] != ' ' {
		switch {
		case te == lf:
			return 0, errBareLF
		case te+1 == lf:
			return 0, errVersion // no HTTP-version
		}
		return 0, errBareCR
	}
	var t target
	if plain && string(method) != "CONNECT" {
		t.path = win[ts:te]
		if q := bytes.IndexByte(t.path, '?'); q >= 0 {
			t.path, t.query = win[ts:ts+q], win[ts+q+1:te]
		}
	} else {
		var terr *Error
		if t, terr = parseTarget(method, win[ts:te]); terr != nil {
			return 0, terr
		}
	}
	if win[lf-1] != '\r' {
		return 0, errBareLF
	}
	minor, verr := parseVersion(win[te+1 : lf-1])
	if verr != nil {
		return 0, verr
	}

	end, err := p.hdr.scan(b, lf+1)
	if err != nil {
		return 0, err
	}

	// Zeroed whole, so that no field keeps the previous request's value,
	// then set in place (a composite literal would be built aside and
	// copied); semantics fills in the rest.
	r := &p.req
	*r = Request{}
	r.Method, r.Target, r.Form, r.Path, r.Query = method, win[ts:te], t.form, t.path, t.query
	r.Minor, r.Header, r.ContentLength, r.Head = minor, p.hdr.fields, -1, b[:end]
	if err := p.semantics(&t); err != nil {
		return 0, err
	}
	p.keep()
	return end, nil
}

// keep records the request just parsed as the one a repeated head
// parses to (see repeat).
func (p *RequestParser) keep() {
	r := &p.req
	h := r.Head
	if len(h) > RepeatMax {
		p.prev = p.prev[:0]
		return
	}
	sh := &p.shape
	var ok [7]bool
	sh.method, ok[0] = partOf(h, r.Method)
	sh.target, ok[1] = partOf(h, r.Target)
	sh.path, ok[2] = partOf(h, r.Path)
	sh.query, ok[3] = partOf(h, r.Query)
	sh.host, ok[4] = partOf(h, r.Host)
	sh.fields = sh.fields[:0]
	for i := range r.Header {
		f := &r.Header[i]
		var fp fieldPart
		fp.name, ok[5] = partOf(h, f.Name)
		fp.value, ok[6] = partOf(h, f.Value)
		if !ok[5] || !ok[6] {
			p.prev = p.prev[:0]
			return
		}
		sh.fields = append(sh.fields, fp)
	}
	if !ok[0] || !ok[1] || !ok[2] || !ok[3] || !ok[4] {
		p.prev = p.prev[:0] // every part is of the head; should one not be, no repeat
		return
	}
	p.prev = append(p.prev[:0], h...)
	// Everything but the slices, which are parts: a field added to
	// Request is kept too.
	sh.req = *r
	sh.req.Method, sh.req.Target, sh.req.Path, sh.req.Query, sh.req.Host = nil, nil, nil, nil, nil
	sh.req.Header, sh.req.Head = nil, nil
}

// repeat makes the request the one kept, its slices taken from h, a head
// equal to the kept one.
func (p *RequestParser) repeat(h []byte) {
	sh := &p.shape
	if cap(p.hdr.fields) < len(sh.fields) { // the kept request's array holds them
		p.hdr.fields = make(Header, len(sh.fields))
	}
	fields := p.hdr.fields[:len(sh.fields)]
	for i := range fields {
		f := &sh.fields[i]
		fields[i] = Field{Name: f.name.in(h), Value: f.value.in(h)}
	}
	p.hdr.fields = fields
	r := &p.req
	*r = sh.req
	r.Method, r.Target, r.Path = sh.method.in(h), sh.target.in(h), sh.path.in(h)
	r.Query, r.Host = sh.query.in(h), sh.host.in(h)
	r.Header, r.Head, r.Repeated = fields, h, true
}

// parseVersion parses HTTP-version = "HTTP/" DIGIT "." DIGIT and returns
// the minor version. Major versions other than 1 are unsupported (505).
func parseVersion(v []byte) (int, error) {
	if string(v) == "HTTP/1.1" {
		return 1, nil
	}
	if len(v) != 8 || string(v[:5]) != "HTTP/" || v[6] != '.' ||
		class[v[5]]&cDigit == 0 || class[v[7]]&cDigit == 0 {
		return 0, errVersion
	}
	if v[5] != '1' {
		return 0, errVersionSupport
	}
	return int(v[7] - '0'), nil
}

// reqFields gathers the request fields that RFC 9112 gives meaning to.
type reqFields struct {
	hosts          int
	host           []byte
	upgrade        []byte
	expectContinue bool
}

// field interprets one header field for framing, Host, Expect and Upgrade.
func (p *RequestParser) field(rf *reqFields, name, v []byte) error {
	f := &p.fw
	switch len(name) {
	case 4:
		if equalFold(name, "host") {
			rf.hosts++
			rf.host = v
		}
	case 6:
		if equalFold(name, "expect") && hasElem(v, "100-continue") {
			rf.expectContinue = true
		}
	case 7:
		if equalFold(name, "upgrade") {
			rf.upgrade = v
		}
	case 10:
		if equalFold(name, "connection") {
			f.connection(v)
		}
	case 14:
		if equalFold(name, "content-length") {
			return f.contentLength(v)
		}
	case 17:
		if equalFold(name, "transfer-encoding") {
			return f.transferEncoding(v)
		}
	}
	return nil
}

// semantics applies the rules of RFC 9112 §3.2 (Host) and §6 (framing) to
// the parsed head.
func (p *RequestParser) semantics(t *target) error {
	r := &p.req
	f := &p.fw
	f.reset()
	var rf reqFields
	for m := p.hdr.special; m != 0; m &= m - 1 {
		i := bits.TrailingZeros64(m)
		last := i + 1
		if i == 63 {
			last = len(r.Header)
		}
		for ; i < last; i++ {
			if err := p.field(&rf, r.Header[i].Name, r.Header[i].Value); err != nil {
				return err
			}
		}
	}
	switch {
	case rf.hosts > 1:
		return errTwoHosts
	case rf.hosts == 0 && r.Minor >= 1:
		return errNoHost
	case rf.hosts == 1 && !validHostPort(rf.host, false):
		return errHost
	}
	r.Host = rf.host
	if t.hasAuth {
		r.Host = t.authority
	}

	switch {
	case f.te:
		switch {
		case r.Minor == 0:
			return errTE10
		case f.length >= 0:
			return errCLAndTE
		case f.chunked > 1:
			return errTETwice
		case !f.chunkedFinal:
			return errTENotFinal
		case f.otherCoding:
			return errTEUnsupported
		}
		r.Framing = FramingChunked
	case f.length > 0:
		if f.length > p.lim.maxBodyBytes {
			return errBodyTooLarge
		}
		r.Framing = FramingLength
	}
	r.ContentLength = f.length
	r.KeepAlive = f.persistent(r.Minor)
	if r.Minor >= 1 {
		r.ExpectContinue = rf.expectContinue
		r.Upgrade = len(rf.upgrade) > 0 && f.upgrade
	}
	p.body.start(r.Framing, f.length)
	return nil
}
