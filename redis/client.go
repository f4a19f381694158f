package redis

import (
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Options configure a Client. The zero value connects with RESP3, no
// authentication, database 0.
type Options struct {
	// Username and Password authenticate the connection (AUTH, or HELLO's
	// AUTH clause). An empty Username with a Password uses the
	// "default" user, as requirepass does.
	Username, Password string
	// DB is the database selected after each connect (SELECT), if not 0.
	DB int
	// ClientName is set with CLIENT SETNAME (or HELLO's SETNAME clause).
	ClientName string
	// Protocol is 2 or 3; 0 means 3. With 3, the connection starts with
	// HELLO 3 and falls back to RESP2 when the server refuses it (servers
	// before Redis 6).
	Protocol int
	// MinBackoff, MaxBackoff and DialTimeout tune reconnection; see
	// driver.Config.
	MinBackoff, MaxBackoff, DialTimeout time.Duration
	// MaxQueued bounds the commands waiting to be written; see
	// driver.Config.
	MaxQueued int
	// OnState is told of every connection state change, on the loop.
	OnState func(s driver.State, err error)
}

// Client is a Redis connection on an event loop. Its command methods
// return futures and are safe for concurrent use: commands issued by any
// number of goroutines or callbacks during one loop turn are written with
// one write (auto-pipelining), and replies are matched to them in order.
// The futures belong to the loop; use Sync for blocking calls from
// goroutines, which share the same connection.
//
// The connection is made again, with backoff, when it drops; the
// handshake (HELLO or AUTH, CLIENT SETNAME, SELECT) runs before any queued
// command. Commands in flight when it dropped fail with an error matching
// ErrConnLost and are not sent again, except read-only ones marked so in
// their documentation.
//
// Commands that block the server (BLPOP, XREAD BLOCK) and those that change
// the connection's state (SUBSCRIBE, MULTI, WATCH, SELECT, CLIENT REPLY)
// must not be sent on the shared connection with Do: use the dedicated
// connections of BLPop, XRead and Watch.
type Client struct {
	loop  *eddy.Loop
	addr  string
	opts  Options
	conn  *driver.Conn[struct{}, resp.Value]
	proto atomic.Int32 // negotiated protocol, 0 before the first handshake
}

// Dial returns a Client for the server at addr ("host:port") and starts
// connecting on loop; commands issued meanwhile wait for the connection.
// It fails only for invalid options. Safe for concurrent use.
func Dial(loop *eddy.Loop, addr string, opts Options) (*Client, error) {
	if opts.Protocol == 0 {
		opts.Protocol = 3
	}
	if opts.Protocol != 2 && opts.Protocol != 3 {
		return nil, fmt.Errorf("%w: %d", ErrProtocolVersion, opts.Protocol)
	}
	c := &Client{loop: loop, addr: addr, opts: opts}
	c.conn = c.newConn(nil)
	return c, nil
}

// newConn makes a connection with c's options and handshake; push, if set,
// receives the push messages.
func (c *Client) newConn(push func(resp.Value)) *driver.Conn[struct{}, resp.Value] {
	o := c.opts
	return driver.New(c.loop, driver.Config[struct{}, resp.Value]{
		Addr:        c.addr,
		Codec:       &codec{onPush: push},
		Setup:       c.setup,
		MinBackoff:  o.MinBackoff,
		MaxBackoff:  o.MaxBackoff,
		DialTimeout: o.DialTimeout,
		MaxQueued:   o.MaxQueued,
		OnState:     o.OnState,
	})
}

// setup runs the handshake: HELLO 3 (with AUTH and SETNAME), or, for
// RESP2 or a server refusing HELLO, AUTH and CLIENT SETNAME; then SELECT.
func (c *Client) setup(h *driver.Handshake[struct{}, resp.Value]) *future.Future[struct{}] {
	o := c.opts
	var start *future.Future[struct{}]
	if o.Protocol == 3 {
		cmd := resp.NewCommand(nil).Str("HELLO").Str("3")
		if o.Password != "" {
			cmd.Str("AUTH").Str(userOrDefault(o.Username)).Str(o.Password)
		}
		if o.ClientName != "" {
			cmd.Str("SETNAME").Str(o.ClientName)
		}
		hello := future.Map(h.Send(struct{}{}, cmd.Finish()), func(resp.Value) struct{} {
			c.proto.Store(3)
			return struct{}{}
		})
		start = hello.CatchFuture(func(err error) *future.Future[struct{}] {
			if re, ok := err.(*Error); ok && helloRefused(re) {
				return c.setup2(h)
			}
			return future.Rejected[struct{}](c.loop, err)
		})
	} else {
		start = c.setup2(h)
	}
	if o.DB == 0 {
		return start
	}
	return future.ThenFuture(start, func(struct{}) *future.Future[struct{}] {
		return ignore(h.Send(struct{}{}, resp.AppendCommand(nil, "SELECT", strconv.Itoa(o.DB))))
	})
}

// setup2 is the RESP2 handshake: AUTH and CLIENT SETNAME, pipelined.
func (c *Client) setup2(h *driver.Handshake[struct{}, resp.Value]) *future.Future[struct{}] {
	o := c.opts
	var fs []*future.Future[resp.Value]
	if o.Password != "" {
		if o.Username != "" {
			fs = append(fs, h.Send(struct{}{}, resp.AppendCommand(nil, "AUTH", o.Username, o.Password)))
		} else {
			fs = append(fs, h.Send(struct{}{}, resp.AppendCommand(nil, "AUTH", o.Password)))
		}
	}
	if o.ClientName != "" {
		fs = append(fs, h.Send(struct{}{}, resp.AppendCommand(nil, "CLIENT", "SETNAME", o.ClientName)))
	}
	c.proto.Store(2)
	if len(fs) == 0 {
		return future.Resolved(c.loop, struct{}{})
	}
	return future.Map(future.All(fs...), func([]resp.Value) struct{} { return struct{}{} })
}

// helloRefused reports whether HELLO failed because the server does not
// speak RESP3 (unknown command, NOPROTO), rather than for bad credentials.
func helloRefused(e *Error) bool {
	switch e.Code {
	case "WRONGPASS", "NOAUTH", "NOPERM":
		return false
	}
	return true
}

func userOrDefault(u string) string {
	if u == "" {
		return "default"
	}
	return u
}

// Protocol returns the protocol version negotiated by the latest
// handshake (2 or 3), or 0 before the first one. Safe for concurrent use.
func (c *Client) Protocol() int { return int(c.proto.Load()) }

// Loop returns the client's loop. Safe for concurrent use.
func (c *Client) Loop() *eddy.Loop { return c.loop }

// Sync returns the blocking facade of c, which shares c's connection.
// Safe for concurrent use.
func (c *Client) Sync() *Sync { return &Sync{c: c} }

// Close closes the connection at once: commands in flight fail with
// ErrClosed, and so do later ones. Safe for concurrent use.
func (c *Client) Close() { c.conn.Close() }

// Quit closes the connection gracefully: commands already issued get
// their replies, then the connection is closed. Safe for concurrent use.
func (c *Client) Quit() *future.Future[struct{}] { return c.conn.Shutdown(nil) }

// Do sends the command args (the name, then its arguments) and returns
// the future of its reply, which stays valid for good. Arguments may be
// strings, byte slices, integers, unsigned integers, floats, booleans
// (sent as 1 or 0), time.Duration (sent as whole milliseconds) or
// fmt.Stringer values; other types fail with ErrArgType. An error reply
// fails the future with an *Error. Safe for concurrent use.
func (c *Client) Do(args ...any) *future.Future[resp.Value] {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		return future.Rejected[resp.Value](c.loop, err)
	}
	return c.conn.Call(struct{}{}, cmd, 0)
}

