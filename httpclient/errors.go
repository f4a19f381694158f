package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrMalformedResponse is matched by a *ResponseError: the server sent
	// bytes that do not frame as an HTTP/1.1 response. The connection is
	// dropped, never pooled.
	ErrMalformedResponse = errors.New("httpclient: malformed response")
	// ErrTruncated means the connection closed before the response was
	// complete: inside its head or its body.
	ErrTruncated = errors.New("httpclient: response cut short")
	// ErrBodyTooLarge is matched by a *ResponseError: the body Send
	// gathers, once decompressed, went beyond Client.MaxResponseBody. A
	// connection whose body was still arriving is dropped.
	ErrBodyTooLarge = errors.New("httpclient: response body too large")
	// ErrTooManyRedirects is returned when a request is redirected more
	// often than Client.MaxRedirects allows.
	ErrTooManyRedirects = errors.New("httpclient: too many redirects")
	// ErrConnectTimeout means the connection (and TLS handshake) did not
	// complete within Timeouts.Connect.
	ErrConnectTimeout = errors.New("httpclient: connect timeout")
	// ErrHeaderTimeout means the response head did not arrive within
	// Timeouts.ResponseHeader after the request was sent.
	ErrHeaderTimeout = errors.New("httpclient: response header timeout")
	// ErrRequestTimeout means the whole request, redirects and body
	// included, did not finish within Timeouts.Request.
	ErrRequestTimeout = errors.New("httpclient: request timeout")
	// ErrCanceled means the request's context ended, or the caller closed
	// the response body, before the exchange was over.
	ErrCanceled = errors.New("httpclient: request canceled")
	// ErrInvalidRequest reports a request that cannot be sent: no URL,
	// an unsupported scheme, a missing or invalid host, an invalid method,
	// target or header field. It is found before a connection is taken
	// or dialled, for each hop of a redirect too.
	ErrInvalidRequest = errors.New("httpclient: invalid request")
	// ErrNoLoop is returned when the Client has neither Loop nor Group.
	ErrNoLoop = errors.New("httpclient: client has no Loop or Group")
	// ErrProxy reports a proxy that could not be used: a bad proxy URL, a
	// proxy that closed the connection during CONNECT, or a CONNECT refused
	// by the proxy (a *ProxyError).
	ErrProxy = errors.New("httpclient: proxy failed")
)

// maxInterim bounds the 1xx (interim) responses one exchange may bring
// before its final response: a server that sends them without end would
// otherwise hold the request until a timeout ends it, or for ever
// without one. net/http allows 5; this leaves room for a few 103s.
const maxInterim = 10

// errTooManyInterim is the cause of the ErrMalformedResponse of an
// exchange that went past maxInterim 1xx responses.
var errTooManyInterim = fmt.Errorf("more than %d 1xx responses", maxInterim)

// ResponseError is the error of a response that could not be read: a
// malformed response (matching ErrMalformedResponse), one cut short
// (matching ErrTruncated) or one too large (matching ErrBodyTooLarge). It
// unwraps to the codec's error too, so errors.Is finds the http1 sentinel
// (http1.ErrBareLF…).
type ResponseError struct {
	Kind error // ErrMalformedResponse, ErrTruncated or ErrBodyTooLarge
	Err  error // the codec's or the socket's error, may be nil
}

// Error describes the failure.
func (e *ResponseError) Error() string {
	if e.Err == nil {
		return e.Kind.Error()
	}
	return fmt.Sprintf("%v: %v", e.Kind, e.Err)
}

// Unwrap returns the kind and the cause.
func (e *ResponseError) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// CancelError is the error of a request cancelled by its context, by the
// cancellation of its future or by closing its response body early. It
// matches ErrCanceled and unwraps to the cause.
type CancelError struct {
	Cause error
}

// Error describes the cancellation.
func (e *CancelError) Error() string {
	if e.Cause == nil {
		return ErrCanceled.Error()
	}
	return ErrCanceled.Error() + ": " + e.Cause.Error()
}

// Unwrap returns ErrCanceled and the cause.
func (e *CancelError) Unwrap() []error {
	if e.Cause == nil {
		return []error{ErrCanceled}
	}
	return []error{ErrCanceled, e.Cause}
}

// ProxyError is the error of a CONNECT request that the proxy refused
// with a non-2xx status. It matches ErrProxy.
type ProxyError struct {
	Target string // the host:port asked for
	Status int    // the proxy's status code
}

// Error describes the refusal.
func (e *ProxyError) Error() string {
	return fmt.Sprintf("%v: CONNECT %s answered %d", ErrProxy, e.Target, e.Status)
}

// Unwrap returns ErrProxy.
func (e *ProxyError) Unwrap() error { return ErrProxy }

// TimeoutError is the error of a request that ran out of time: Kind is
// ErrConnectTimeout, ErrHeaderTimeout or ErrRequestTimeout. It matches its
// kind and context.DeadlineExceeded, and its Timeout method reports true,
// as a net.Error's does.
type TimeoutError struct {
	Kind error
}

// Error describes the timeout.
func (e *TimeoutError) Error() string { return e.Kind.Error() }

// Unwrap returns the kind and context.DeadlineExceeded.
func (e *TimeoutError) Unwrap() []error { return []error{e.Kind, context.DeadlineExceeded} }

// Timeout reports true.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary reports true, as Timeout does. It exists so that
// *TimeoutError implements net.Error, which code written for the net
// package asserts directly (err.(net.Error)).
//
// Deprecated: as for net.Error, use Timeout or errors.Is.
func (e *TimeoutError) Temporary() bool { return true }

var _ net.Error = (*TimeoutError)(nil)
