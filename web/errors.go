package web

import (
	"errors"
	"fmt"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrPattern reports a route pattern that does not parse; the
	// *PatternError that carries it says where.
	ErrPattern = errors.New("web: bad route pattern")
	// ErrConflict reports a route that clashes with one already
	// registered: the same method and pattern, or two parameters or
	// wildcards of different names at the same place.
	ErrConflict = errors.New("web: conflicting route")
	// ErrMethod reports an empty or invalid method name.
	ErrMethod = errors.New("web: bad method")
	// ErrNilHandler reports a route registered without a handler.
	ErrNilHandler = errors.New("web: nil handler")
	// ErrRangeSyntax reports a Range header that does not parse; such a
	// header is ignored and the whole representation is sent.
	ErrRangeSyntax = errors.New("web: bad Range header")
	// ErrRangeUnsatisfiable reports a Range header none of whose ranges
	// overlaps the representation (416).
	ErrRangeUnsatisfiable = errors.New("web: range not satisfiable")
	// ErrCookie reports a cookie whose name, value or attributes cannot
	// be sent.
	ErrCookie = errors.New("web: invalid cookie")
	// ErrNoCookie is returned by Ctx.Cookie when the request has no
	// cookie of that name.
	ErrNoCookie = errors.New("web: no such cookie")
	// ErrRedirectStatus reports a redirect status that is not one of
	// 300, 301, 302, 303, 307 and 308.
	ErrRedirectStatus = errors.New("web: not a redirect status")
	// ErrContentType reports a request body of a media type the helper
	// does not decode (415).
	ErrContentType = errors.New("web: unsupported content type")
	// ErrMultipart reports a multipart body that does not parse; the
	// *HTTPError (400) that carries it says why.
	ErrMultipart = errors.New("web: bad multipart body")
	// ErrNotFound maps to 404 when a hook or handler fails with it.
	ErrNotFound = errors.New("web: not found")
)

// PatternError describes a route pattern that does not parse.
type PatternError struct {
	// Pattern is the pattern as given.
	Pattern string
	// Offset is the byte offset of the problem in Pattern.
	Offset int
	// Reason says what is wrong.
	Reason string
}

// Error implements error.
func (e *PatternError) Error() string {
	return fmt.Sprintf("web: bad route pattern %q at offset %d: %s", e.Pattern, e.Offset, e.Reason)
}

// Unwrap returns ErrPattern.
func (e *PatternError) Unwrap() error { return ErrPattern }

// HTTPError is an error with the HTTP status it should be answered with.
// A hook or handler returns one to choose the status; Ctx.Error sends it.
type HTTPError struct {
	// Code is the HTTP status code.
	Code int
	// Message is sent as the response body; empty selects the status
	// text.
	Message string
	// Err is the underlying error, if any.
	Err error
}

// Error implements error.
func (e *HTTPError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("web: %d %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("web: %d %s", e.Code, e.Message)
}

// Unwrap returns the underlying error.
func (e *HTTPError) Unwrap() error { return e.Err }

// Errorf returns an *HTTPError with code and a formatted message.
func Errorf(code int, format string, args ...any) *HTTPError {
	return &HTTPError{Code: code, Message: fmt.Sprintf(format, args...)}
}