// call sends an encoded command.
func (c *Client) call(cmd []byte, flags driver.Flags) *future.Future[resp.Value] {
	return c.conn.Call(struct{}{}, cmd, flags)
}

// read sends an encoded read-only command: it is sent again after a
// reconnect instead of failing.
func (c *Client) read(cmd []byte) *future.Future[resp.Value] {
	return c.conn.Call(struct{}{}, cmd, driver.Idempotent)
}

// appendArgs encodes a command from mixed arguments.
func appendArgs(dst []byte, args []any) ([]byte, error) {
	cmd := resp.NewCommand(dst)
	for i, a := range args {
		switch a := a.(type) {
		case string:
			cmd.Str(a)
		case []byte:
			cmd.Bytes(a)
		case int:
			cmd.Int(int64(a))
		case int64:
			cmd.Int(a)
		case int32:
			cmd.Int(int64(a))
		case uint:
			cmd.Uint(uint64(a))
		case uint64:
			cmd.Uint(a)
		case uint32:
			cmd.Uint(uint64(a))
		case float64:
			cmd.Float(a)
		case float32:
			cmd.Float(float64(a))
		case bool:
			if a {
				cmd.Str("1")
			} else {
				cmd.Str("0")
			}
		case time.Duration:
			cmd.Int(a.Milliseconds())
		case fmt.Stringer:
			cmd.Str(a.String())
		default:
			return nil, fmt.Errorf("%w: argument %d is %T", ErrArgType, i, a)
		}
	}
	if cmd.Len() == 0 {
		return nil, fmt.Errorf("%w: empty command", ErrArgType)
	}
	return cmd.Finish(), nil
}
