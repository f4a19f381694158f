// Package resp is a sans-I/O codec for RESP2 and RESP3, the Redis
// serialization protocol. It reads and writes no sockets: a Decoder is fed
// bytes and yields Values, and the encoders only append to byte slices. It
// is the codec under eddy's Redis driver, and it can be fuzzed and tested
// without a server.
//
// # Decoding
//
// A Decoder accepts every RESP2 and RESP3 type: simple strings (+), simple
// errors (-), integers (:), bulk strings ($, with the RESP2 null $-1),
// arrays (*, with the RESP2 null *-1), nulls (_), booleans (#), doubles
// (,) with inf, -inf and nan, big numbers ((), bulk errors (!), verbatim
// strings (=), maps (%), sets (~), attributes (|) and pushes (>). It also
// supports the RESP3 streamed forms: streamed strings ($? followed by
// ;len chunks and a final ;0), returned as one bulk string, and streamed
// arrays, sets and maps (*?, ~?, %? ended by .), returned as ordinary
// aggregates.
//
// Feed the bytes read from the connection, then call Next until it returns
// ErrNeedMore:
//
//	d.Feed(p)
//	for {
//		v, err := d.Next()
//		if err == resp.ErrNeedMore {
//			break
//		}
//		if err != nil {
//			return err // *ProtocolError or *LimitError: drop the connection
//		}
//		if v.IsPush() {
//			routeToPubSub(v)
//			continue
//		}
//		completeNextPending(v)
//	}
//
// Attributes are not returned as values of their own: they are attached to
// the value that follows them (Value.Attrs). Push messages are returned in
// stream order, like replies; Value.IsPush tells them apart, and
// Value.PushKind names them ("message", "invalidate", ...) for RESP3 pushes
// and RESP2 pub/sub arrays alike.
//
// Malformed input returns a *ProtocolError (errors.Is ErrProtocol), and
// input beyond a limit a *LimitError (errors.Is ErrLimit); both are final.
// The limits (MaxBulkLen, default 512 MiB as in Redis; MaxElements;
// MaxDepth; MaxLineLen) are set with options to NewDecoder. The decoder
// keeps an explicit stack instead of recursing, and allocates memory for
// elements as they arrive, never from a length the peer declared.
//
// # Values and lifetimes
//
// A Value is a small struct. Aggregates keep their elements in one flat,
// reused slice and strings are slices of the decoder's buffer, so a typical
// reply (a simple string, an integer, a bulk string, an array of bulk
// strings) decodes with no allocation. In exchange, a Value returned by a
// Decoder is valid only until the next call to that Decoder's Feed, Next,
// Decode or Reset. Clone copies a Value out; Str returns fresh strings.
//
// Accessors convert, and report error replies as errors: Str, Bytes, Int,
// Float, Bool, BigInt, Array and Map return the *RedisError of an error
// reply, ErrNil for a null and a *TypeError for a value they cannot
// convert. Value.Err returns a *RedisError whose Code holds the error code
// ("ERR", "WRONGTYPE", "MOVED", ...); RedisError.Moved and RedisError.Ask
// parse cluster redirections.
//
// # Encoding
//
// Commands are arrays of bulk strings. AppendCommand and AppendArgs append
// one from strings or byte slices; Command builds one from mixed strings,
// byte slices, integers and floats without allocating:
//
//	buf = resp.AppendCommand(buf, "GET", "key")
//	buf = resp.NewCommand(buf).Str("SET").Bytes(key).Str("EX").Int(60).Finish()
//
// AppendValue writes any Value, in all the RESP3 types (for tests and for
// servers), and AppendSimpleString, AppendInt, AppendBulk, AppendHeader and
// the other Append functions write single values.
//
// # Concurrency
//
// A Decoder is not safe for concurrent use; it belongs to the loop that
// reads its connection. The Append functions are safe for concurrent use
// on distinct buffers. Values are immutable and may be read concurrently
// while valid.
package resp
