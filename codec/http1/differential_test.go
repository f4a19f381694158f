package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The differential fuzz targets below feed the same bytes to this package's
// parsers and to net/http's (http.ReadRequest, http.ReadResponse), because
// request smuggling and response splitting come from two parsers that
// disagree on where a message ends. Whenever eddy accepts a message,
// net/http must accept it too and read the same start line, fields, body,
// trailers and boundary. eddy may be stricter, but only with an error
// whose class is listed in stricterThanNetHTTP with the RFC clause that
// allows it; net/http may be stricter only where netHTTPStricter names the
// RFC clause that makes eddy's reading the right one.

// stricterThanNetHTTP lists, by [Error.Reason], each class of message eddy
// rejects although net/http reads it, with the clause that justifies the
// rejection.
var stricterThanNetHTTP = map[string]string{
	errBareLF.Reason: "RFC 9112 §2.2: a recipient MAY take a bare LF as a line terminator, so it may also refuse it; " +
		"lines ended differently by different parsers are a smuggling vector (net/http accepts bare LF in the head and trailers)",
	errBareCR.Reason: "RFC 9112 §2.2: a bare CR outside the content MUST be treated as invalid or replaced by SP",
	errLeadingWS.Reason: "RFC 9112 §2.2: whitespace between the start-line and the first field line MUST be rejected " +
		"or the line consumed without processing",
	errObsFold.Reason: "RFC 9112 §5.2: a server that receives obs-fold in a request MUST reject it or replace it with SP; " +
		"eddy rejects",
	errSpaceColon.Reason: "RFC 9112 §5.1: a server MUST reject a request with whitespace between a field name and the colon " +
		"(net/http keeps such a field under a non-canonical name)",
	errMethod.Reason: "RFC 9112 §3: request-line = method SP request-target SP HTTP-version, with single spaces",
	errTarget.Reason: "RFC 9112 §3.2 and RFC 3986 §3: the request-target is origin-form, absolute-form, authority-form or " +
		"asterisk-form, with valid characters and pct-encodings (net/http checks only the path's escapes)",
	errTargetForm.Reason: "RFC 9112 §3.2.3 and §3.2.4: authority-form is only for CONNECT, which only takes it; asterisk-form " +
		"is only for OPTIONS",
	errUserinfo.Reason: "RFC 9110 §4.2.4: a recipient SHOULD treat userinfo in an http(s) URI as an error",
	errVersion.Reason:  "RFC 9112 §2.3: HTTP-version = \"HTTP/\" DIGIT \".\" DIGIT, followed by CRLF",
	errVersionSupport.Reason: "RFC 9110 §15.6.6 (505): eddy speaks HTTP/1.x only; net/http's ReadRequest leaves " +
		"other majors to its caller",
	errStatus.Reason: "RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ], status-code = 3DIGIT " +
		"(net/http takes extra spaces, a missing SP and a sign)",
	errNoHost.Reason: "RFC 9112 §3.2: a server MUST answer 400 to an HTTP/1.1 request without Host " +
		"(net/http's server checks it, not ReadRequest)",
	errHost.Reason: "RFC 9112 §3.2 and RFC 9110 §7.2: Host = uri-host [ \":\" port ]; a server MUST answer 400 to an " +
		"invalid one (net/http's server checks it, not ReadRequest)",
	errCLAndTE.Reason: "RFC 9112 §6.1: a server MAY reject a request with both Content-Length and Transfer-Encoding, " +
		"and §6.3 rule 3 says such a message (request or response) ought to be handled as an error (net/http drops " +
		"Content-Length)",
	errTE.Reason: "RFC 9112 §6.1: Transfer-Encoding is a list of transfer-codings; eddy rejects a malformed one also " +
		"in HTTP/1.0, where net/http ignores the field",
	errTE10.Reason: "RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding MUST be treated as having faulty framing " +
		"(net/http ignores the field and frames by Content-Length)",
	errChunk.Reason: "RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF with chunk-ext = *( BWS \";\" BWS name " +
		"[ BWS \"=\" BWS value ] ) (net/http ignores everything after \";\" and trailing whitespace)",
	errChunkOverflow.Reason: "RFC 9112 §7.1: a recipient MUST anticipate large chunk sizes and prevent integer overflow; " +
		"eddy refuses sizes beyond int64",
	errChunkExt.Reason: "RFC 9112 §7.1.1 with RFC 9110 §15.5.1: eddy bounds the extensions of a chunk " +
		"(WithMaxChunkExtBytes)",
	errHeaderTooLarge.Reason:  "RFC 6585 §5 (431): the head is beyond WithMaxHeaderBytes",
	errTrailerTooLarge.Reason: "RFC 6585 §5 (431): the trailer section is beyond WithMaxHeaderBytes",
	errTooManyFields.Reason:   "RFC 6585 §5 (431): more field lines than WithMaxFields",
	errURITooLong.Reason:      "RFC 9112 §3 and RFC 9110 §15.5.15 (414): the request-target is beyond WithMaxURIBytes",
	errBodyTooLarge.Reason:    "RFC 9110 §15.5.14 (413): the body is beyond WithMaxBodyBytes",
}

// netHTTPException is a class of message eddy accepts and net/http
// rejects, where eddy's reading is the one RFC 9110/9112 asks for.
type netHTTPException struct {
	name, clause string
	applies      func(m *diffMsg, netErr error) bool
}

