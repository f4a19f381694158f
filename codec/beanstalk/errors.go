package beanstalk

import (
	"errors"
	"strconv"
	"strings"
)

// Errors the server reports in a reply. The decoder returns them wrapped in
// a [*ReplyError]; test with errors.Is. After one of them the connection is
// still in step with the server, unless the sentinel's doc says otherwise.
var (
	// ErrNotFound is the NOT_FOUND reply: the job or tube does not exist or
	// is not in a state the command accepts.
	ErrNotFound = errors.New("beanstalk: not found")
	// ErrDeadlineSoon is the DEADLINE_SOON reply to reserve: a job reserved
	// by this connection is in the last second of its time to run.
	ErrDeadlineSoon = errors.New("beanstalk: deadline soon")
	// ErrTimedOut is the TIMED_OUT reply to reserve-with-timeout (and to
	// reserve on a half-closed connection).
	ErrTimedOut = errors.New("beanstalk: timed out")
	// ErrBuried is the BURIED reply where it means failure: to put, the job
	// was created (its id is in the ReplyError) but buried because the
	// server ran out of memory; to release, the job was buried instead of
	// released. BURIED is success for bury and is not an error there.
	ErrBuried = errors.New("beanstalk: buried")
	// ErrNotIgnored is the NOT_IGNORED reply to ignore: the tube is the last
	// one in the watch list.
	ErrNotIgnored = errors.New("beanstalk: not ignored")
	// ErrJobTooBig is the JOB_TOO_BIG reply to put. The encoder also
	// returns it, in an [*ArgError], for a body larger than
	// [Encoder.MaxJobSize].
	ErrJobTooBig = errors.New("beanstalk: job too big")
	// ErrDraining is the DRAINING reply to put: the server is in drain mode
	// and takes no new jobs.
	ErrDraining = errors.New("beanstalk: draining")
	// ErrOutOfMemory is the OUT_OF_MEMORY reply.
	ErrOutOfMemory = errors.New("beanstalk: out of memory")
	// ErrInternalError is the INTERNAL_ERROR reply (a server bug).
	ErrInternalError = errors.New("beanstalk: internal error")
	// ErrBadFormat is the BAD_FORMAT reply: the server could not parse a
	// command line. The encoder never writes such a line; after a put the
	// server may have read the job body as commands, so a driver should
	// drop the connection.
	ErrBadFormat = errors.New("beanstalk: bad format")
	// ErrUnknownCommand is the UNKNOWN_COMMAND reply. Like ErrBadFormat it
	// means client and server are out of step.
	ErrUnknownCommand = errors.New("beanstalk: unknown command")
	// ErrExpectedCRLF is the EXPECTED_CRLF reply to put: the body was not
	// followed by CRLF. The server then reads the rest as commands, so a
	// driver should drop the connection.
	ErrExpectedCRLF = errors.New("beanstalk: expected CRLF")
)

// Errors of the codec itself. Test with errors.Is.
var (
	// ErrNeedMore is returned by [Decoder.Next] when the buffered bytes do
	// not yet hold a whole reply. Feed more and call Next again.
	ErrNeedMore = errors.New("beanstalk: need more data")
	// ErrProtocol is wrapped by every [*ProtocolError]: the server sent a
	// reply that is malformed or does not fit the command. The connection
	// must be dropped.
	ErrProtocol = errors.New("beanstalk: protocol error")
	// ErrMalformedReply is a ProtocolError cause: a reply line that does
	// not follow the grammar (bad number, missing CRLF, extra fields).
	ErrMalformedReply = errors.New("beanstalk: malformed reply")
	// ErrUnexpectedReply is a ProtocolError cause: a well-formed reply that
	// the command cannot receive, such as DELETED after put.
	ErrUnexpectedReply = errors.New("beanstalk: unexpected reply")
	// ErrLineTooLong is a ProtocolError cause: no CRLF within
	// [MaxReplyLineLen] bytes.
	ErrLineTooLong = errors.New("beanstalk: reply line too long")
	// ErrBodyTooLarge is a ProtocolError cause: a reply announces a data
	// block larger than [Decoder.MaxBodySize].
	ErrBodyTooLarge = errors.New("beanstalk: reply body too large")
	// ErrInvalidTubeName is returned, in an [*ArgError], for a tube name
	// that breaks the protocol's name rules.
	ErrInvalidTubeName = errors.New("beanstalk: invalid tube name")
	// ErrInvalidKind is returned by [Decoder.Next] for a Kind that is not
	// one of the declared constants.
	ErrInvalidKind = errors.New("beanstalk: invalid command kind")
	// ErrNoReply is returned by [Decoder.Next] for [KindQuit], which gets
	// no reply: the server closes the connection.
	ErrNoReply = errors.New("beanstalk: command has no reply")
	// ErrMalformedYAML is wrapped by every [*YAMLError].
	ErrMalformedYAML = errors.New("beanstalk: malformed YAML")
)

