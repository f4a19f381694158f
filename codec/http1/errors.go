package http1

import (
	"errors"
	"strconv"
)

// ErrNeedMore is returned by the parsers when the bytes given so far end
// inside a message element. It is not a failure: the caller consumes the
// reported byte count, reads more input and calls again with the unconsumed
// bytes followed by the new ones. It is never wrapped, so err ==
// ErrNeedMore is exact (and cheaper than errors.Is, which also works).
//
// Its static type is a pointer, not error, so that comparing an error
// with it is a word compare, where comparing two interface values calls
// into the runtime (the parsers and their callers test for it on every
// call).
var ErrNeedMore = errNeedMore

// errNeedMore is the one value of ErrNeedMore's type.
var errNeedMore = &needMoreError{}

type needMoreError struct{}

func (*needMoreError) Error() string { return "http1: need more input" }

// ErrProtocolSwitched is returned by [ResponseParser.Parse] after a
// 101 (Switching Protocols) response, or a 2xx response to CONNECT, has
// ended: the bytes that follow belong to another protocol or to a tunnel.
// Test with errors.Is.
var ErrProtocolSwitched = errors.New("http1: connection switched protocols")

// Sentinel errors. The parsers return them wrapped in an [*Error] that
// carries the status to answer with; the encoders return them bare. Test
// with errors.Is.
var (
	// ErrUnexpectedEOF is reported by EOF when the connection closed inside a
	// message.
	ErrUnexpectedEOF = errors.New("http1: connection closed inside a message")
	// ErrInvalidMethod reports a method that is not a token, or a malformed
	// request line.
	ErrInvalidMethod = errors.New("http1: invalid method")
	// ErrInvalidTarget reports a request-target that breaks RFC 9112 §3.2 or
	// RFC 3986, or whose form the method does not allow.
	ErrInvalidTarget = errors.New("http1: invalid request-target")
	// ErrInvalidVersion reports an HTTP-version that is not "HTTP/" DIGIT "."
	// DIGIT.
	ErrInvalidVersion = errors.New("http1: invalid HTTP-version")
	// ErrUnsupportedVersion reports a well-formed HTTP-version other than 1.x
	// (505).
	ErrUnsupportedVersion = errors.New("http1: unsupported HTTP-version")
	// ErrInvalidStatus reports a malformed status line, or a status code an
	// encoder cannot send.
	ErrInvalidStatus = errors.New("http1: invalid status")
	// ErrInvalidFieldName reports a field name that is not a token, or a line
	// that is not a field line.
	ErrInvalidFieldName = errors.New("http1: invalid field name")
	// ErrSpaceBeforeColon reports whitespace between a field name and its
	// colon (RFC 9112 §5.1).
	ErrSpaceBeforeColon = errors.New("http1: whitespace between field name and colon")
	// ErrInvalidFieldValue reports a control character, DEL or NUL in a field
	// value.
	ErrInvalidFieldValue = errors.New("http1: invalid field value")
	// ErrObsFold reports obs-fold line folding in a request (RFC 9112 §5.2).
	ErrObsFold = errors.New("http1: obsolete line folding")
	// ErrBareLF reports a line ended by LF without CR.
	ErrBareLF = errors.New("http1: bare LF line terminator")
	// ErrBareCR reports a CR not followed by LF.
	ErrBareCR = errors.New("http1: bare CR")
	// ErrMissingHost reports an HTTP/1.1 request without a Host field.
	ErrMissingHost = errors.New("http1: missing Host")
	// ErrMultipleHost reports a request with more than one Host field line.
	ErrMultipleHost = errors.New("http1: more than one Host")
	// ErrInvalidHost reports a Host value that is not uri-host [ ":" port ].
	ErrInvalidHost = errors.New("http1: invalid Host")
	// ErrInvalidContentLength reports a Content-Length that is not a list of
	// decimal numbers within int64.
	ErrInvalidContentLength = errors.New("http1: invalid Content-Length")
	// ErrContentLengthDiffers reports Content-Length values that disagree.
	ErrContentLengthDiffers = errors.New("http1: differing Content-Length values")
	// ErrLengthAndChunked reports a message with both Content-Length and
	// Transfer-Encoding.
	ErrLengthAndChunked = errors.New("http1: both Content-Length and Transfer-Encoding")
	// ErrInvalidTransfer reports a Transfer-Encoding that cannot frame the
	// message: malformed, in HTTP/1.0, chunked twice, or (in a request)
	// chunked not last.
	ErrInvalidTransfer = errors.New("http1: invalid Transfer-Encoding")
	// ErrUnsupportedTransfer reports a transfer coding other than chunked in a
	// request (501).
	ErrUnsupportedTransfer = errors.New("http1: unsupported transfer coding")
	// ErrInvalidChunk reports a malformed chunk-size line, or chunk data not
	// followed by CRLF.
	ErrInvalidChunk = errors.New("http1: invalid chunk")
	// ErrChunkSizeOverflow reports a chunk size beyond int64.
	ErrChunkSizeOverflow = errors.New("http1: chunk size overflows")
	// ErrChunkExtTooLong reports chunk extensions beyond the
	// WithMaxChunkExtBytes limit.
	ErrChunkExtTooLong = errors.New("http1: chunk extension too long")
	// ErrHeaderTooLarge reports a head or trailer section beyond the
	// WithMaxHeaderBytes limit (431).
	ErrHeaderTooLarge = errors.New("http1: header section too large")
	// ErrTooManyFields reports more field lines than the WithMaxFields limit
	// (431).
	ErrTooManyFields = errors.New("http1: too many header fields")
	// ErrURITooLong reports a request-target beyond the WithMaxURIBytes limit
	// (414).
	ErrURITooLong = errors.New("http1: request-target too long")
	// ErrBodyTooLarge reports a body beyond the WithMaxBodyBytes limit (413).
	ErrBodyTooLarge = errors.New("http1: body too large")
)

