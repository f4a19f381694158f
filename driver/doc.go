// Package driver is the kit eddy's client drivers (beanstalkd and Redis so
// far) are built on, so that a new driver is mostly its codec.
//
// A Conn is one pipelined connection to a server, owned by an event loop.
// It is generic over the protocol: K is what the reply decoder must know
// about a request (a command kind), R is a decoded reply, and a Codec
// decodes replies. Requests are encoded by the driver and handed over as
// bytes. The Conn:
//
//   - dials without blocking, and reconnects with capped, jittered
//     exponential backoff (Config.MinBackoff, Config.MaxBackoff); or, with
//     Config.NoReconnect, closes for good once a ready connection drops,
//     for a session whose server-side state (a Redis WATCH) a new
//     connection would silently lack;
//   - runs TLS when Config.TLSConfig is set: a tlsx client layer goes on
//     each socket at dial, verifying the server's certificate by default,
//     and the codec and handshake see plaintext;
//   - runs an optional handshake after each connect (Config.Setup: AUTH,
//     SELECT, beanstalkd's use and watch), before any queued request;
//   - keeps a FIFO of requests in flight, each with its promise and decode
//     context, and matches replies to them in order;
//   - writes all the requests of one loop turn with one Write at the end of
//     the turn (NextTick); while earlier requests still wait for replies,
//     new ones are held (up to 64 KiB) and written when the next reply
//     arrives, since an in-order server could not answer them sooner, which
//     under load turns many small writes into a few large ones; stops when
//     the socket's write queue is full (eddy.ErrQueueFull) and resumes on
//     OnDrain;
//   - drops a cancelled request that is not yet written; a written one keeps
//     its reply slot, and its reply is discarded;
//   - fails every request in flight with a *ConnError (errors.Is
//     ErrConnLost, wrapping the cause) when the connection drops, and never
//     sends a written request again unless it was marked Idempotent; one
//     marked Bound (it acts on the connection's own state, such as a
//     reservation) is never sent on a later connection at all;
//   - offers a blocking facade, Do, for goroutine code: thousands of
//     goroutines can share one pipelined connection;
//   - converts replies as they are decoded with Map, whose future settles
//     in the callback that read the reply: no future.Then step, no hop
//     through the loop's queue (a goroutine waiting in Await is woken from
//     there), one allocation per request fewer.
//
// Everything runs on the loop: no goroutine per request or connection, no
// locks. Call, Map, Do, Close and Shutdown are safe for concurrent use;
// the other methods are loop-only.
//
// A driver wraps a Conn in its own client type:
//
//	conn := driver.New(loop, driver.Config[proto.Kind, proto.Reply]{
//		Addr:  addr,
//		Codec: &codec{},
//		Setup: func(h *driver.Handshake[proto.Kind, proto.Reply]) *future.Future[struct{}] {
//			ok := h.Send(proto.KindAuth, proto.AppendAuth(nil, pw))
//			return future.Map(ok, func(proto.Reply) struct{} { return struct{}{} })
//		},
//	})
//	reply := conn.Call(proto.KindGet, proto.AppendGet(nil, key), driver.Idempotent)
//
// See docs/drivers.md for the reasoning behind each rule.
package driver
