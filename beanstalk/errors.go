package beanstalk

import (
	bs "github.com/eddy-go/eddy/codec/beanstalk"
	"github.com/eddy-go/eddy/driver"
)

// Errors of the driver. Server error replies come back as a
// *codec/beanstalk.ReplyError wrapping one of the sentinels below, re-exported
// from the codec; connection failures as a *driver.ConnError. Test with
// errors.Is.
var (
	// ErrConnLost matches the failure of a request whose connection
	// dropped before its reply came (a *driver.ConnError, whose Sent field
	// says whether the command was written).
	ErrConnLost = driver.ErrConnLost
	// ErrClosed is the failure of commands after Close or Quit, and of
	// commands in flight at Close.
	ErrClosed = driver.ErrClosed

	// ErrNotFound is the codec's bs.ErrNotFound: NOT_FOUND.
	ErrNotFound = bs.ErrNotFound
	// ErrDeadlineSoon is the codec's bs.ErrDeadlineSoon: DEADLINE_SOON (reserve).
	ErrDeadlineSoon = bs.ErrDeadlineSoon
	// ErrTimedOut is the codec's bs.ErrTimedOut: TIMED_OUT (reserve-with-timeout).
	ErrTimedOut = bs.ErrTimedOut
	// ErrBuried is the codec's bs.ErrBuried: BURIED after put or release.
	ErrBuried = bs.ErrBuried
	// ErrNotIgnored is the codec's bs.ErrNotIgnored: NOT_IGNORED (ignore).
	ErrNotIgnored = bs.ErrNotIgnored
	// ErrJobTooBig is the codec's bs.ErrJobTooBig: JOB_TOO_BIG (put), or a body over Options.MaxJobSize.
	ErrJobTooBig = bs.ErrJobTooBig
	// ErrDraining is the codec's bs.ErrDraining: DRAINING (put).
	ErrDraining = bs.ErrDraining
	// ErrOutOfMemory is the codec's bs.ErrOutOfMemory: OUT_OF_MEMORY.
	ErrOutOfMemory = bs.ErrOutOfMemory
	// ErrInternalError is the codec's bs.ErrInternalError: INTERNAL_ERROR.
	ErrInternalError = bs.ErrInternalError
	// ErrBadFormat is the codec's bs.ErrBadFormat: BAD_FORMAT (the connection is then dropped).
	ErrBadFormat = bs.ErrBadFormat
	// ErrUnknownCommand is the codec's bs.ErrUnknownCommand: UNKNOWN_COMMAND (the connection is then dropped).
	ErrUnknownCommand = bs.ErrUnknownCommand
	// ErrExpectedCRLF is the codec's bs.ErrExpectedCRLF: EXPECTED_CRLF (the connection is then dropped).
	ErrExpectedCRLF = bs.ErrExpectedCRLF
	// ErrProtocol is the codec's bs.ErrProtocol: a malformed reply (the connection is then dropped).
	ErrProtocol = bs.ErrProtocol
)