// netHTTPStricter lists those classes. Each is recognised from what eddy
// parsed (and net/http's error where that names the cause exactly).
var netHTTPStricter = []netHTTPException{
	{"Content-Length as a list of one value, or as equal values spelt differently",
		"RFC 9112 §6.3 rule 5: a Content-Length that parses as a comma-separated list (RFC 9110 §5.6.1, whose " +
			"empty elements a recipient ignores) of valid and equal values is processed as that value; RFC 9110 §8.6",
		func(m *diffMsg, err error) bool {
			if !strings.Contains(fmt.Sprint(err), "Content-Length") {
				return false
			}
			var vals []string
			comma := false
			for v := range m.values("content-length") {
				comma = comma || strings.Contains(v, ",")
				vals = append(vals, v)
			}
			slices.Sort(vals)
			return comma || len(slices.Compact(vals)) > 1
		}},
	{"Transfer-Encoding with empty list elements or on several field lines",
		"RFC 9110 §5.6.1: a recipient MUST accept empty list elements; §5.3: field lines of the same name form one list",
		func(m *diffMsg, err error) bool {
			if !strings.Contains(fmt.Sprint(err), "transfer encoding") {
				return false
			}
			n, comma := 0, false
			for v := range m.values("transfer-encoding") {
				n++
				comma = comma || strings.Contains(v, ",")
			}
			return n > 1 || comma
		}},
	{"Trailer naming a framing field",
		"RFC 9110 §6.5.1 and §6.6.2: framing fields are never processed from trailers, so declaring them is harmless",
		func(m *diffMsg, err error) bool {
			return err != nil && strings.Contains(err.Error(), "bad trailer key")
		}},
	{"chunk-size with more than 16 hex digits (leading zeros)",
		"RFC 9112 §7.1: chunk-size = 1*HEXDIG, with no bound on leading zeros",
		func(m *diffMsg, err error) bool {
			return err != nil && strings.Contains(err.Error(), "chunk length too large")
		}},
	{"whitespace between a chunk-size and \";\"",
		"RFC 9112 §7.1.1: chunk-ext = *( BWS \";\" BWS chunk-ext-name [ BWS \"=\" BWS chunk-ext-val ] ); net/http " +
			"cuts the line at \";\" and refuses the BWS left on the size (eddy accepted the size line, so that BWS is the " +
			"only byte net/http can refuse)",
		func(m *diffMsg, err error) bool {
			return err != nil && strings.Contains(err.Error(), "invalid byte in chunk length")
		}},
	{"chunk extensions beyond net/http's overhead heuristic",
		"RFC 9112 §7.1.1: extensions are allowed; eddy bounds them per chunk with WithMaxChunkExtBytes",
		func(m *diffMsg, err error) bool {
			return err != nil && strings.Contains(err.Error(), "too much non-data")
		}},
	{"IPvFuture literal or pct-encoded reg-name in an absolute-form target's host",
		"RFC 9112 §3.2.2 takes absolute-URI from RFC 3986, whose §3.2.2 has IP-literal = \"[\" ( IPv6address / " +
			"IPvFuture ) \"]\" and reg-name = *( unreserved / pct-encoded / sub-delims ); net/http's URL parser " +
			"refuses both",
		func(m *diffMsg, err error) bool {
			s := fmt.Sprint(err)
			return m.form == AbsoluteForm &&
				(strings.Contains(s, "invalid host") && len(m.host) > 1 && m.host[0] == '[' && m.host[1]|0x20 == 'v' ||
					strings.Contains(s, "invalid URL escape") && strings.Contains(m.host, "%"))
		}},
	{"obs-fold in a response's Transfer-Encoding",
		"RFC 9112 §5.2: a user agent MUST replace each obs-fold by SP before interpreting the field; the value's " +
			"whitespace is then OWS (RFC 9110 §5.5), where net/http keeps a trailing space and refuses \"chunked \"",
		func(m *diffMsg, err error) bool {
			v, ok := strings.CutPrefix(fmt.Sprint(err), "unsupported transfer encoding: ")
			u, qerr := strconv.Unquote(v)
			return ok && qerr == nil && m.response && strings.EqualFold(strings.Trim(u, " \t"), "chunked")
		}},
	{"response without a body carrying malformed framing fields",
		"RFC 9112 §6.3 rule 1: a response to HEAD, or with status 1xx, 204 or 304, ends at the empty line " +
			"whatever its fields say; rule 2: a 2xx response to CONNECT starts a tunnel",
		func(m *diffMsg, err error) bool { return m.response && (m.bodyless || m.switched) && framingErr(err) }},
	{"response whose final transfer coding is not chunked, or codings besides chunked",
		"RFC 9112 §6.3 rule 4: the body of such a response is read until the connection closes; the codings " +
			"before chunked are the content's, for the caller to decode",
		func(m *diffMsg, err error) bool {
			if !m.response || !strings.Contains(fmt.Sprint(err), "transfer encoding") {
				return false
			}
			for v := range m.values("transfer-encoding") {
				if !strings.EqualFold(strings.TrimSpace(v), "chunked") {
					return true
				}
			}
			return false
		}},
}

// framingErr reports whether err is net/http's complaint about
// Content-Length or Transfer-Encoding.
func framingErr(err error) bool {
	s := fmt.Sprint(err)
	return strings.Contains(s, "Content-Length") || strings.Contains(s, "transfer encoding")
}

// diffMsg is one message as eddy's parser reported it, copied out of the
// parser's buffers.
type diffMsg struct {
	response             bool
	method, target, host string
	form                 TargetForm
	status               int
	reason               string
	minor                int
	fields, trailers     []Field
	framing              Framing
	cl                   int64
	keepAlive, switched  bool
	interim, bodyless    bool
	body                 []byte
	complete             bool // EventEnd seen
	end                  int  // offset in the input just past the message
}

// values yields the values of the fields called name (lower case).
func (m *diffMsg) values(name string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for _, f := range m.fields {
			if strings.EqualFold(string(f.Name), name) && !yield(string(f.Value)) {
				return
			}
		}
	}
}

// copyFields copies h out of the parser's buffer and arrays.
func copyFields(h Header) []Field {
	out := make([]Field, len(h))
	for i, f := range h {
		out[i] = Field{Name: bytes.Clone(f.Name), Value: bytes.Clone(f.Value)}
	}
	return out
}

