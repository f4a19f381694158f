package http1

import "bytes"

// Response is a parsed response head. Its byte slices alias the buffer
// given to the [ResponseParser.Parse] call that returned EventHead; see
// [ResponseParser] for how long they stay valid.
type Response struct {
	// Minor is the minor HTTP version: 0 for HTTP/1.0, 1 for HTTP/1.1.
	Minor int
	// Status is the three-digit status code. Codes outside 100-599 are
	// kept as received; RFC 9110 §15 says to treat them as 5xx.
	Status int
	// Reason is the reason-phrase, possibly empty. Clients should ignore
	// it (RFC 9112 §4).
	Reason []byte
	// Header holds the header fields in order of arrival. Obsolete line
	// folding has been replaced by spaces (RFC 9112 §5.2).
	Header Header
	// Framing says how the body is delimited (RFC 9112 §6.3).
	Framing Framing
	// ContentLength is the Content-Length value, or -1 without a valid
	// one. For a response to HEAD it describes the body a GET would get.
	ContentLength int64
	// KeepAlive reports whether the connection may carry another request
	// after this response.
	KeepAlive bool
	// Interim reports a 1xx response other than 101: the final response
	// to the same request follows.
	Interim bool
	// Switched reports a 101 (Switching Protocols) response, or a 2xx
	// response to CONNECT: after EventEnd the connection carries another
	// protocol or a tunnel, and Parse returns ErrProtocolSwitched.
	Switched bool
}

const stSwitched uint8 = 2

// ResponseParser is an incremental, zero-copy HTTP/1.1 response parser for
// a client (RFC 9112). It holds no I/O: the caller reads from a connection
// into a buffer and hands the unconsumed part of that buffer to Parse.
//
// The framing of a response depends on the request it answers (RFC 9112
// §6.3), so the caller names the request method with SetMethod before
// each response; the default is a method that is neither HEAD nor CONNECT.
//
// The zero value is ready to use with default limits. A ResponseParser
// serves one connection and is not safe for concurrent use.
//
// Lifetimes: the Response returned by [ResponseParser.Response] and the
// Header returned by [ResponseParser.Trailers] alias the caller's buffer and
// the parser's own field arrays. They stay valid while the caller leaves
// those buffer bytes unchanged, and at most until the first Parse call after
// the response's EventEnd. Parse writes to the buffer in one case: it
// replaces the line break of an obs-fold in a header field with spaces.
type ResponseParser struct {
	lim       limits
	ready     bool
	state     uint8
	isHead    bool
	isConnect bool
	pending   bool
	scan      int
	err       error
	resp      Response
	fw        framing
	body      bodyDecoder
	hdr       section // header section
	trl       section // trailer section
}

// NewResponseParser returns a parser with the given limits.
// WithMaxURIBytes has no effect on it.
func NewResponseParser(opts ...Option) *ResponseParser {
	p := &ResponseParser{}
	p.Reset(opts...)
	return p
}

// Reset makes p ready for a new connection with the given limits,
// keeping its allocated arrays.
func (p *ResponseParser) Reset(opts ...Option) {
	*p = ResponseParser{hdr: section{fields: p.hdr.fields[:0]}, trl: section{fields: p.trl.fields[:0]}}
	p.lim = defaultLimits()
	for _, o := range opts {
		o(&p.lim)
	}
	p.setup()
}

// setup applies p.lim to the field sections.
func (p *ResponseParser) setup() {
	p.hdr = section{lim: p.lim.maxHeaderBytes, maxFields: p.lim.maxFields, fold: true, tooLarge: errHeaderTooLarge, fields: p.hdr.fields}
	p.trl = section{lim: p.lim.maxHeaderBytes, maxFields: p.lim.maxFields, fold: true, tooLarge: errTrailerTooLarge, fields: p.trl.fields}
	p.ready = true
}

// SetMethod names the method of the request that the next final response
// answers. "HEAD" means the response has no body; "CONNECT" means a 2xx
// response turns the connection into a tunnel. It applies to any interim
// (1xx) responses and the final response, then reverts to the default.
func (p *ResponseParser) SetMethod(method string) {
	p.isHead = method == "HEAD"
	p.isConnect = method == "CONNECT"
}

// Response returns the head of the current response. It is meaningful
// from EventHead until the first Parse call after the response's EventEnd.
func (p *ResponseParser) Response() *Response { return &p.resp }

// Trailers returns the trailer fields of the current response. It is
// meaningful from EventTrailers until the first Parse call after the
// response's EventEnd.
func (p *ResponseParser) Trailers() Header { return p.trl.fields }

// Parse parses the next step of the response stream in buf, which must
// start with the bytes the previous call did not consume. It follows the
// same contract as [RequestParser.Parse]: the caller drops n bytes in every
// case; ErrNeedMore asks for more input; any other error is final. Errors
// are [*Error] values with Status 502. After a switching response has
// ended, Parse returns ErrProtocolSwitched and consumes nothing.
func (p *ResponseParser) Parse(buf []byte) (n int, ev Event, err error) {
	if p.err != nil {
		return 0, Event{}, p.err
	}
	if !p.ready {
		p.lim = defaultLimits()
		p.setup()
	}
	switch p.state {
	case stSwitched:
		return 0, Event{}, ErrProtocolSwitched
	case stHead:
		n, err = p.parseHead(buf)
		if err == nil {
			p.state = stBody
			p.pending = true
			return n, Event{Kind: EventHead}, nil
		}
		if err == errNeedMore {
			p.pending = len(buf) > 0
			return 0, Event{}, err
		}
		p.err = asResponseErr(err)
		return 0, Event{}, p.err
	}
	n, ev, err = p.body.next(buf, &p.lim, &p.trl)
	if err != nil && err != errNeedMore {
		p.err = asResponseErr(err)
		return 0, Event{}, p.err
	}
	if ev.Kind == EventEnd {
		p.state, p.pending = stHead, false
		if p.resp.Switched {
			p.state = stSwitched
		}
	}
	return n, ev, err
}

