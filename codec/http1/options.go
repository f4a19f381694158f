package http1

import "math"

// Default limits. A server that wants other values passes options to
// [NewRequestParser] or [NewResponseParser].
const (
	// DefaultMaxHeaderBytes bounds the start line plus the header section,
	// and separately the trailer section.
	DefaultMaxHeaderBytes = 64 << 10
	// DefaultMaxFields bounds the number of field lines in the header
	// section, and separately in the trailer section.
	DefaultMaxFields = 100
	// DefaultMaxURIBytes bounds the request-target.
	DefaultMaxURIBytes = 8 << 10
	// DefaultMaxChunkExtBytes bounds the chunk extensions of one chunk.
	DefaultMaxChunkExtBytes = 4 << 10
)

// limits holds the effective limits of a parser.
type limits struct {
	maxHeaderBytes   int
	maxFields        int
	maxURIBytes      int
	maxChunkExtBytes int
	maxBodyBytes     int64
}

func defaultLimits() limits {
	return limits{
		maxHeaderBytes:   DefaultMaxHeaderBytes,
		maxFields:        DefaultMaxFields,
		maxURIBytes:      DefaultMaxURIBytes,
		maxChunkExtBytes: DefaultMaxChunkExtBytes,
		maxBodyBytes:     math.MaxInt64,
	}
}

// Option changes a limit of a parser. Exceeding a limit makes the parser
// return an [*Error] with the status named on the option.
type Option func(*limits)

// WithMaxHeaderBytes bounds the start line plus header section, and the
// trailer section, to n bytes each (431 Request Header Fields Too Large).
// n <= 0 selects [DefaultMaxHeaderBytes].
func WithMaxHeaderBytes(n int) Option {
	return func(l *limits) { l.maxHeaderBytes = orDefault(n, DefaultMaxHeaderBytes) }
}

// WithMaxFields bounds the number of field lines in the header section,
// and in the trailer section, to n each (431 Request Header Fields Too
// Large). n <= 0 selects [DefaultMaxFields].
func WithMaxFields(n int) Option {
	return func(l *limits) { l.maxFields = orDefault(n, DefaultMaxFields) }
}

// WithMaxURIBytes bounds the request-target to n bytes (414 URI Too Long).
// n <= 0 selects [DefaultMaxURIBytes]. The response parser ignores it.
func WithMaxURIBytes(n int) Option {
	return func(l *limits) { l.maxURIBytes = orDefault(n, DefaultMaxURIBytes) }
}

// WithMaxChunkExtBytes bounds the chunk extensions of each chunk to n bytes
// (400 Bad Request). n <= 0 selects [DefaultMaxChunkExtBytes].
func WithMaxChunkExtBytes(n int) Option {
	return func(l *limits) { l.maxChunkExtBytes = orDefault(n, DefaultMaxChunkExtBytes) }
}

// WithMaxBodyBytes bounds the decoded body of each message to n bytes
// (413 Content Too Large). A Content-Length above n fails as soon as the
// header section ends; a chunked body fails at the chunk that crosses n;
// a response body read until the connection closes fails once its first
// n bytes have been reported and more arrive.
// n <= 0 removes the bound, which is the default: the parsers never buffer
// a body, so an unbounded one costs no memory here.
func WithMaxBodyBytes(n int64) Option {
	if n <= 0 {
		n = math.MaxInt64 // decided once, so that the option can be shared
	}
	return func(l *limits) { l.maxBodyBytes = n }
}

func orDefault(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