// randomCuts returns up to four cut points in [0, n], sorted, from seed.
func randomCuts(n int, seed uint64) []int {
	r := rand.New(rand.NewPCG(seed, seed>>32|1))
	cuts := make([]int, r.IntN(5))
	for i := range cuts {
		cuts[i] = r.IntN(n + 1)
	}
	slices.Sort(cuts)
	return cuts
}

// eddyStream feeds in to p in the pieces cuts makes, each call given a
// fresh copy of the unconsumed bytes (as a server's buffer would move).
// head copies the current head; afterEnd runs after each EventEnd; eof,
// if set, is called once the input is exhausted. It returns the messages
// seen and the last error (ErrNeedMore when the input ends inside one).
func eddyStream(p interface {
	Parse([]byte) (int, Event, error)
	Trailers() Header
}, in []byte, cuts []int, head func() diffMsg, afterEnd func(*diffMsg), eof func() (Event, error)) ([]diffMsg, error) {
	var msgs []diffMsg
	var buf []byte
	off := 0 // input bytes consumed
	prev := 0
	var err error
	onEvent := func(ev Event) {
		switch ev.Kind {
		case EventHead:
			msgs = append(msgs, head())
		case EventBody:
			m := &msgs[len(msgs)-1]
			m.body = append(m.body, ev.Data...)
		case EventTrailers:
			msgs[len(msgs)-1].trailers = copyFields(p.Trailers())
		case EventEnd:
			m := &msgs[len(msgs)-1]
			m.complete, m.end = true, off
			if afterEnd != nil {
				afterEnd(m)
			}
		}
	}
	for _, c := range append(cuts, len(in)) {
		nb := make([]byte, 0, len(buf)+c-prev)
		buf = append(append(nb, buf...), in[prev:c]...)
		prev = c
		for {
			var n int
			var ev Event
			n, ev, err = p.Parse(buf)
			buf = buf[n:]
			off += n
			if err != nil {
				break
			}
			onEvent(ev)
		}
		if err != ErrNeedMore {
			return msgs, err
		}
	}
	if eof != nil {
		ev, eerr := eof()
		if eerr != nil {
			return msgs, eerr
		}
		if ev.Kind == EventEnd {
			onEvent(ev)
			err = nil
		}
	}
	return msgs, err
}

// netMsg is one message as net/http read it.
type netMsg struct {
	req      *http.Request
	resp     *http.Response
	headErr  error
	body     []byte
	bodyErr  error
	trailers http.Header
	end      int
}

type countReader struct {
	r io.Reader
	n int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// maxDiffMsgs bounds the messages compared per input.
const maxDiffMsgs = 64

// netStream reads messages from in with read until one fails or the input
// ends, reading each body to its end. The buffer holds the whole input, so
// that net/http's look-ahead for the end of a trailer section is not cut
// short by its size.
func netStream(in []byte, skipCRLF bool, read func(br *bufio.Reader) (netMsg, io.ReadCloser)) []netMsg {
	cr := &countReader{r: bytes.NewReader(in)}
	br := bufio.NewReaderSize(cr, len(in)+64)
	var out []netMsg
	for len(out) < maxDiffMsgs {
		// RFC 9112 §2.2: a server SHOULD ignore empty lines before a
		// request-line, as eddy does and http.ReadRequest does not.
		for skipCRLF {
			if b, _ := br.Peek(2); string(b) != "\r\n" {
				break
			}
			_, _ = br.Discard(2)
		}
		if _, err := br.Peek(1); err != nil {
			break
		}
		m, body := read(br)
		if m.headErr != nil {
			out = append(out, m)
			break
		}
		m.body, m.bodyErr = io.ReadAll(body)
		_ = body.Close()
		m.end = cr.n - br.Buffered()
		if m.req != nil {
			m.trailers = m.req.Trailer
		} else {
			m.trailers = m.resp.Trailer
		}
		out = append(out, m)
		if m.bodyErr != nil {
			break
		}
	}
	return out
}

// headerMap canonicalises fields as net/http does, drops the named fields,
// and with fold collapses whitespace runs in values. With head set it also
// adds the "Cache-Control: no-cache" net/http derives from "Pragma:
// no-cache" in a header section (not in trailers).
func headerMap(fields []Field, head, fold bool, drop ...string) http.Header {
	h := http.Header{}
	for _, f := range fields {
		h.Add(string(f.Name), string(f.Value))
	}
	if p := h["Pragma"]; head && len(p) > 0 && p[0] == "no-cache" && h["Cache-Control"] == nil {
		h["Cache-Control"] = []string{"no-cache"}
	}
	return normHeader(h, fold, drop...)
}

// normHeader copies h without the named fields and the names with no
// values (net/http's declared but absent trailers).
func normHeader(h http.Header, fold bool, drop ...string) http.Header {
	out := http.Header{}
	for k, vs := range h {
		if len(vs) == 0 || slices.Contains(drop, k) {
			continue
		}
		for _, v := range vs {
			if fold {
				v = strings.Join(strings.Fields(strings.ReplaceAll(v, "\t", " ")), " ")
			}
			out[k] = append(out[k], v)
		}
	}
	return out
}

func headerString(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}

// differ fails t on a disagreement over message i of in.
func differ(t *testing.T, in []byte, i int, what string, args ...any) {
	t.Helper()
	t.Fatalf("message %d: %s\ninput %q", i, fmt.Sprintf(what, args...), in)
}

// checkStricter checks that err, eddy's rejection of a message net/http
// reads, is an *Error of a class listed in stricterThanNetHTTP.
func checkStricter(t *testing.T, in []byte, i int, err error) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Err == nil || e.Status < 400 || e.Status > 599 {
		differ(t, in, i, "eddy rejects with %v, which is not an *Error with a status", err)
	}
	if _, ok := stricterThanNetHTTP[e.Reason]; !ok {
		differ(t, in, i, "eddy rejects with %v (class %q), net/http accepts, and the class is not in stricterThanNetHTTP", err, e.Reason)
	}
}

