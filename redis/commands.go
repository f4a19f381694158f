package redis

import (
	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// sender sends an encoded command and returns the future of its reply:
// the single-node Client and the ClusterClient each have one.
type sender interface {
	send(cmd []byte, flags driver.Flags) *future.Future[resp.Value]
}

// cmds holds the commands that Client and ClusterClient share (Do and the
// typed helpers); both embed it, so each helper is written once.
type cmds struct {
	loop  *eddy.Loop
	x     sender
	cache *cache // client-side cache of GET, or nil
}

// Commander is what Client and ClusterClient have in common, for code that
// works with either (Script.Run takes one). Besides Loop and Do, both have
// the same typed helpers (Get, Set, HSet, ZAdd...). It is implemented only
// by this package's clients.
type Commander interface {
	// Loop returns the client's loop.
	Loop() *eddy.Loop
	// Do sends a command; see Client.Do.
	Do(args ...any) *future.Future[resp.Value]
	commands() *cmds
}

var (
	_ Commander = (*Client)(nil)
	_ Commander = (*ClusterClient)(nil)
)

func (c *cmds) commands() *cmds { return c }

// Loop returns the client's loop. Safe for concurrent use.
func (c *cmds) Loop() *eddy.Loop { return c.loop }

// Do sends the command args (the name, then its arguments) and returns
// the future of its reply, which stays valid for good. Arguments may be
// strings, byte slices, integers, unsigned integers, floats, booleans
// (sent as 1 or 0), time.Duration (sent as whole milliseconds, a positive
// one below 1 ms as 1) or fmt.Stringer values; other types fail with
// ErrArgType. An error reply fails the future with an *Error. On a
// ClusterClient the command goes to the node serving its keys. A
// read-only command (GET, HGETALL, SCAN and the like) written just
// before its connection dropped is sent again on the next one, as the
// typed helpers' are; any other then fails with ErrConnLost, since it
// may have run. Safe for concurrent use.
func (c *cmds) Do(args ...any) *future.Future[resp.Value] {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		return future.Rejected[resp.Value](c.loop, err)
	}
	return c.x.send(cmd, readFlags(args))
}

// call sends an encoded command.
func (c *cmds) call(cmd []byte, flags driver.Flags) *future.Future[resp.Value] {
	return c.x.send(cmd, flags)
}

// read sends an encoded read-only command: it is sent again after a
// reconnect instead of failing.
func (c *cmds) read(cmd []byte) *future.Future[resp.Value] {
	return c.x.send(cmd, driver.Idempotent)
}

// callAs sends an encoded command and converts its reply with conv. On a
// single-node Client, conv runs as the reply is decoded (driver.Map), so
// the future settles without a hop through the loop's queue; elsewhere it
// is a future.Then step.
func callAs[T any](c *cmds, cmd []byte, flags driver.Flags, conv func(resp.Value) (T, error)) *future.Future[T] {
	if cl, ok := c.x.(*Client); ok {
		cl.wrote(cmd, flags)
		return driver.Map(cl.conn, struct{}{}, cmd, flags, conv)
	}
	return future.Then(c.x.send(cmd, flags), conv)
}

// cmdCap is the capacity to give the buffer of a command of n arguments
// totalling size bytes, so that encoding it does not grow the buffer: the
// array header, and each argument's header and line ends.
func cmdCap(n, size int) int { return 16 + 16*n + size }
