package dns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"

	"golang.org/x/net/dns/dnsmessage"
)

// Sentinel errors. Lookups report failures as a *DNSError whose Err is (or
// wraps) one of these; test with errors.Is.
var (
	// ErrNotFound means the name does not exist (NXDOMAIN), or a hosts-file
	// or literal lookup found nothing. See also IsNotFound.
	ErrNotFound = errors.New("dns: no such host")
	// ErrNoData means the name exists but has no records of the requested
	// type (NODATA: NOERROR with an empty answer).
	ErrNoData = errors.New("dns: no records of the requested type")
	// ErrTimeout means no server answered in time on any try. A *DNSError
	// holding it also matches os.ErrDeadlineExceeded.
	ErrTimeout = errors.New("dns: timeout")
	// ErrServerFailure means the servers answered SERVFAIL (or another
	// failure code such as NOTIMP or FORMERR).
	ErrServerFailure = errors.New("dns: server failure")
	// ErrRefused means the servers answered REFUSED.
	ErrRefused = errors.New("dns: query refused")
	// ErrBadVersion means the servers answered BADVERS, the extended
	// response code (16) of an OPT record saying that they do not
	// implement the EDNS version asked (RFC 6891 §6.1.3). A query with
	// EDNS0 is asked again without it then, as after FORMERR; only a
	// server answering BADVERS to that too, a broken one, fails with it.
	ErrBadVersion = errors.New("dns: EDNS version not supported by the server (BADVERS)")
	// ErrUnreachable means the transport could not start an exchange with
	// any server (for example no route to it); it wraps the transport's
	// error.
	ErrUnreachable = errors.New("dns: server unreachable")
	// ErrMalformed means a response that matched the query (source, ID,
	// question) could not be parsed.
	ErrMalformed = errors.New("dns: malformed response")
	// ErrInvalidName means the name given to a lookup is not a valid domain
	// name (empty label, label over 63 bytes, name over 253 bytes, or a
	// character other than letters, digits, '-' and '_').
	ErrInvalidName = errors.New("dns: invalid domain name")
	// ErrInvalidNetwork means the network argument is not "ip", "ip4" or
	// "ip6" (or a "tcp"/"udp" variant of them).
	ErrInvalidNetwork = errors.New("dns: invalid network")
	// ErrCanceled means the lookup was canceled by its cancel func. A
	// *DNSError holding it also matches context.Canceled.
	ErrCanceled = errors.New("dns: lookup canceled")
	// ErrClosed means the Resolver was closed before the lookup finished.
	ErrClosed = errors.New("dns: resolver closed")
	// ErrTooLarge means a configuration file given to a parser is larger
	// than the parser accepts.
	ErrTooLarge = errors.New("dns: input too large")
	// ErrNeedMore is returned by TCPDecoder.Next when no complete message
	// is buffered yet; feed more bytes and call Next again.
	ErrNeedMore = errors.New("dns: need more input")
	// ErrFrameTooLarge means a message is too long for the 2-byte length
	// prefix of DNS over TCP.
	ErrFrameTooLarge = errors.New("dns: message longer than 65535 bytes")
)

// DNSError is the error every lookup reports. Err is one of the package's
// sentinel errors, possibly wrapped with detail, so errors.Is(err,
// ErrNotFound) and friends work on it. The zero value is not useful.
type DNSError struct {
	// Name is the name (or address, for LookupAddr) as the caller gave it.
	Name string
	// Server is the last nameserver that took part, or the zero AddrPort
	// when no query was sent (cache, hosts file, invalid input).
	Server netip.AddrPort
	// RCode is the response code of the last response that decided the
	// outcome, or RCodeSuccess when there was none.
	RCode dnsmessage.RCode
	// Err is the cause: one of the sentinel errors, possibly wrapped.
	Err error
}

// Error returns "dns: lookup NAME on SERVER: CAUSE".
func (e *DNSError) Error() string {
	s := "dns: lookup " + e.Name
	if e.Server.IsValid() {
		s += " on " + e.Server.String()
	}
	if e.Err != nil {
		s += ": " + trimPrefix(e.Err.Error())
	}
	return s
}

// trimPrefix drops the "dns: " prefix of a wrapped sentinel so that the
// package name is not repeated inside one message.
func trimPrefix(s string) string {
	const p = "dns: "
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

// Unwrap returns Err.
func (e *DNSError) Unwrap() error { return e.Err }

// Is makes a timeout match os.ErrDeadlineExceeded and a cancellation match
// context.Canceled, besides the sentinels reached through Unwrap.
func (e *DNSError) Is(target error) bool {
	switch target {
	case os.ErrDeadlineExceeded:
		return errors.Is(e.Err, ErrTimeout)
	case context.Canceled:
		return errors.Is(e.Err, ErrCanceled)
	}
	return false
}

// Timeout reports whether the lookup failed because no server answered in
// time.
func (e *DNSError) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// NetError converts e to the standard library's *net.DNSError, for code
// written against net.Resolver: IsNotFound is set for NXDOMAIN and NODATA,
// IsTimeout for timeouts, IsTemporary for timeouts and server failures,
// and UnwrapErr keeps Err so errors.Is still sees this package's
// sentinels.
func (e *DNSError) NetError() *net.DNSError {
	ne := &net.DNSError{
		Err:         trimPrefix(errString(e.Err)),
		Name:        e.Name,
		IsTimeout:   e.Timeout(),
		IsNotFound:  IsNotFound(e),
		IsTemporary: e.Timeout() || errors.Is(e.Err, ErrServerFailure),
		UnwrapErr:   e.Err,
	}
	if e.Server.IsValid() {
		ne.Server = e.Server.String()
	}
	return ne
}

func errString(err error) string {
	if err == nil {
		return "unknown error"
	}
	return err.Error()
}

// IsNotFound reports whether err says the name has no answer: NXDOMAIN
// (ErrNotFound) or NODATA (ErrNoData). It mirrors net.DNSError.IsNotFound.
// Safe for concurrent use.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrNoData)
}
