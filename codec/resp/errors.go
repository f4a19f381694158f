package resp

import (
	"errors"
	"strconv"
)

// Sentinel errors. Test for them with errors.Is: the structured errors below
// unwrap to them.
var (
	// ErrNeedMore reports that the input ends inside a value. Feed more
	// bytes and call again. It is returned as is, never wrapped.
	ErrNeedMore = errors.New("resp: need more data")

	// ErrProtocol is the error that every *ProtocolError unwraps to: the
	// input is not valid RESP and the stream cannot be resynchronised.
	ErrProtocol = errors.New("resp: protocol error")

	// ErrLimit is the error that every *LimitError unwraps to: the input
	// is well formed but exceeds a configured limit.
	ErrLimit = errors.New("resp: limit exceeded")

	// ErrUnexpectedEOF is returned by Decoder.EOF when the stream ended
	// inside a value.
	ErrUnexpectedEOF = errors.New("resp: unexpected EOF inside a value")

	// ErrNil is returned by the Value accessors when the value is a null
	// (RESP3 null, RESP2 null bulk string or null array).
	ErrNil = errors.New("resp: nil reply")

	// ErrType is the error that every *TypeError unwraps to: a Value
	// accessor was called on a value of another type.
	ErrType = errors.New("resp: unexpected value type")
)

// ProtocolError describes malformed input: a bad length, a missing CRLF, a
// bad number, an unknown type byte. After a ProtocolError a Decoder is
// broken for good and the connection should be dropped. It unwraps to
// ErrProtocol.
type ProtocolError struct {
	// Offset is the position in the stream (bytes since the Decoder was
	// created or Reset, or since the start of the Decode input) of the
	// value at fault.
	Offset int64
	// Reason says what was wrong.
	Reason string
}

// Error returns "resp: protocol error at offset N: reason".
func (e *ProtocolError) Error() string {
	return "resp: protocol error at offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Reason
}

// Unwrap returns ErrProtocol.
func (e *ProtocolError) Unwrap() error { return ErrProtocol }

// LimitError reports input that exceeds one of the Decoder's limits. Like
// a ProtocolError it breaks the Decoder for good. It unwraps to ErrLimit.
type LimitError struct {
	// Offset is the stream position of the value at fault.
	Offset int64
	// Limit names the limit: "bulk length", "elements", "depth" or
	// "line length".
	Limit string
	// Value is the size found (a lower bound for an unterminated line).
	Value int64
	// Max is the configured limit.
	Max int64
}

// Error returns "resp: <limit> V exceeds limit M at offset N".
func (e *LimitError) Error() string {
	return "resp: " + e.Limit + " " + strconv.FormatInt(e.Value, 10) +
		" exceeds limit " + strconv.FormatInt(e.Max, 10) +
		" at offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns ErrLimit.
func (e *LimitError) Unwrap() error { return ErrLimit }

// TypeError reports a Value accessor called on a value it cannot convert,
// such as Int on an array or on a bulk string that is not a number. It
// unwraps to ErrType.
type TypeError struct {
	// Got is the type of the value.
	Got Type
	// Want describes what the accessor needed, such as "integer".
	Want string
}

// Error returns "resp: cannot read <type> as <want>".
func (e *TypeError) Error() string {
	return "resp: cannot read " + e.Got.String() + " as " + e.Want
}

// Unwrap returns ErrType.
func (e *TypeError) Unwrap() error { return ErrType }