// Error is a parse failure with the HTTP status a server should answer
// with. A server writes "HTTP/1.1 " + Status + " " + StatusText(Status) and
// closes the connection: after any Error the byte stream can no longer be
// framed. Errors from [ResponseParser] carry 502 (Bad Gateway), the answer
// a proxy would give.
//
// Values returned by the parsers may be shared and must not be modified.
// errors.Is(err, ErrXxx) matches the sentinel in Err.
type Error struct {
	Status int    // HTTP status code: 400, 413, 414, 431, 501, 502 or 505
	Reason string // what was wrong, for logs
	Err    error  // the sentinel, one of the ErrXxx values
}

// Error returns "http1: <reason> (<status>)".
func (e *Error) Error() string {
	return "http1: " + e.Reason + " (" + strconv.Itoa(e.Status) + ")"
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }

func newErr(status int, sentinel error, reason string) *Error {
	return &Error{Status: status, Reason: reason, Err: sentinel}
}

// Parse errors, shared so that failing costs no allocation. The response
// parser converts them with asResponseErr.
var (
	errMethod          = newErr(400, ErrInvalidMethod, "invalid method")
	errTarget          = newErr(400, ErrInvalidTarget, "invalid request-target")
	errTargetForm      = newErr(400, ErrInvalidTarget, "request-target form not allowed for this method")
	errUserinfo        = newErr(400, ErrInvalidTarget, "userinfo in http(s) request-target")
	errVersion         = newErr(400, ErrInvalidVersion, "invalid HTTP-version")
	errVersionSupport  = newErr(505, ErrUnsupportedVersion, "unsupported HTTP-version")
	errStatus          = newErr(400, ErrInvalidStatus, "invalid status line")
	errFieldName       = newErr(400, ErrInvalidFieldName, "invalid field name")
	errLeadingWS       = newErr(400, ErrInvalidFieldName, "whitespace before the first field line")
	errSpaceColon      = newErr(400, ErrSpaceBeforeColon, "whitespace between field name and colon")
	errFieldValue      = newErr(400, ErrInvalidFieldValue, "invalid field value")
	errObsFold         = newErr(400, ErrObsFold, "obsolete line folding")
	errBareLF          = newErr(400, ErrBareLF, "bare LF line terminator")
	errBareCR          = newErr(400, ErrBareCR, "bare CR")
	errNoHost          = newErr(400, ErrMissingHost, "HTTP/1.1 request without Host")
	errTwoHosts        = newErr(400, ErrMultipleHost, "more than one Host field")
	errHost            = newErr(400, ErrInvalidHost, "invalid Host")
	errCL              = newErr(400, ErrInvalidContentLength, "invalid Content-Length")
	errCLDiffers       = newErr(400, ErrContentLengthDiffers, "differing Content-Length values")
	errCLAndTE         = newErr(400, ErrLengthAndChunked, "both Content-Length and Transfer-Encoding")
	errTE              = newErr(400, ErrInvalidTransfer, "invalid Transfer-Encoding")
	errTENotFinal      = newErr(400, ErrInvalidTransfer, "chunked is not the final transfer coding")
	errTETwice         = newErr(400, ErrInvalidTransfer, "chunked applied more than once")
	errTE10            = newErr(400, ErrInvalidTransfer, "Transfer-Encoding in an HTTP/1.0 message")
	errTEUnsupported   = newErr(501, ErrUnsupportedTransfer, "unsupported transfer coding")
	errChunk           = newErr(400, ErrInvalidChunk, "invalid chunk")
	errChunkOverflow   = newErr(400, ErrChunkSizeOverflow, "chunk size overflows")
	errChunkExt        = newErr(400, ErrChunkExtTooLong, "chunk extension too long")
	errHeaderTooLarge  = newErr(431, ErrHeaderTooLarge, "header section too large")
	errTrailerTooLarge = newErr(431, ErrHeaderTooLarge, "trailer section too large")
	errTooManyFields   = newErr(431, ErrTooManyFields, "too many header fields")
	errURITooLong      = newErr(414, ErrURITooLong, "request-target too long")
	errBodyTooLarge    = newErr(413, ErrBodyTooLarge, "body too large")
	errEOF             = newErr(400, ErrUnexpectedEOF, "connection closed inside a message")
)

// asResponseErr returns err with the 502 status a proxy would answer a
// malformed response with.
func asResponseErr(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Status != 502 {
		return &Error{Status: 502, Reason: e.Reason, Err: e.Err}
	}
	return err
}