// EOF tells the parser that the server closed the connection. It returns
// EventEnd when that ends a body delimited by the close, no event and a nil
// error between responses or after a switch, and an [*Error] wrapping
// ErrUnexpectedEOF when a response was cut short.
func (p *ResponseParser) EOF() (Event, error) {
	if p.err != nil {
		return Event{}, p.err
	}
	if p.state == stBody && p.body.state == bsUntilClose {
		p.state, p.pending = stHead, false
		p.body.state = bsNone
		return Event{Kind: EventEnd}, nil
	}
	if p.pending && p.state != stSwitched {
		p.err = asResponseErr(errEOF)
		return Event{}, p.err
	}
	return Event{}, nil
}

// parseHead parses a response head at the start of buf.
func (p *ResponseParser) parseHead(buf []byte) (int, error) {
	lim := p.lim.maxHeaderBytes
	w := min(len(buf), lim)
	if p.scan > 0 && p.scan <= w && w < lim {
		if bytes.IndexByte(buf[p.scan:w], '\n') < 0 {
			p.scan = w
			return 0, ErrNeedMore
		}
	}
	n, err := p.head(buf)
	if err == errNeedMore {
		p.scan = w
		return 0, err
	}
	p.scan = 0
	return n, err
}

// head parses the response head at the start of b, or reports ErrNeedMore
// (or a limit error) while it is incomplete.
func (p *ResponseParser) head(b []byte) (int, error) {
	lim := p.lim.maxHeaderBytes
	w := min(len(b), lim)
	lf := bytes.IndexByte(b[:w], '\n')
	if lf < 0 {
		return 0, incomplete(w, lim, errHeaderTooLarge)
	}
	// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF
	if lf < 8 {
		return 0, errVersion
	}
	minor, err := parseVersion(b[:8])
	if err != nil {
		return 0, err
	}
	if lf < 13 || b[8] != ' ' || b[12] != ' ' ||
		class[b[9]]&cDigit == 0 || class[b[10]]&cDigit == 0 || class[b[11]]&cDigit == 0 {
		return 0, errStatus
	}
	if b[lf-1] != '\r' {
		return 0, errBareLF
	}
	reason := b[13 : lf-1]
	for _, c := range reason {
		if class[c]&cValue == 0 {
			if c == '\r' {
				return 0, errBareCR
			}
			return 0, errStatus
		}
	}
	status := int(b[9]-'0')*100 + int(b[10]-'0')*10 + int(b[11]-'0')

	end, err := p.hdr.scan(b, lf+1)
	if err != nil {
		return 0, err
	}
	p.resp = Response{Minor: minor, Status: status, Reason: reason, Header: p.hdr.fields, ContentLength: -1}
	if err := p.semantics(); err != nil {
		return 0, err
	}
	return end, nil
}

// semantics applies RFC 9112 §6.3 and §9.3 to the parsed head.
func (p *ResponseParser) semantics() error {
	r := &p.resp
	f := &p.fw
	f.reset()
	status := r.Status
	interim := status >= 100 && status < 200
	bodyless := p.isHead || interim || status == 204 || status == 304
	tunnel := p.isConnect && status >= 200 && status < 300
	badLength := false
	for i := range r.Header {
		name, v := r.Header[i].Name, r.Header[i].Value
		switch len(name) {
		case 10:
			if equalFold(name, "connection") {
				f.connection(v)
			}
		case 14:
			if equalFold(name, "content-length") {
				if err := f.contentLength(v); err != nil {
					if !bodyless && !tunnel {
						return err
					}
					badLength = true // ignored without a body
				}
			}
		case 17:
			if equalFold(name, "transfer-encoding") {
				if err := f.transferEncoding(v); err != nil && !bodyless && !tunnel {
					return err
				}
			}
		}
	}
	switch {
	case tunnel || status == 101:
		r.Switched = true
	case bodyless:
	case f.te:
		switch {
		case r.Minor == 0:
			return errTE10
		case f.length >= 0:
			return errCLAndTE
		case f.chunked > 1:
			return errTETwice
		case f.chunkedFinal:
			r.Framing = FramingChunked
		default:
			r.Framing = FramingUntilClose
		}
	case f.length > 0:
		if f.length > p.lim.maxBodyBytes {
			return errBodyTooLarge
		}
		r.Framing = FramingLength
	case f.length < 0:
		r.Framing = FramingUntilClose
	}
	if f.length >= 0 && !badLength {
		r.ContentLength = f.length
	}
	r.Interim = interim && status != 101
	r.KeepAlive = f.persistent(r.Minor) && r.Framing != FramingUntilClose && !r.Switched
	if !r.Interim {
		p.isHead, p.isConnect = false, false
	}
	p.body.start(r.Framing, f.length)
	return nil
}