// netStricterOK reports whether net/http's rejection err of m is one of
// the classes in netHTTPStricter.
func netStricterOK(m *diffMsg, err error) bool {
	for _, x := range netHTTPStricter {
		if x.applies(m, err) {
			return true
		}
	}
	return false
}

// compareStreams checks eddy's messages em against net/http's nm, message
// by message; eerr is eddy's last error and compareHead compares heads.
func compareStreams(t *testing.T, in []byte, em []diffMsg, eerr error, nm []netMsg, compareHead func(i int, e *diffMsg, n *netMsg)) {
	t.Helper()
	for i := range em {
		e := &em[i]
		if i >= len(nm) {
			differ(t, in, i, "eddy reads a message where net/http reads none")
		}
		n := &nm[i]
		if n.headErr != nil {
			if netStricterOK(e, n.headErr) {
				return
			}
			differ(t, in, i, "eddy accepts the head, net/http rejects it: %v", n.headErr)
		}
		compareHead(i, e, n)
		if !e.complete {
			if eerr == ErrNeedMore && n.bodyErr == nil && !e.switched {
				differ(t, in, i, "eddy waits for more body after %d bytes, net/http ends the message at %d with body %q",
					len(e.body), n.end, n.body)
			}
			break
		}
		if e.switched {
			return // the bytes that follow are not HTTP
		}
		if n.bodyErr != nil {
			if netStricterOK(e, n.bodyErr) {
				return
			}
			differ(t, in, i, "eddy accepts body %q, net/http fails after %q: %v", e.body, n.body, n.bodyErr)
		}
		if !bytes.Equal(e.body, n.body) {
			differ(t, in, i, "body: eddy %q, net/http %q", e.body, n.body)
		}
		et := headerMap(e.trailers, false, e.response)
		nt := normHeader(n.trailers, e.response)
		if headerString(et) != headerString(nt) {
			differ(t, in, i, "trailers: eddy\n%s\nnet/http\n%s", headerString(et), headerString(nt))
		}
		if e.end != n.end {
			differ(t, in, i, "the next message starts at %d for eddy, %d for net/http", e.end, n.end)
		}
	}
	if eerr == ErrNeedMore && (len(em) == 0 || em[len(em)-1].complete) {
		// eddy waits for a head: net/http must not have read it whole.
		if k := len(em); k < len(nm) && nm[k].headErr == nil && nm[k].bodyErr == nil {
			differ(t, in, k, "eddy waits for more of a head net/http reads whole, ending at %d", nm[k].end)
		}
	}
	if eerr == nil || eerr == ErrNeedMore || errors.Is(eerr, ErrProtocolSwitched) {
		return
	}
	// eddy rejected message k: if net/http reads it whole, eddy is
	// stricter, which must be a listed class.
	k := len(em)
	if k > 0 && !em[k-1].complete {
		k--
	}
	if k < len(nm) && nm[k].headErr == nil && nm[k].bodyErr == nil {
		checkStricter(t, in, k, eerr)
	}
}

// framingFields are compared through the framing they give, not as fields:
// net/http removes or rewrites them.
var framingFields = []string{"Content-Length", "Transfer-Encoding", "Trailer"}

// FuzzRequestDifferential reads one or more pipelined requests with a
// RequestParser, fed at random cut points, and with http.ReadRequest.
func FuzzRequestDifferential(f *testing.F) {
	for _, s := range requestDiffSeeds {
		f.Add([]byte(s.in), uint64(len(s.in)))
	}
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		if len(in) > 1<<16 {
			return
		}
		diffRequests(t, in, randomCuts(len(in), seed))
	})
}

// diffRequests compares eddy's reading of in, cut at cuts, with net/http's.
func diffRequests(t *testing.T, in []byte, cuts []int) {
	t.Helper()
	p := NewRequestParser()
	head := func() diffMsg {
		r := p.Request()
		return diffMsg{
			method: string(r.Method), target: string(r.Target), form: r.Form, host: string(r.Host), minor: r.Minor,
			fields: copyFields(r.Header), framing: r.Framing, cl: r.ContentLength, keepAlive: r.KeepAlive,
		}
	}
	em, eerr := eddyStream(p, in, cuts, head, nil, nil)
	if len(em) > maxDiffMsgs {
		em = em[:maxDiffMsgs]
		eerr = nil
	}
	nm := netStream(in, true, func(br *bufio.Reader) (netMsg, io.ReadCloser) {
		req, err := http.ReadRequest(br)
		if err != nil {
			return netMsg{headErr: err}, nil
		}
		return netMsg{req: req}, req.Body
	})
	compareStreams(t, in, em, eerr, nm, func(i int, e *diffMsg, n *netMsg) {
		r := n.req
		switch {
		case r.Method != e.method:
			differ(t, in, i, "method: eddy %q, net/http %q", e.method, r.Method)
		case r.RequestURI != e.target:
			differ(t, in, i, "target: eddy %q, net/http %q", e.target, r.RequestURI)
		case r.ProtoMajor != 1 || r.ProtoMinor != e.minor:
			differ(t, in, i, "version: eddy 1.%d, net/http %d.%d", e.minor, r.ProtoMajor, r.ProtoMinor)
		case r.Host != e.host && !(e.form == AbsoluteForm && e.host == ""):
			// An absolute-form target with an empty authority (only
			// other schemes than http(s) may have one) still overrides
			// the Host field (RFC 9112 §3.2.2); net/http falls back to
			// the field.
			differ(t, in, i, "host: eddy %q, net/http %q", e.host, r.Host)
		case r.Close == e.keepAlive:
			differ(t, in, i, "keep-alive: eddy %v, net/http close %v", e.keepAlive, r.Close)
		}
		// http.ReadRequest moves Host out of the header (into r.Host,
		// compared above).
		drop := append(framingFields, "Host")
		eh, nh := headerMap(e.fields, true, false, drop...), normHeader(r.Header, false, drop...)
		if headerString(eh) != headerString(nh) {
			differ(t, in, i, "fields: eddy\n%s\nnet/http\n%s", headerString(eh), headerString(nh))
		}
		chunked := len(r.TransferEncoding) > 0
		if chunked != (e.framing == FramingChunked) {
			differ(t, in, i, "framing: eddy %v, net/http chunked %v", e.framing, chunked)
		}
		if !chunked && r.ContentLength != max(e.cl, 0) {
			differ(t, in, i, "Content-Length: eddy %d, net/http %d", e.cl, r.ContentLength)
		}
	})
}

