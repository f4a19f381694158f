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
	atStart bool // nothing of the current part's content has been consumed
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
		m.atStart = true
		return end + 4, mpPart, nil, nil

	case mpsBody:
		if m.atStart {
			// A part without content may end at once: its header
			// section's last CRLF is then the delimiter's
			// (body-part := MIME-part-headers [CRLF *OCTET]), and
			// what follows it is the boundary without a CRLF.
			dash := m.delim[2:]
			if len(p) < len(dash) && bytes.HasPrefix(dash, p) {
				return 0, mpNeedMore, nil, nil
			}
			if bytes.HasPrefix(p, dash) {
				switch afterBoundary(p[len(dash):]) {
				case 0:
					return 0, mpNeedMore, nil, nil
				case 1:
					m.state = mpsAfterDelim
					return len(dash), mpPartEnd, nil, nil
				}
			}
			m.atStart = false
		}
		i := bytes.Index(p, m.delim)
		if i > 0 {
			return i, mpData, p[:i], nil
		}
		if i == 0 {
			// A delimiter, if what follows is "--" or padding and
			// CRLF; otherwise content that looks like one.
			switch afterBoundary(p[len(m.delim):]) {
			case 0:
				return 0, mpNeedMore, nil, nil
			case 1:
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

// afterBoundary tells what the bytes after a boundary in a part's
// content make of it: 1 a delimiter ("--", or padding and CRLF, follow),
// 0 not known yet, -1 content that looks like one.
func afterBoundary(rest []byte) int {
	if len(rest) < 2 {
		return 0
	}
	if rest[0] == '-' && rest[1] == '-' {
		return 1
	}
	switch k := paddingThenCRLF(rest); {
	case k > 0:
		return 1
	case k == 0 && len(rest) <= mpMaxPadding:
		return 0
	}
	return -1
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

// parseMPHeader parses "Name: value" lines separated by CRLF. A line
// that starts with a space or a tab continues the field before it: part
// headers are MIME headers (RFC 2045, RFC 5322 §2.2.3), which may be
// folded, unlike HTTP's own (mime/multipart unfolds them too); the
// line break and the whitespace around it become one space.
func parseMPHeader(h *httpserver.Header, b []byte) error {
	var name, value []byte // the field being read
	folded := false        // value was built from several lines
	flush := func() {
		if name != nil {
			h.Add(string(name), string(value))
		}
	}
	for len(b) > 0 {
		line := b
		if i := bytes.Index(b, []byte("\r\n")); i >= 0 {
			line, b = b[:i], b[i+2:]
		} else {
			b = nil
		}
		if len(line) == 0 {
			return mpError("bad part header line")
		}
		var v []byte
		if line[0] == ' ' || line[0] == '\t' {
			if name == nil {
				return mpError("bad part header line")
			}
			v = bytes.Trim(line, " \t")
		} else {
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 || !isToken(string(line[:colon])) {
				return mpError("bad part header line")
			}
			v = bytes.Trim(line[colon+1:], " \t")
		}
		for _, c := range v {
			if c < ' ' && c != '\t' || c == 0x7f {
				return mpError("bad part header value")
			}
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(v) > 0 {
				if !folded {
					value = append([]byte(nil), value...)
					folded = true
				}
				if len(value) > 0 {
					value = append(value, ' ')
				}
				value = append(value, v...)
			}
			continue
		}
		flush()
		name, value, folded = line[:bytes.IndexByte(line, ':')], v, false
	}
	flush()
	return nil
}

func mpError(msg string) error {
	return &HTTPError{Code: 400, Message: "bad multipart body: " + msg, Err: ErrMultipart}
}
