package redis

import (
	"errors"

	"github.com/eddy-go/eddy/codec/resp"
	"github.com/eddy-go/eddy/driver"
	"github.com/eddy-go/eddy/future"
)

// Tx is a MULTI/EXEC transaction on a connection of its own, optionally
// guarded by WATCH. Read what the transaction depends on with Do (on the
// same connection, after WATCH), Queue its commands, then Exec. The
// connection is closed by Exec or Discard, one of which must be called.
//
// A Tx is for one caller at a time. Its connection is not re-made if it
// drops (the WATCH would be lost): the futures, those issued later
// included, fail with an error matching ErrConnLost.
type Tx struct {
	c      *Client
	conn   *driver.Conn[struct{}, resp.Value]
	queued [][]byte
	err    error // the first encoding error of Queue
}

// Multi starts a transaction without WATCH. Safe for concurrent use.
func (c *Client) Multi() *Tx {
	return &Tx{c: c, conn: c.newOnceConn()}
}

// errConnOnce is why a connection that must not be made again (that of a
// Tx, whose WATCH would be lost) refuses a new handshake.
var errConnOnce = errors.New("redis: connection state lost; not reconnecting")

// newOnceConn makes a connection whose session cannot be made again: once
// a handshake has succeeded, every later one fails, so that the requests
// that were waiting for a reconnect fail with a *driver.ConnError
// (ErrConnLost) instead of running without the state (WATCH) of the
// connection that dropped.
func (c *Client) newOnceConn() *driver.Conn[struct{}, resp.Value] {
	cfg := c.connConfig(nil)
	used := false
	cfg.Setup = func(h *driver.Handshake[struct{}, resp.Value]) *future.Future[struct{}] {
		if used {
			return future.Rejected[struct{}](c.loop, errConnOnce)
		}
		return future.Map(c.setup(h), func(struct{}) struct{} {
			used = true
			return struct{}{}
		})
	}
	return driver.New(c.loop, cfg)
}

// Watch starts a transaction that EXEC runs only if none of keys changed
// since WATCH. The future resolves once WATCH is done. Safe for concurrent
// use.
//
// If WATCH fails, or the future is cancelled before it resolves, the
// transaction's connection is closed.
func (c *Client) Watch(keys ...string) *future.Future[*Tx] {
	tx := c.Multi()
	w := tx.conn.Call(struct{}{}, resp.NewCommand(nil).Str("WATCH").Strs(keys...).Finish(), 0)
	f, p := future.New[*Tx](c.loop)
	p.OnCancel(func(error) { tx.conn.Close() }) // the caller never gets tx
	w.OnSettle(func(_ resp.Value, err error) {
		if err != nil {
			tx.conn.Close()
			p.Reject(err)
			return
		}
		if !p.Resolve(tx) {
			tx.conn.Close()
		}
	})
	return f
}

// Do sends a command on the transaction's connection now, before MULTI:
// use it to read the watched keys. Safe for concurrent use.
func (tx *Tx) Do(args ...any) *future.Future[resp.Value] {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		return future.Rejected[resp.Value](tx.c.loop, err)
	}
	return tx.conn.Call(struct{}{}, cmd, 0)
}

// Queue adds a command to run inside MULTI/EXEC. Its reply is an element
// of Exec's result.
func (tx *Tx) Queue(args ...any) {
	cmd, err := appendArgs(nil, args)
	if err != nil {
		if tx.err == nil {
			tx.err = err
		}
		return
	}
	tx.queued = append(tx.queued, cmd)
}

// Exec sends MULTI, the queued commands and EXEC in one write, and
// resolves to the replies of the queued commands, in order; a command
// that failed inside the transaction has an error Value (see
// resp.Value.Err). It fails with ErrTxAborted if a watched key changed,
// and with the server's *Error if the transaction was refused (EXECABORT).
// The connection is closed afterwards.
func (tx *Tx) Exec() *future.Future[[]resp.Value] {
	if tx.err != nil {
		tx.conn.Close()
		return future.Rejected[[]resp.Value](tx.c.loop, tx.err)
	}
	call := func(cmd []byte) *future.Future[resp.Value] { return tx.conn.Call(struct{}{}, cmd, 0) }
	// MULTI's and the QUEUED replies are discarded: a command refused
	// at queueing time makes EXEC fail with EXECABORT, which says why.
	call(resp.AppendCommand(nil, "MULTI")).OnSettle(func(resp.Value, error) {})
	for _, cmd := range tx.queued {
		call(cmd).OnSettle(func(resp.Value, error) {})
	}
	exec := future.Then(call(resp.AppendCommand(nil, "EXEC")), func(v resp.Value) ([]resp.Value, error) {
		if v.IsNull() {
			return nil, ErrTxAborted
		}
		a, err := v.Array()
		if err != nil {
			return nil, err
		}
		return append([]resp.Value(nil), a...), nil
	})
	return closeAfter(tx.c.loop, tx.conn, exec)
}

// Discard abandons the transaction and closes its connection.
func (tx *Tx) Discard() { tx.conn.Close() }