var diffMethods = [...]string{"GET", "HEAD", "CONNECT", "POST"}

// FuzzResponseDifferential reads a stream of responses to requests of one
// method with a ResponseParser, fed at random cut points and told of the
// end of input, and with http.ReadResponse.
func FuzzResponseDifferential(f *testing.F) {
	for _, s := range responseDiffSeeds {
		f.Add([]byte(s.in), s.method, uint64(len(s.in)))
	}
	f.Fuzz(func(t *testing.T, in []byte, method uint8, seed uint64) {
		if len(in) > 1<<16 {
			return
		}
		diffResponses(t, in, diffMethods[int(method)%len(diffMethods)], randomCuts(len(in), seed))
	})
}

// diffResponses compares eddy's reading of in, the responses to requests
// with method, cut at cuts, with net/http's.
func diffResponses(t *testing.T, in []byte, method string, cuts []int) {
	t.Helper()
	p := NewResponseParser()
	p.SetMethod(method)
	head := func() diffMsg {
		r := p.Response()
		return diffMsg{
			response: true, status: r.Status, reason: string(r.Reason), minor: r.Minor,
			fields: copyFields(r.Header), framing: r.Framing, cl: r.ContentLength, keepAlive: r.KeepAlive,
			switched: r.Switched, interim: r.Interim,
			bodyless: method == "HEAD" || r.Status/100 == 1 || r.Status == 204 || r.Status == 304,
		}
	}
	afterEnd := func(m *diffMsg) {
		if !m.interim {
			p.SetMethod(method) // the next response answers another request with the same method
		}
	}
	em, eerr := eddyStream(p, in, cuts, head, afterEnd, p.EOF)
	if len(em) > maxDiffMsgs {
		em = em[:maxDiffMsgs]
		eerr = nil
	}
	req := &http.Request{Method: method}
	nm := netStream(in, false, func(br *bufio.Reader) (netMsg, io.ReadCloser) {
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			return netMsg{headErr: err}, nil
		}
		return netMsg{resp: resp}, resp.Body
	})
	compareStreams(t, in, em, eerr, nm, func(i int, e *diffMsg, n *netMsg) {
		r := n.resp
		_, reason, _ := strings.Cut(r.Status, " ")
		switch {
		case r.StatusCode != e.status:
			differ(t, in, i, "status: eddy %d, net/http %d", e.status, r.StatusCode)
		case reason != e.reason:
			differ(t, in, i, "reason: eddy %q, net/http %q", e.reason, reason)
		case r.ProtoMajor != 1 || r.ProtoMinor != e.minor:
			differ(t, in, i, "version: eddy 1.%d, net/http %d.%d", e.minor, r.ProtoMajor, r.ProtoMinor)
		case !e.switched && r.Close == e.keepAlive:
			differ(t, in, i, "keep-alive: eddy %v, net/http close %v", e.keepAlive, r.Close)
		}
		// net/http drops "Connection: close" from a response it reads.
		eh := headerMap(e.fields, true, true, append(framingFields, "Connection")...)
		nh := normHeader(r.Header, true, append(framingFields, "Connection")...)
		if headerString(eh) != headerString(nh) {
			differ(t, in, i, "fields: eddy\n%s\nnet/http\n%s", headerString(eh), headerString(nh))
		}
		if e.switched || e.bodyless {
			return
		}
		chunked := len(r.TransferEncoding) > 0
		if chunked != (e.framing == FramingChunked) {
			differ(t, in, i, "framing: eddy %v, net/http chunked %v", e.framing, chunked)
		}
		if want := map[Framing]int64{FramingNone: 0, FramingLength: e.cl, FramingChunked: -1, FramingUntilClose: -1}[e.framing]; r.ContentLength != want {
			differ(t, in, i, "Content-Length: eddy %v %d, net/http %d", e.framing, e.cl, r.ContentLength)
		}
	})
}

// diffSeed is a committed input for the differential fuzz targets.
type diffSeed struct {
	name   string
	in     string
	method uint8 // index into diffMethods, for responses
}

const (
	dHost = "Host: a\r\n"
	dPost = "POST / HTTP/1.1\r\n" + dHost
	dGet  = "GET / HTTP/1.1\r\n" + dHost + "\r\n"
)

