package redis

import (
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
)

// Sentinel errors. Test for them with errors.Is: the errors that commands
// actually fail with wrap or match them.
var (
	// Nil is the error of a typed helper whose reply is a null: a missing
	// key (GET), an empty list (LPOP), a SET whose NX or XX condition did
	// not hold is not an error but false. It matches resp.ErrNil too.
	Nil error = nilError{}
	// ErrNil is another name for Nil.
	ErrNil = Nil
	// ErrConnLost is matched by the error of every command whose
	// connection dropped before its reply came (a *driver.ConnError,
	// whose Sent field says whether it was written).
	ErrConnLost = driver.ErrConnLost
	// ErrClosed is the error of commands made after Close, and of those
	// still in flight when Close was called.
	ErrClosed = driver.ErrClosed
	// ErrProtocolVersion is returned by Dial for an Options.Protocol
	// other than 0, 2 or 3.
	ErrProtocolVersion = errors.New("redis: protocol version must be 2 or 3")
	// ErrArgType is the error of Do given an argument of a type it cannot
	// send.
	ErrArgType = errors.New("redis: unsupported argument type")
	// ErrOddArgs is the error of a helper taking field/value pairs given
	// an odd number of arguments.
	ErrOddArgs = errors.New("redis: odd number of key/value arguments")
	// ErrBadReply is matched by the error of a helper whose reply does
	// not have the shape its command should produce (such as a SCAN reply
	// that is not a cursor and a page).
	ErrBadReply = errors.New("redis: unexpected reply shape")
	// ErrNoChannels is the error of a PubSub method called without
	// names.
	ErrNoChannels = errors.New("redis: no channels given")
	// ErrTxAborted is the error of Tx.Exec when a watched key changed
	// (EXEC replied null): nothing was run.
	ErrTxAborted = errors.New("redis: transaction aborted: a watched key changed")
)

// nilError is the type of Nil: it also matches resp.ErrNil.
type nilError struct{}

// Error implements error.
func (nilError) Error() string { return "redis: nil" }

// Is reports whether target is resp.ErrNil.
func (nilError) Is(target error) bool { return target == resp.ErrNil }

// Error is a reply the server sent as an error, such as
// "WRONGTYPE Operation against a key holding the wrong kind of value".
// Commands fail with one (find it with errors.As); its Code holds the
// error's first word.
type Error = resp.RedisError

// mapNil turns the codec's nil error into Nil.
func mapNil(err error) error {
	if err == resp.ErrNil {
		return Nil
	}
	return err
}

// Cluster errors.
var (
	// ErrCrossSlot is the error of a command sent to a ClusterClient whose
	// keys hash to different slots; it is not sent. Use hash tags
	// ("{user1}:a", "{user1}:b") to keep keys that go together in one
	// slot.
	ErrCrossSlot = errors.New("redis: keys of one command in different cluster slots")
	// ErrTooManyRedirects is matched by the error of a command that was
	// redirected (MOVED, ASK) more than ClusterOptions.MaxRedirects times
	// in a row; it wraps the last *Error.
	ErrTooManyRedirects = errors.New("redis: too many cluster redirects")
	// ErrRetryTimeout is matched by the error of a command that the
	// cluster could not take (its master unreachable, CLUSTERDOWN,
	// TRYAGAIN) for ClusterOptions.RetryTimeout; it wraps the last
	// failure: a *driver.ConnError (ErrConnLost, with Sent false unless
	// the command is read-only), an *Error, or ErrClosed. Like a call
	// whose context ended, a command that was being sent again as the
	// time ran out may have run.
	ErrRetryTimeout = errors.New("redis: cluster retries timed out")
	// ErrClusterDown is matched by the error of commands that waited for
	// a slot map that could not be had: no seed or known node answered
	// CLUSTER SHARDS or CLUSTER SLOTS.
	ErrClusterDown = errors.New("redis: no cluster slot map")
	// ErrClusterDB is returned by NewCluster for an Options.DB other than
	// 0: a cluster has only database 0.
	ErrClusterDB = errors.New("redis: a cluster has only database 0")
	// ErrBadCommand is the error of an encoded command that is not an
	// array of bulk strings (it never comes from this package's own
	// encoders).
	ErrBadCommand = errors.New("redis: malformed command")
)