// ReplyError is a reply in which the server reports that the command failed
// (NOT_FOUND, TIMED_OUT, BURIED after put, BAD_FORMAT, ...). The connection
// stays usable unless Err's doc says otherwise. Err is one of the server
// sentinels such as [ErrNotFound]; test with errors.Is.
type ReplyError struct {
	Kind Kind      // command the reply answers
	Type ReplyType // reply word
	ID   uint64    // job id, for BURIED <id> after put; else 0
	Err  error     // sentinel for Type
}

// Error implements error.
func (e *ReplyError) Error() string {
	s := "beanstalk: " + e.Kind.String() + ": " + e.Type.String()
	if e.Type == ReplyBuried && e.Kind == KindPut {
		s += " " + strconv.FormatUint(e.ID, 10)
	}
	return s
}

// Unwrap returns Err.
func (e *ReplyError) Unwrap() error { return e.Err }

// ProtocolError is a reply that breaks the protocol: malformed, too large,
// or not a reply the command can receive. The decoder stops at it: every
// later Next returns the same error, and the driver must drop the
// connection. It matches both [ErrProtocol] and Err with errors.Is.
type ProtocolError struct {
	Kind Kind   // command whose reply was being decoded (0 if none)
	Line string // offending reply line, truncated to 64 bytes and quoted
	Err  error  // cause, such as ErrMalformedReply or ErrBodyTooLarge
}

// Error implements error.
func (e *ProtocolError) Error() string {
	s := "beanstalk: protocol error"
	if e.Kind != 0 {
		s += " in reply to " + e.Kind.String()
	}
	if e.Line != "" {
		s += " (" + e.Line + ")"
	}
	if e.Err != nil {
		s += ": " + strings.TrimPrefix(e.Err.Error(), "beanstalk: ")
	}
	return s
}

// Unwrap returns ErrProtocol and Err.
func (e *ProtocolError) Unwrap() []error { return []error{ErrProtocol, e.Err} }

// ArgError reports an argument the encoder refused to write. Nothing is
// appended when it is returned. Err is [ErrInvalidTubeName] or
// [ErrJobTooBig]; test with errors.Is.
type ArgError struct {
	Kind   Kind   // command being encoded
	Arg    string // argument name, such as "tube" or "body"
	Reason string // why the value was refused
	Err    error  // sentinel
}

// Error implements error.
func (e *ArgError) Error() string {
	s := "beanstalk: "
	if e.Kind.Valid() {
		s += e.Kind.String() + ": "
	}
	return s + "bad " + e.Arg + ": " + e.Reason
}

// Unwrap returns Err.
func (e *ArgError) Unwrap() error { return e.Err }

// YAMLError reports stats or list data that is not the YAML subset
// beanstalkd emits, or a known key whose value has the wrong type. It
// matches [ErrMalformedYAML] with errors.Is.
type YAMLError struct {
	Line   int    // 1-based line number in the data
	Key    string // key involved, if any
	Reason string
}

// Error implements error.
func (e *YAMLError) Error() string {
	s := "beanstalk: malformed YAML at line " + strconv.Itoa(e.Line)
	if e.Key != "" {
		s += " (key " + strconv.Quote(e.Key) + ")"
	}
	return s + ": " + e.Reason
}

// Unwrap returns ErrMalformedYAML.
func (e *YAMLError) Unwrap() error { return ErrMalformedYAML }
