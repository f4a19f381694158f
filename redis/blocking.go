package redis

import (
	"time"

	"github.com/eddy-go/eddy"
	"github.com/eddy-go/eddy/driver"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/future"
)

// dedicated sends cmd on a connection of its own, made with c's options,
// and closes that connection once the reply has come or the future has
// been cancelled, so that a command that blocks the server (BLPOP, XREAD
// BLOCK) never holds up the shared connection, and a cancelled one stops
// waiting on the server too.
func (c *Client) dedicated(cmd []byte) *future.Future[resp.Value] {
	conn := c.newConn(nil)
	return closeAfter(c.loop, conn, conn.Call(struct{}{}, cmd, 0))
}

// closeAfter returns a future settled like f, closing conn once f settles
// or once the returned future is cancelled (Finally would not run then).
func closeAfter[T any](loop *eddy.Loop, conn *driver.Conn[struct{}, resp.Value], f *future.Future[T]) *future.Future[T] {
	out, p := future.New[T](loop)
	p.OnCancel(func(error) { conn.Close() })
	f.OnSettle(func(v T, err error) {
		conn.Close()
		p.Settle(v, err)
	})
	return out
}

// timeoutArg is a blocking command's timeout in seconds (0: forever).
func timeoutArg(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return max(d.Seconds(), 0.001)
}

// KeyValue is the reply of BLPOP and BRPOP: the list an element came from,
// and the element.
type KeyValue struct {
	Key, Value string
}

// BLPop pops the first element of the first non-empty list of keys,
// waiting up to timeout (0: forever) for one; it fails with Nil on
// timeout. It runs on a connection of its own, so it never stalls the
// shared one; cancelling the future closes that connection, and the
// server then pops nothing. Safe for concurrent use.
func (c *Client) BLPop(timeout time.Duration, keys ...string) *future.Future[KeyValue] {
	return c.bpop("BLPOP", timeout, keys)
}

// BRPop is BLPop taking the last element. Safe for concurrent use.
func (c *Client) BRPop(timeout time.Duration, keys ...string) *future.Future[KeyValue] {
	return c.bpop("BRPOP", timeout, keys)
}

func (c *Client) bpop(name string, timeout time.Duration, keys []string) *future.Future[KeyValue] {
	cmd := resp.NewCommand(nil).Str(name).Strs(keys...).Float(timeoutArg(timeout)).Finish()
	return future.Then(c.dedicated(cmd), func(v resp.Value) (KeyValue, error) {
		a, err := strSlice(v)
		if err != nil {
			return KeyValue{}, err
		}
		if len(a) != 2 {
			return KeyValue{}, Nil
		}
		return KeyValue{a[0], a[1]}, nil
	})
}
