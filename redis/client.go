package redis

import (
	"crypto/tls"
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
	// TLSConfig, if set, connects with TLS (see driver.Config.TLSConfig):
	// the server's certificate is verified against TLSConfig.RootCAs (the
	// system's roots when nil) for TLSConfig.ServerName, or the address's
	// host when that is empty. Only InsecureSkipVerify turns verification
	// off. Every connection of the client uses it: the shared one, the
	// dedicated ones, pub/sub.
	TLSConfig *tls.Config
	// CacheSize, if positive, turns on client-side caching of Get with
	// RESP3 key tracking: the shared connection sends CLIENT TRACKING ON
	// after HELLO, Get keeps up to CacheSize values in an LRU, and the
	// server's invalidation messages drop the keys that change. The cache
	// is emptied, and bypassed, while the connection is down. It needs
	// Protocol 3 (with RESP2, or a server refusing HELLO 3, Get is not
	// cached). Only Get is cached; missing keys are not. A command that is
	// not read-only, issued on the client, drops the keys it names from
	// the cache (all keys if it names none) as it is issued, so that a
	// Get issued after it sees what it wrote.
	CacheSize int
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
	cmds
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
	c := &Client{addr: addr, opts: opts}
	c.cmds = cmds{loop: loop, x: c}
	if opts.CacheSize > 0 && opts.Protocol == 3 {
		c.cache = newCache(opts.CacheSize)
	}
	c.conn = c.newShared()
	return c, nil
}

// newConn makes a connection with c's options and handshake; push, if set,
// receives the push messages.
func (c *Client) newConn(push func(resp.Value)) *driver.Conn[struct{}, resp.Value] {
	return driver.New(c.loop, c.connConfig(push))
}

func (c *Client) connConfig(push func(resp.Value)) driver.Config[struct{}, resp.Value] {
	o := c.opts
	return driver.Config[struct{}, resp.Value]{
		Addr:        c.addr,
		TLSConfig:   o.TLSConfig,
		Codec:       &codec{onPush: push},
		Setup:       c.setup,
		MinBackoff:  o.MinBackoff,
		MaxBackoff:  o.MaxBackoff,
		DialTimeout: o.DialTimeout,
		MaxQueued:   o.MaxQueued,
		OnState:     o.OnState,
	}
}

// newShared makes the shared connection: with a cache, its handshake
// ends with CLIENT TRACKING ON, its push messages go to the cache, and
// the cache is turned off whenever the connection is not ready.
func (c *Client) newShared() *driver.Conn[struct{}, resp.Value] {
	if c.cache == nil {
		return c.newConn(nil)
	}
	cfg := c.connConfig(c.cache.onPush)
	user := cfg.OnState
	cfg.OnState = func(s driver.State, err error) {
		c.cache.onState(s)
		if user != nil {
			user(s, err)
		}
	}
	cfg.Setup = func(h *driver.Handshake[struct{}, resp.Value]) *future.Future[struct{}] {
		return future.ThenFuture(c.setup(h), func(struct{}) *future.Future[struct{}] {
			if c.Protocol() != 3 {
				return future.Resolved(c.loop, struct{}{}) // no pushes: no cache
			}
			return future.Map(h.Send(struct{}{}, trackingCmd), func(resp.Value) struct{} {
				c.cache.setOn(true)
				return struct{}{}
			})
		})
	}
	return driver.New(c.loop, cfg)
}

var trackingCmd = resp.AppendCommand(nil, "CLIENT", "TRACKING", "ON")

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

// Addr returns the server address the client dials ("host:port"): for the
// masters of a ClusterClient, the address the cluster announced (its TLS
// port when the client uses TLS).
func (c *Client) Addr() string { return c.addr }

// Sync returns the blocking facade of c, which shares c's connection.
// Safe for concurrent use.
func (c *Client) Sync() *Sync { return &Sync{syncCmds: syncCmds{c: &c.cmds}, cl: c} }

// Close closes the connection at once: commands in flight fail with
// ErrClosed, and so do later ones. Safe for concurrent use.
func (c *Client) Close() { c.conn.Close() }

// Quit closes the connection gracefully: commands already issued get
// their replies, then the connection is closed. Safe for concurrent use.
func (c *Client) Quit() *future.Future[struct{}] { return c.conn.Shutdown(nil) }

// send sends an encoded command on the shared connection.
func (c *Client) send(cmd []byte, flags driver.Flags) *future.Future[resp.Value] {
	c.wrote(cmd, flags)
	return c.conn.Call(struct{}{}, cmd, flags)
}

// wrote tells the cache, if any, of a command about to be sent that is not
// read-only (Idempotent), so that it drops the keys the command may change.
func (c *Client) wrote(cmd []byte, flags driver.Flags) {
	if c.cache != nil && flags&driver.Idempotent == 0 {
		c.cache.wrote(cmd)
	}
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
			cmd.Int(millis(a))
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