// requestDiffSeeds holds the classic smuggling shapes, each followed by a
// request that a disagreement on the first one's end would misread.
var requestDiffSeeds = []diffSeed{
	{name: "pipelined", in: dGet + dPost + "Content-Length: 3\r\n\r\nabc" + dPost + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "cl-te", in: dPost + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG" + dGet},
	{name: "te-cl", in: dPost + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n" + dGet},
	{name: "te-obs-fold", in: dPost + "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-obs-fold-after", in: dPost + "Transfer-Encoding: chunked\r\n x\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-chunked-identity", in: dPost + "Transfer-Encoding: chunked, identity\r\nContent-Length: 4\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-identity-chunked", in: dPost + "Transfer-Encoding: identity, chunked\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-empty-elements", in: dPost + "Transfer-Encoding: , chunked,\r\n\r\n1\r\nx\r\n0\r\n\r\n" + dGet},
	{name: "te-two-lines", in: dPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-two-lines-empty", in: dPost + "Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-xchunked", in: dPost + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-space-before-colon", in: dPost + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-vtab", in: dPost + "Transfer-Encoding: \x0bchunked\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-tab", in: dPost + "Transfer-Encoding:\tchunked\t\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-case", in: dPost + "transfer-encoding: ChUnKeD\r\n\r\n2\r\nab\r\n0\r\n\r\n" + dGet},
	{name: "te-http10", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n" + dGet},
	{name: "te-chunked-params", in: dPost + "Transfer-Encoding: chunked;q=1\r\n\r\n0\r\n\r\n" + dGet},
	{name: "cl-duplicate-same", in: dPost + "Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc" + dGet},
	{name: "cl-duplicate-differs", in: dPost + "Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd" + dGet},
	{name: "cl-duplicate-zeros", in: dPost + "Content-Length: 3\r\nContent-Length: 003\r\n\r\nabc" + dGet},
	{name: "cl-list", in: dPost + "Content-Length: 3, 3\r\n\r\nabc" + dGet},
	{name: "cl-list-empty-element", in: dPost + "Content-Length: 3,\r\n\r\nabc" + dGet},
	{name: "cl-list-leading-comma", in: dPost + "Content-Length: ,3\r\n\r\nabc" + dGet},
	{name: "cl-plus", in: dPost + "Content-Length: +3\r\n\r\nabc" + dGet},
	{name: "cl-minus", in: dPost + "Content-Length: -3\r\n\r\nabc" + dGet},
	{name: "cl-hex", in: dPost + "Content-Length: 0x3\r\n\r\nabc" + dGet},
	{name: "cl-leading-zeros", in: dPost + "Content-Length: 0003\r\n\r\nabc" + dGet},
	{name: "cl-space-inside", in: dPost + "Content-Length: 1 2\r\n\r\nabcdefghijkl" + dGet},
	{name: "cl-empty", in: dPost + "Content-Length:\r\n\r\n" + dGet},
	{name: "cl-huge", in: dPost + "Content-Length: 99999999999999999999\r\n\r\n" + dGet},
	{name: "cl-on-get", in: "GET / HTTP/1.1\r\n" + dHost + "Content-Length: 5\r\n\r\nGET /" + dGet},
	{name: "cl-http10", in: "POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nab" + dGet},
	{name: "chunk-ext", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3;a=b;c=\"d;e\\\"f\"\r\nabc\r\n0;z\r\n\r\n" + dGet},
	{name: "chunk-ext-lf-in-quote", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3;a=\"\n\"\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-ext-bws", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3 ; a = b \r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-trailing-space", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3 \r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-bare-lf", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-data-bare-lf", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n" + dGet},
	{name: "chunk-data-too-long", in: dPost + "Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-0x", in: dPost + "Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-plus", in: dPost + "Transfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-minus", in: dPost + "Transfer-Encoding: chunked\r\n\r\n-3\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-leading-zeros", in: dPost + "Transfer-Encoding: chunked\r\n\r\n0003\r\nabc\r\n0000\r\n\r\n" + dGet},
	{name: "chunk-size-many-zeros", in: dPost + "Transfer-Encoding: chunked\r\n\r\n000000000000000000003\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-huge", in: dPost + "Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-int64", in: dPost + "Transfer-Encoding: chunked\r\n\r\n8000000000000003\r\nabc\r\n0\r\n\r\n" + dGet},
	{name: "chunk-size-uppercase", in: dPost + "Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n" + dGet},
	{name: "chunk-trailers", in: dPost + "Transfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n1\r\nx\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n" + dGet},
	{name: "chunk-trailer-content-length", in: dPost + "Transfer-Encoding: chunked\r\nTrailer: Content-Length\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 5\r\n\r\n" + dGet},
	{name: "chunk-trailer-bare-lf", in: dPost + "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\n\r\n" + dGet},
	{name: "chunk-missing-last", in: dPost + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n" + dGet},
	{name: "bare-lf-head", in: "GET / HTTP/1.1\n" + "Host: a\n\n" + dGet},
	{name: "bare-lf-end-of-head", in: "GET / HTTP/1.1\r\nHost: a\r\n\n" + dGet},
	{name: "bare-cr-in-value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n" + dGet},
	{name: "nul-in-value", in: "GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n" + dGet},
	{name: "nul-in-name", in: "GET / HTTP/1.1\r\nHost: a\r\nX\x00: b\r\n\r\n" + dGet},
	{name: "cr-in-target", in: "GET /\r HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "space-before-colon", in: "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n" + dGet},
	{name: "leading-ws-first-field", in: "GET / HTTP/1.1\r\n Host: a\r\n\r\n" + dGet},
	{name: "leading-crlf", in: "\r\n\r\n" + dGet + "\r\n" + dGet},
	{name: "http10-keep-alive", in: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + dGet},
	{name: "connection-close", in: "GET / HTTP/1.1\r\n" + dHost + "Connection: x, close\r\n\r\n" + dGet},
	{name: "http12", in: "GET / HTTP/1.2\r\n" + dHost + "\r\n" + dGet},
	{name: "http20", in: "GET / HTTP/2.0\r\n" + dHost + "\r\n" + dGet},
	{name: "absolute-form", in: "GET http://b:80/x?y HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "absolute-form-other-scheme", in: "GET foo://u@b/x HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "connect", in: "CONNECT b:443 HTTP/1.1\r\nHost: b:443\r\n\r\n" + dGet},
	{name: "options-asterisk", in: "OPTIONS * HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "get-asterisk", in: "GET * HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "double-space", in: "GET  / HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "tab-separator", in: "GET\t/ HTTP/1.1\r\n" + dHost + "\r\n" + dGet},
	{name: "no-host", in: "GET / HTTP/1.1\r\n\r\n" + dGet},
	{name: "two-hosts", in: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + dGet},
	{name: "pragma", in: "GET / HTTP/1.1\r\n" + dHost + "Pragma: no-cache\r\n\r\n" + dGet},
	{name: "obs-text", in: "GET / HTTP/1.1\r\n" + dHost + "X: \x80\xff\r\n\r\n" + dGet},
	{name: "upgrade", in: "GET / HTTP/1.1\r\n" + dHost + "Connection: upgrade\r\nUpgrade: websocket\r\nExpect: 100-continue\r\n\r\n" + dGet},
}

var responseDiffSeeds = []diffSeed{
	{name: "pipelined", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nab" + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nX: y\r\n\r\n" + "HTTP/1.1 204 No Content\r\n\r\n"},
	{name: "head", in: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", method: 1},
	{name: "head-chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", method: 1},
	{name: "head-bad-length", in: "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", method: 1},
	{name: "connect-200", in: "HTTP/1.1 200 Connection established\r\nContent-Length: 5\r\n\r\n\x16\x03\x01", method: 2},
	{name: "connect-407", in: "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\n\r\n", method: 2},
	{name: "continue", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\nContent-Length: 4\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", method: 3},
	{name: "switching", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00"},
	{name: "204-with-length", in: "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "304-chunked", in: "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "close-delimited", in: "HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "http10-close", in: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello"},
	{name: "http10-keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nxHTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "te-gzip", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
	{name: "te-gzip-chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
	{name: "te-chunked-gzip", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
	{name: "cl-te", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"},
	{name: "te-http10", in: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"},
	{name: "cl-duplicate", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nxHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "cl-differs", in: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxy"},
	{name: "cl-list", in: "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nxHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "cl-plus", in: "HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\nx"},
	{name: "obs-fold", in: "HTTP/1.1 200 OK\r\nX-A: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n"},
	{name: "obs-fold-te", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"},
	{name: "no-reason", in: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"},
	{name: "empty-reason", in: "HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"},
	{name: "two-spaces", in: "HTTP/1.1  200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "status-sign", in: "HTTP/1.1 +20 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "status-099", in: "HTTP/1.1 099 X\r\nContent-Length: 1\r\n\r\nx"},
	{name: "bare-lf", in: "HTTP/1.1 200 OK\nContent-Length: 1\n\nx"},
	{name: "chunked-trailers", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n1;e=1\r\nx\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "chunk-size-leading-zeros", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n000000000000000000001\r\nx\r\n0\r\n\r\n"},
	{name: "1xx-bad-length", in: "HTTP/1.1 103 Early Hints\r\nContent-Length: x\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	{name: "connection-close", in: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx"},
	{name: "version-2", in: "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n"},
}

// TestWriteDiffFuzzSeeds writes the differential seeds under testdata/fuzz
// when EDDY_WRITE_FUZZ_SEEDS is set, as TestWriteFuzzSeeds does for the
// other targets.
func TestWriteDiffFuzzSeeds(t *testing.T) {
	if os.Getenv("EDDY_WRITE_FUZZ_SEEDS") == "" {
		t.Skip("set EDDY_WRITE_FUZZ_SEEDS=1 to regenerate testdata/fuzz")
	}
	write := func(target, name string, args ...string) {
		dir := filepath.Join("testdata", "fuzz", target)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		data := "go test fuzz v1\n" + strings.Join(args, "\n") + "\n"
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range requestDiffSeeds {
		write("FuzzRequestDifferential", s.name, fmt.Sprintf("[]byte(%q)", s.in), fmt.Sprintf("uint64(%d)", len(s.in)))
	}
	for _, s := range responseDiffSeeds {
		write("FuzzResponseDifferential", s.name, fmt.Sprintf("[]byte(%q)", s.in), fmt.Sprintf("byte(%d)", s.method),
			fmt.Sprintf("uint64(%d)", len(s.in)))
	}
}

// TestRequestDifferentialGrid runs every combination of version,
// Transfer-Encoding, Content-Length and body shape through
// diffRequests, whole and cut in two: the framing fields are where a
// disagreement smuggles a request, and a fuzzer reaches few of these
// combinations.
func TestRequestDifferentialGrid(t *testing.T) {
	versions := []string{"HTTP/1.1", "HTTP/1.0"}
	tes := []string{"", "chunked", "Chunked", " chunked ", "chunked,", ", chunked", "chunked, chunked", "gzip, chunked",
		"chunked, gzip", "identity", "chunked;a=b", `"chunked"`, "chunked\t", "chunked\x00", "chunked\r\n x"}
	cls := []string{"", "3", "03", "3,3", "3, 3", "3,", "+3", "-3", "0x3", "3 ", "1e1", "3\r\nContent-Length: 3",
		"3\r\nContent-Length: 4", "3 3"}
	bodies := []string{"3\r\nabc\r\n0\r\n\r\n", "abc", "3;x=\"y\"\r\nabc\r\n0\r\nT: 1\r\n\r\n"}
	for _, v := range versions {
		for _, te := range tes {
			for _, cl := range cls {
				for _, b := range bodies {
					h := "POST / " + v + "\r\nHost: a\r\n"
					if te != "" {
						h += "Transfer-Encoding: " + te + "\r\n"
					}
					if cl != "" {
						h += "Content-Length: " + cl + "\r\n"
					}
					in := []byte(h + "\r\n" + b + dGet)
					diffRequests(t, in, nil)
					diffRequests(t, in, []int{len(h) + 2 + 1})
				}
			}
		}
	}
}

// TestChunkLineDifferentialGrid runs chunk-size lines of many shapes
// through diffRequests and diffResponses.
func TestChunkLineDifferentialGrid(t *testing.T) {
	sizes := []string{"3", "03", "000000000000000000003", "0x3", "+3", "-3", " 3", "3 ", "3\t", "3;", "3;x", "3 ;x",
		"3; x", "3;x=y", "3;x = y", `3;x="y"`, `3;x="y`, `3;x="\""`, "3;x=\"\x80\"", "3;\x00", "3\x00", "3;x=y;z",
		"3,x", "3\r", "ffffffffffffffff", "10000000000000003", "3;x=\"\r\n\""}
	ends := []string{"\r\n", "\n", "\r\r\n"}
	for _, s := range sizes {
		for _, e := range ends {
			body := s + e + "abc\r\n0\r\n\r\n"
			in := []byte(dPost + "Transfer-Encoding: chunked\r\n\r\n" + body + dGet)
			diffRequests(t, in, nil)
			resp := []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body + "HTTP/1.1 204 No Content\r\n\r\n")
			diffResponses(t, resp, "GET", nil)
		}
	}
}

// TestResponseDifferentialGrid runs combinations of request method,
// status, version and framing fields through diffResponses.
func TestResponseDifferentialGrid(t *testing.T) {
	statuses := []string{"100", "101", "103", "200", "204", "206", "304", "404", "099", "600"}
	fields := []string{"", "Content-Length: 3\r\n", "Content-Length: 0\r\n", "Content-Length: x\r\n",
		"Content-Length: 3, 3\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: gzip\r\n",
		"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
		"Connection: close\r\nContent-Length: 3\r\n", "Connection: keep-alive\r\nContent-Length: 3\r\n",
		"Transfer-Encoding:\r\n chunked\r\n"}
	for _, m := range diffMethods {
		for _, v := range []string{"HTTP/1.1", "HTTP/1.0"} {
			for _, st := range statuses {
				for _, f := range fields {
					in := []byte(v + " " + st + " X\r\n" + f + "\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz")
					diffResponses(t, in, m, nil)
					diffResponses(t, in, m, []int{len(in) / 2})
				}
			}
		}
	}
}

// TestTargetDifferentialGrid runs request-targets of many shapes, for
// several methods, through diffRequests: a target eddy accepts must be one
// net/http reads, with the same Host.
func TestTargetDifferentialGrid(t *testing.T) {
	targets := []string{"/", "/a%2", "/%zz", "/a?%zz", "/a?b?c", "/a#b", "//a/b", "/~!$&'()*+,;=:@", "/a/../b", "/\x80",
		"*", "http://a@b/", "http://[::1]/", "http://[::1%25en0]/", "http://[v1.x]/", "http://a:b/", "http://a:/",
		"http://a/b?c#d", "HTTP://A/", "http://a%41/", "http://a_b/", "http://-a/", "http://a.:80/",
		"http://1.2.3.4:65536/", "http://a/%", "http://a", "http://a?b", "http:/a", "http:a", "a:b", "mailto:x",
		"h2c://x/", "foo://u:p@x:1/", "foo://", "foo:///p", "a:443", "[::1]:443", "a:", ":443", "a:443/x", "a"}
	for _, m := range []string{"GET", "OPTIONS", "CONNECT"} {
		for _, tg := range targets {
			t.Run(fmt.Sprintf("%s %q", m, tg), func(t *testing.T) {
				diffRequests(t, []byte(m+" "+tg+" HTTP/1.1\r\nHost: h\r\n\r\n"+dGet), nil)
			})
		}
	}
}

// TestByteDifferentialGrid puts every byte value in each part of a request
// and of a response head: in a field name and value, before and after the
// colon, in the target, the method and the reason phrase.
func TestByteDifferentialGrid(t *testing.T) {
	for c := range 256 {
		b := string(rune(c))
		if c >= 0x80 {
			b = string([]byte{byte(c)})
		}
		for _, in := range []string{
			"GET / HTTP/1.1\r\nHost: a\r\nX-" + b + "y: v\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX: v" + b + "w\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX:" + b + "v\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX: v" + b + "\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\nX" + b + ": v\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a\r\n" + b + "X: v\r\n\r\n",
			"GET /a" + b + "b HTTP/1.1\r\nHost: a\r\n\r\n",
			"GET /a?" + b + " HTTP/1.1\r\nHost: a\r\n\r\n",
			"G" + b + "T / HTTP/1.1\r\nHost: a\r\n\r\n",
			"GET / HTTP/1.1" + b + "\r\nHost: a\r\n\r\n",
			"GET / HTTP/1.1\r\nHost: a" + b + "\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1" + b + "\r\n\r\nxyz",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked" + b + "\r\n\r\n1\r\nx\r\n0\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1" + b + "\r\nx\r\n0\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;" + b + "\r\nx\r\n0\r\n\r\n",
			"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nT: " + b + "\r\n\r\n",
		} {
			diffRequests(t, []byte(in+dGet), nil)
		}
		for _, in := range []string{
			"HTTP/1.1 200 O" + b + "K\r\nContent-Length: 1\r\n\r\nx",
			"HTTP/1.1 200 OK\r\nX: " + b + "\r\nContent-Length: 1\r\n\r\nx",
			"HTTP/1.1 200 OK\r\nContent-Length: 1" + b + "\r\n\r\nx",
			"HTTP/1.1 200" + b + "OK\r\nContent-Length: 1\r\n\r\nx",
			"HTTP/1.1 20" + b + " OK\r\nContent-Length: 1\r\n\r\nx",
			"HTTP/1.1 200 OK\r\n" + b + "X: y\r\nContent-Length: 1\r\n\r\nx",
		} {
			diffResponses(t, []byte(in+"HTTP/1.1 204 No Content\r\n\r\n"), "GET", nil)
		}
	}
}
