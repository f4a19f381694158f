package web

import (
	"bytes"

	"github.com/eddy-go/eddy/httpserver"
)

// mpEvent is what mpParser.parse found.
type mpEvent uint8

const (
	mpNeedMore mpEvent = iota // nothing complete: offer the unconsumed bytes again with more
	mpPart                    // a part begins: its header is in the parser's header
	mpData                    // a piece of the current part's content
	mpPartEnd                 // the current part ended
	mpDone                    // the close delimiter: the body is complete
)

// Parser states.
const (
	mpsPreamble uint8 = iota
	mpsAfterDelim
	mpsHeader
	mpsBody
	mpsDone
)

const (
	// mpMaxHeader bounds one part's header section.
	mpMaxHeader = 16 << 10
	// mpMaxPadding bounds the transport padding after a delimiter.
	mpMaxPadding = 256
)

// mpParser is an incremental multipart (RFC 2046 §5.1.1) body parser
// without I/O: parse takes bytes and reports what they complete, and how
// many it consumed; the caller offers the rest again, with more. It
// accepts input split anywhere.
type mpParser struct {
	delim   []byte // "\r\n--" + boundary
	state   uint8
	started bool // part of the preamble has been dropped
	header  httpserver.Header
}

func newMPParser(boundary string) *mpParser {
	return &mpParser{delim: []byte("\r\n--" + boundary)}
}

// validBoundary reports whether b is a boundary RFC 2046 allows: 1 to
// 70 characters of its set, not ending in a space.
func validBoundary(b string) bool {
	if len(b) < 1 || len(b) > 70 || b[len(b)-1] == ' ' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case bytes.IndexByte([]byte("'()+_,-./:=? "), c) >= 0:
		default:
			return false
		}
	}
	return true
}

// parse consumes a prefix of p and reports the event it completes. Data
// events return a slice of p. After mpDone it consumes everything (the
// epilogue). Errors are *HTTPError values (400).
func (m *mpParser) parse(p []byte) (n int, ev mpEvent, data []byte, err error) {
	switch m.state {
	case mpsPreamble:
		// The first delimiter may open the body without its CRLF; past
		// the start, it needs one.
		if dash := m.delim[2:]; !m.started {
			if len(p) < len(dash) && bytes.HasPrefix(dash, p) {
				return 0, mpNeedMore, nil, nil
			}
			if bytes.HasPrefix(p, dash) {
				m.state = mpsAfterDelim
				return len(dash), mpNeedMore, nil, nil
			}
		}
		i := bytes.Index(p, m.delim)
		if i >= 0 {
			m.state = mpsAfterDelim
			return i + len(m.delim), mpNeedMore, nil, nil
		}
		// Drop the preamble, keeping what may begin a delimiter.
		n = len(p) - partialSuffix(p, m.delim)
		if n > 0 {
			m.started = true
		}
		return n, mpNeedMore, nil, nil

	case mpsAfterDelim:
		if len(p) < 2 {
			return 0, mpNeedMore, nil, nil
		}
		if p[0] == '-' && p[1] == '-' {
			m.state = mpsDone
			return 2, mpDone, nil, nil
		}
		k := paddingThenCRLF(p)
		switch {
		case k > 0:
			m.state = mpsHeader
			m.header.Reset()
			return k, mpNeedMore, nil, nil
		case k == 0 && len(p) <= mpMaxPadding:
			return 0, mpNeedMore, nil, nil
		}
		return 0, 0, nil, mpError("bad delimiter line")

	case mpsHeader:
		end := bytes.Index(p, []byte("\r\n\r\n"))
		start := 0
		if bytes.HasPrefix(p, []byte("\r\n")) {
			// No header fields at all.
			end, start = -2, 0
		}
		if end == -1 {
			if len(p) > mpMaxHeader {
				return 0, 0, nil, mpError("part header too large")
			}
			return 0, mpNeedMore, nil, nil
		}
		if end > mpMaxHeader {
			return 0, 0, nil, mpError("part header too large")
		}
		if end >= 0 {
			if err := parseMPHeader(&m.header, p[start:end]); err != nil {
				return 0, 0, nil, err
			}
		}
		m.state = mpsBody
		return end + 4, mpPart, nil, nil

	case mpsBody:
		i := bytes.Index(p, m.delim)
		if i > 0 {
			return i, mpData, p[:i], nil
		}
		if i == 0 {
			// A delimiter, if what follows is "--" or padding and
			// CRLF; otherwise content that looks like one.
			rest := p[len(m.delim):]
			if len(rest) < 2 {
				return 0, mpNeedMore, nil, nil
			}
			if rest[0] == '-' && rest[1] == '-' {
				m.state = mpsAfterDelim
				return len(m.delim), mpPartEnd, nil, nil
			}
			k := paddingThenCRLF(rest)
			if k > 0 || (k == 0 && len(rest) <= mpMaxPadding) {
				if k == 0 {
					return 0, mpNeedMore, nil, nil
				}
				m.state = mpsAfterDelim
				return len(m.delim), mpPartEnd, nil, nil
			}
			return 1, mpData, p[:1], nil
		}
		safe := len(p) - partialSuffix(p, m.delim)
		if safe == 0 {
			return 0, mpNeedMore, nil, nil
		}
		return safe, mpData, p[:safe], nil

	default: // mpsDone: the epilogue is ignored.
		return len(p), mpNeedMore, nil, nil
	}
}

// partialSuffix returns the length of the longest suffix of p that is a
// proper prefix of delim.
func partialSuffix(p, delim []byte) int {
	k := min(len(p), len(delim)-1)
	for ; k > 0; k-- {
		if bytes.HasPrefix(delim, p[len(p)-k:]) {
			return k
		}
	}
	return 0
}

// paddingThenCRLF matches optional spaces and tabs then CRLF at the
// start of p: it returns the length matched, 0 if p may still become a
// match, or -1 if it cannot.
func paddingThenCRLF(p []byte) int {
	i := 0
	for i < len(p) && (p[i] == ' ' || p[i] == '\t') {
		i++
	}
	switch {
	case i == len(p):
		return 0
	case p[i] != '\r':
		return -1
	case i+1 == len(p):
		return 0
	case p[i+1] != '\n':
		return -1
	}
	return i + 2
}

// parseMPHeader parses "Name: value" lines separated by CRLF.
func parseMPHeader(h *httpserver.Header, b []byte) error {
	for len(b) > 0 {
		line := b
		if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
			line, b = b[:i], b[i+2:]
		} else {
			b = nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(string(line[:colon])) {
			return mpError("bad part header line")
		}
		v := bytes.Trim(line[colon+1:], " \t")
		for _, c := range v {
			if c < ' ' && c != '\t' || c == 0x7f {
				return mpError("bad part header value")
			}
		}
		h.Add(string(line[:colon]), string(v))
	}
	return nil
}

func mpError(msg string) error {
	return &HTTPError{Code: 400, Message: "bad multipart body: " + msg, Err: ErrMultipart}
}
