// Package beanstalk is a sans-I/O codec for the beanstalkd work-queue
// protocol, version 1.12: it turns commands into bytes and bytes into
// replies, and holds no sockets, timers or goroutines. eddy's beanstalkd
// driver is built on it; it can be tested and fuzzed without a server.
//
// # Encoding
//
// [Encoder] has one append method per command (AppendPut, AppendReserve,
// AppendPauseTube, ...). Each appends one whole command to a byte slice, so
// a driver can batch many commands into one write. Methods taking a tube
// name or a job body validate them first and return an [*ArgError] instead
// of writing a command the server would refuse:
//
//	var enc beanstalk.Encoder
//	buf, err := enc.AppendUse(nil, "emails")
//	buf, err = enc.AppendPut(buf, 1024, 0, 60, body)
//
// # Decoding
//
// A reply does not say which command it answers ("NOT_FOUND" answers many),
// but beanstalkd answers in order. A driver therefore keeps a queue of the
// [Kind] of each command it sent and passes the head of that queue to
// [Decoder.Next], which decodes exactly one reply and checks that the
// command can receive it:
//
//	var dec beanstalk.Decoder
//	dec.Feed(bytesFromSocket)
//	rep, err := dec.Next(beanstalk.KindReserve)
//
// Next returns [ErrNeedMore] until the whole reply, data block included, is
// buffered; input may be split at any byte. Failure replies come back as a
// [*ReplyError] that matches a sentinel such as [ErrNotFound],
// [ErrTimedOut] or [ErrBuried] with errors.Is; the connection stays usable.
// A reply that breaks the protocol is a [*ProtocolError] (matching
// [ErrProtocol]); the decoder stops there and the driver must drop the
// connection.
//
// Data blocks (job bodies and YAML) are returned in [Reply.Body], a slice of
// the decoder's buffer that is valid only until the next Decoder call; copy
// it with [Reply.CloneBody] to keep it. [Decoder.MaxBodySize] bounds their
// size, so a hostile server cannot make the decoder allocate without limit.
//
// # Stats and tube lists
//
// The data of stats, stats-tube and stats-job replies is a small YAML
// dictionary, and that of list-tubes and list-tubes-watched a YAML list.
// [ParseServerStats], [ParseTubeStats], [ParseJobStats] and
// [ParseTubeList] parse the subset beanstalkd emits, by hand, into typed
// values; [ParseStatsMap] gives the raw key-value map.
//
// # Concurrency
//
// An [Encoder] is a plain value and safe for concurrent use. A [Decoder] is
// owned by one goroutine, usually a driver's event loop. The Parse
// functions are safe for concurrent use.
package beanstalk
